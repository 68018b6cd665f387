"""TrainingCollector: durable correction pairs, collected as a LangChain callback handler."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.corrections import ATTEMPT_KEY, OUTCOME_EVENT, SESSION_KEY
from langchain_semantix.training.backends import (
    DEFAULT_NAMESPACE,
    JsonlBackend,
    RecordBackend,
    iter_records,
)
from langchain_semantix.training.records import Redactor, make_record
from langchain_semantix.training.shared_store import SharedStoreBackend

__all__ = ["TrainingCollector"]

logger = logging.getLogger("langchain_semantix")
_MAX_PENDING = 10_000


class TrainingCollector(BaseCallbackHandler):
    """Collects (rejected, accepted) pairs whenever a retry heals an output.

    semantix-ai's collector (``record``, ``stats``, ``path``) and a LangChain callback
    handler: pass it in ``config={"callbacks": [collector]}`` to a chain, the retry
    runnable, the retry subgraph, a decorated function or an agent, and every healed
    output is written with the prompt messages the model really received on the
    accepted attempt, every rejected attempt, the model name, run id, tags and metadata.
    First-try passes and never-healed failures write nothing; they are counted in
    :meth:`stats`.

    Args:
        path: JSONL file (parents are created; a missing file means zero pairs).
        store: A LangGraph ``BaseStore`` to write to instead of a file.
        namespace: The store namespace.
        fsync: ``fsync`` after every record (durable against power loss, slower).
        redact: Applied to every text before it is written.

    Example:
        .. code-block:: python

            collector = TrainingCollector("data/corrections.jsonl")
            chain = prompt | with_intent_retry(model, PoliteDecline)
            chain.invoke({"event": "a gala"}, config={"callbacks": [collector]})
            collector.stats()   # {"total_pairs": 1, "intents": {"PoliteDecline": 1}, ...}
    """

    run_inline = True  # keep event order: prompts are seen before the outcome that uses them

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        store: BaseStore | None = None,
        namespace: tuple[str, ...] = DEFAULT_NAMESPACE,
        fsync: bool = False,
        redact: Redactor | None = None,
        raise_error: bool = False,
    ) -> None:
        if (path is None) == (store is None):
            raise ValueError("give exactly one of path (a JSONL file) or store (a BaseStore)")
        self.backend: RecordBackend = (
            JsonlBackend(path, fsync=fsync) if path is not None else SharedStoreBackend(store, namespace)  # type: ignore[arg-type]
        )
        self.redact = redact
        self.raise_error = raise_error
        self._lock = threading.Lock()
        self._prompts: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._finished: OrderedDict[str, None] = OrderedDict()
        self.outcomes: Counter[str] = Counter()

    @classmethod
    def from_store(
        cls, store: BaseStore, namespace: tuple[str, ...] = DEFAULT_NAMESPACE, **kwargs: Any
    ) -> TrainingCollector:
        """A collector that writes to a LangGraph store."""
        return cls(store=store, namespace=namespace, **kwargs)

    @property
    def path(self) -> Path | None:
        """The JSONL file (``None`` for a store-backed collector)."""
        return self.backend.path if isinstance(self.backend, JsonlBackend) else None

    # -- semantix-ai API -------------------------------------------------------------

    def record(
        self,
        *,
        intent: str,
        intent_description: str,
        rejected_output: str,
        rejected_score: float | None,
        rejected_reason: str | None,
        accepted_output: str,
        accepted_score: float | None,
        feedback: str | None,
        attempts: int,
        **extra: Any,
    ) -> dict[str, Any]:
        """Write one pair (semantix-ai's signature; extra fields per the record schema)."""
        record = make_record(
            intent=intent,
            intent_description=intent_description,
            rejected_output=rejected_output,
            rejected_score=rejected_score,
            rejected_reason=rejected_reason,
            accepted_output=accepted_output,
            accepted_score=accepted_score,
            feedback=feedback,
            attempts=attempts,
            redact=self.redact,
            **extra,
        )
        self.backend.append(record)
        return record

    def records(self, intent_filter: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record (normalised), oldest first."""
        return iter_records(self.backend, intent_filter=intent_filter)

    def stats(self) -> dict[str, Any]:
        """``{"total_pairs": N, "intents": {name: n}}`` from storage, plus this process's
        ``first_try_passes``, ``healed`` and ``unhealed`` counts."""
        intents: Counter[str] = Counter(r["intent"] for r in self.records())
        return {
            "total_pairs": sum(intents.values()),
            "intents": dict(intents),
            "first_try_passes": self.outcomes["first_try_pass"],
            "healed": self.outcomes["healed"],
            "unhealed": self.outcomes["unhealed"],
        }

    # -- correction sessions -----------------------------------------------------------

    def handle_outcome(self, outcome: dict[str, Any]) -> dict[str, Any] | None:
        """Turn a finished session into a record when a retry healed the output."""
        session = outcome["session_id"]
        with self._lock:
            if session in self._finished:
                return None  # seen through both the callback and an explicit collector=
            self._finished[session] = None
            while len(self._finished) > _MAX_PENDING:
                self._finished.popitem(last=False)
            attempts = outcome["attempts"]
            seen = {n: self._prompts.pop((session, n), None) for n in range(1, len(attempts) + 1)}
        if not outcome["passed"]:
            self.outcomes["unhealed"] += 1
            return None
        if len(attempts) < 2:
            self.outcomes["first_try_pass"] += 1
            return None
        self.outcomes["healed"] += 1
        accepted, rejected = attempts[-1], attempts[:-1]
        call = seen.get(accepted["attempt"]) or {}
        intents = outcome["intents"]
        record = self.record(
            intent=" & ".join(i["name"] for i in intents),
            intent_description="\n".join(i["description"] for i in intents),
            rejected_output=rejected[-1]["output"],
            rejected_score=rejected[-1]["score"],
            rejected_reason=rejected[-1]["reason"],
            accepted_output=accepted["output"],
            accepted_score=accepted["score"],
            feedback=rejected[-1]["feedback"],
            attempts=accepted["attempt"],
            run_id=call.get("run_id"),
            prompt_messages=call.get("messages") or outcome.get("sent_messages"),
            rejected_attempts=[
                {k: a[k] for k in ("attempt", "output", "score", "reason", "feedback", "threshold")}
                for a in rejected
            ],
            threshold=accepted.get("threshold"),
            judge={"name": outcome.get("judge"), "model": outcome.get("judge_model")},
            model=call.get("model"),
            tags=call.get("tags") or [],
            metadata={
                "source": outcome.get("source"),
                "session_id": session,
                "parent_run_id": call.get("parent_run_id"),
                **(call.get("metadata") or {}),
            },
        )
        return record

    # -- callback handler ---------------------------------------------------------------

    def _remember(self, messages: list[dict[str, Any]], run_id: UUID, parent_run_id: UUID | None,
                  tags: list[str] | None, metadata: dict[str, Any] | None, model: str | None) -> None:
        metadata = metadata or {}
        session, attempt = metadata.get(SESSION_KEY), metadata.get(ATTEMPT_KEY)
        if session is None or attempt is None:
            return
        user_metadata = {
            k: v for k, v in metadata.items()
            if k not in (SESSION_KEY, ATTEMPT_KEY) and not k.startswith(("ls_", "langgraph_", "checkpoint_"))
            and isinstance(v, (str, int, float, bool, type(None)))
        }
        with self._lock:
            self._prompts[(session, int(attempt))] = {
                "messages": messages,
                "run_id": str(run_id),
                "parent_run_id": str(parent_run_id) if parent_run_id else None,
                "tags": list(tags or []),
                "metadata": user_metadata,
                "model": model or metadata.get("ls_model_name"),
            }
            while len(self._prompts) > _MAX_PENDING:
                self._prompts.popitem(last=False)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        params = kwargs.get("invocation_params") or {}
        model = params.get("model_name") or params.get("model")
        self._remember(messages_to_dicts(messages[0]), run_id, parent_run_id, tags, metadata, model)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        messages = [{"role": "user", "content": prompts[0]}] if prompts else []
        self._remember(messages, run_id, parent_run_id, tags, metadata, None)

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if name != OUTCOME_EVENT or not isinstance(data, dict):
            return
        try:
            self.handle_outcome(data)
        except Exception:
            logger.exception("TrainingCollector could not record a correction")
            if self.raise_error:
                raise

    def flush(self) -> None:
        """Wait for store writes started inside an event loop (no-op for files)."""
        getattr(self.backend, "flush", lambda: None)()

    async def aflush(self) -> None:
        """Await store writes started inside an event loop (no-op for files)."""
        if hasattr(self.backend, "aflush"):
            await self.backend.aflush()

    def __repr__(self) -> str:
        return f"TrainingCollector({self.backend.describe()!r})"
