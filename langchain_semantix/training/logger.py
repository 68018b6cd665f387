"""TrainingDataLogger: every LLM call as a (messages, response) line, for distillation."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.training.jsonl import JsonlFile
from langchain_semantix.training.records import RecordError, Redactor

__all__ = ["TrainingDataLogger"]


def _message_dicts(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list):
        raise RecordError(f"messages must be a list of messages, got {type(messages).__name__}")
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, BaseMessage):
            out.extend(messages_to_dicts([m]))
        elif isinstance(m, dict) and "role" in m and "content" in m:
            out.append(dict(m))
        else:
            raise RecordError(f"each message needs 'role' and 'content', got {m!r:.80}")
    return out


class TrainingDataLogger(BaseCallbackHandler):
    """Logs LLM calls as JSONL training data (RuleChef's API), also as a callback handler.

    ``log(call_type, messages, response, metadata)`` writes one line::

        {"messages": [...messages, {"role": "assistant", "content": response}],
         "call_type": ..., "metadata": {**run_metadata, **metadata},
         "run_id": ..., "timestamp": ...}

    Passed in ``config={"callbacks": [logger]}``, it logs every chat-model call of a
    chain or graph (call type: ``metadata["call_type"]`` of the run, else ``"chat_model"``).
    Appends are durable and safe across processes and runs.

    Example:
        .. code-block:: python

            log = TrainingDataLogger("calls.jsonl", run_metadata={"dataset": "support-v2"})
            log.log("rule_synthesis", [{"role": "user", "content": "..."}], "...")
            log.count, log.stats, log.run_id
    """

    run_inline = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        run_metadata: dict[str, Any] | None = None,
        *,
        fsync: bool = False,
        redact: Redactor | None = None,
    ) -> None:
        self.file = JsonlFile(path, fsync=fsync)
        self.run_metadata = dict(run_metadata or {})
        self.run_id = uuid.uuid4().hex
        self.redact = redact
        self._counts: Counter[str] = Counter()
        self._pending: dict[UUID, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def count(self) -> int:
        """Entries logged by this logger."""
        return sum(self._counts.values())

    @property
    def stats(self) -> dict[str, int]:
        """Entries logged by this logger, by call type."""
        return dict(self._counts)

    def log(
        self,
        call_type: str,
        messages: list[dict[str, Any]] | list[BaseMessage],
        response: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Write one call: the messages sent, with the response appended as the assistant turn."""
        if not isinstance(call_type, str) or not call_type:
            raise RecordError("call_type must be a non-empty str")
        if not isinstance(response, str):
            raise RecordError(f"response must be a str, got {type(response).__name__}")
        turns = _message_dicts(messages) + [{"role": "assistant", "content": response}]
        if self.redact is not None:
            turns = [
                {**t, "content": self.redact(t["content"])} if isinstance(t["content"], str) else t
                for t in turns
            ]
        self.file.append(
            {
                "messages": turns,
                "call_type": call_type,
                "metadata": {**self.run_metadata, **(metadata or {})},
                "run_id": self.run_id,
                "timestamp": datetime.now(timezone.utc).isoformat(),
            }
        )
        with self._lock:
            self._counts[call_type] += 1

    # -- callback handler ---------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        params = kwargs.get("invocation_params") or {}
        info = {
            "call_type": (metadata or {}).get("call_type", "chat_model"),
            "model": params.get("model_name") or params.get("model") or (metadata or {}).get("ls_model_name"),
            "tags": kwargs.get("tags") or [],
        }
        with self._lock:
            self._pending[run_id] = (messages_to_dicts(messages[0]), info)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            pending = self._pending.pop(run_id, None)
        if pending is None or not response.generations or not response.generations[0]:
            return
        messages, info = pending
        generation = response.generations[0][0]
        text = generation.text
        self.log(
            info.pop("call_type"),
            messages,
            text,
            {"model": info["model"], "tags": info["tags"], "llm_run_id": str(run_id)},
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._pending.pop(run_id, None)
