"""TrainingCollector: durable correction pairs, collected as a LangChain callback handler."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import warnings
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, cast
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult
from langgraph.store.base import BaseStore

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.events import ATTEMPT_KEY, OUTCOME_EVENT, SESSION_KEY, OutcomeEvent, Review
from langchain_semantix.training.backends import (
    DEFAULT_NAMESPACE,
    JsonlBackend,
    RecordBackend,
    check_intent_filter,
    is_store_spec,
    iter_records,
)
from langchain_semantix.training.jsonl import BackgroundWriter, JsonlFile, check_path_argument, on_event_loop
from langchain_semantix.training.records import RecordError, Redactor, RejectedAttempt, make_record_line
from langchain_semantix.training.shared_store import SharedStoreBackend, check_store

__all__ = ["TrainingCollector", "CollectorWriteWarning"]

logger = logging.getLogger("langchain_semantix")
_MAX_FINISHED = 10_000
_DEFAULT_PENDING_BYTES = 64 * 1024 * 1024
#: What a record keeps of each rejected attempt summary (its logprobs come from the model call).
_ATTEMPT_FIELDS = tuple(name for name in RejectedAttempt.model_fields if name != "logprobs")


class CollectorWriteWarning(UserWarning):
    """A correction pair could not be written (it is counted in ``diagnostics()``)."""


def _size(value: Any) -> int:
    """A cheap estimate of the memory a prompt holds (its text dominates)."""
    if isinstance(value, str):
        return len(value) + 50
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values()) + 100
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value) + 50
    return 30


class TrainingCollector(BaseCallbackHandler):
    """Collects (rejected, accepted) pairs whenever a retry heals an output.

    semantix-ai's collector (``record``, ``stats``, ``path``) and a LangChain callback
    handler: pass it in ``config={"callbacks": [collector]}`` to a chain, the retry
    runnable, the retry subgraph, a decorated function or an agent, and every healed
    output is written with the prompt messages the model really received on the
    accepted attempt, every rejected attempt (with token logprobs when the chat model
    returned them), the model name, run id, tags and metadata. First-try passes and
    never-healed failures write nothing; they are counted in :meth:`diagnostics`.

    The destination is checked when the collector is made (a folder that cannot be
    written fails now, not at the first pair). Writes wait at most ``lock_timeout`` for
    the file lock; inside an event loop the callback path writes in a worker thread, so
    a busy lock never stalls other tasks (:meth:`flush` / :meth:`aflush` wait for
    those writes); :meth:`arecord` and :meth:`ahandle_outcome` append the pairs of
    concurrent tasks together, off the loop. A read-only file can be read (``stats``,
    ``records``); writing to it fails. A pair that cannot be written is counted, warned about
    (:class:`CollectorWriteWarning`) and appended to ``spool`` when given; with
    ``on_error="raise"`` the error propagates to the run.

    Args:
        path: JSONL file (parents are created; a missing file means zero pairs; not a
            symbolic link). For PostgreSQL use :meth:`from_store` with ``open_store``.
        store: A LangGraph ``BaseStore`` to write to instead of a file (anything else,
            a ``postgresql://`` string included, is refused with the fix).
        namespace: The store namespace.
        fsync: ``fsync`` after every record (durable against power loss, slower).
        redact: Applied to every text before it is written (prompts, content blocks,
            tool-call arguments, outputs, feedback, descriptions, tags, metadata).
        on_error: ``"warn"`` (count, warn, spool) or ``"raise"``.
        spool: A second JSONL file that takes pairs the main destination (file or store)
            refused.
        lock_timeout: Seconds to wait for the file lock before failing with a clear error.
        max_pending_bytes: Bound on the prompts kept for runs still in progress.
        labels: Where human review decisions go as labelled examples for judge training
            (a ``LabelStore``, a JSONL path, or a LangGraph store): an approved draft is a
            positive, an edit a positive for the edit and a negative for the draft, a
            rejection a negative (see ``training.judge.labels_from_review``).

    Example:
        .. code-block:: python

            collector = TrainingCollector("data/corrections.jsonl")
            chain = prompt | with_intent_retry(model, PoliteDecline)
            chain.invoke({"event": "a gala"}, config={"callbacks": [collector]})
            collector.stats()        # {"total_pairs": 1, "intents": {"PoliteDecline": 1}}
            collector.diagnostics()  # {"healed": 1, "write_errors": 0, ...}
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
        on_error: Literal["warn", "raise"] = "warn",
        spool: str | os.PathLike[str] | None = None,
        lock_timeout: float = 30.0,
        max_pending_bytes: int = _DEFAULT_PENDING_BYTES,
        labels: Any = None,
    ) -> None:
        _check_arguments(path, store, redact, on_error, lock_timeout, max_pending_bytes, spool)
        self._file: JsonlFile | None = None
        if path is not None:
            backend = JsonlBackend(path, fsync=fsync, lock_timeout=lock_timeout)
            backend.file.check_destination()
            self.backend: RecordBackend = backend
            self._file = backend.file
        else:
            self.backend = SharedStoreBackend(store, namespace)  # type: ignore[arg-type]
        self.spool = JsonlFile(spool, fsync=fsync, lock_timeout=lock_timeout) if spool is not None else None
        if self.spool is not None:
            self.spool.check_destination()
        self.labels = _label_store(labels)
        self.redact = redact
        self.on_error = "raise" if raise_error else on_error
        self.raise_error = self.on_error == "raise"
        self.max_pending_bytes = max_pending_bytes
        self._lock = threading.Lock()
        self._prompts: OrderedDict[str, dict[int, dict[str, Any]]] = OrderedDict()
        self._prompt_bytes: dict[str, int] = {}
        self._pending_bytes = 0
        self._runs: dict[UUID, tuple[str, int]] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._background = BackgroundWriter("semantix-collector")
        self.outcomes: Counter[str] = Counter()
        #: The most recent write failures (``"<error>"`` strings), newest last.
        self.write_errors: deque[str] = deque(maxlen=100)
        self.write_error_count = 0
        self.spooled = 0

    @classmethod
    def from_store(cls, store: BaseStore, namespace: tuple[str, ...] = DEFAULT_NAMESPACE, **kwargs: Any) -> TrainingCollector:
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
        """Write one pair (semantix-ai's signature; extra fields per the record schema).

        Raises :class:`RecordError` for a value that could not be read back (a wrong
        type, a NaN score, a lone surrogate, an empty intent, ``tags`` given as one
        string) and the write error when the pair could be neither written nor spooled.
        """
        record, line = make_record_line(
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
        self._write(record, line, must_raise=True)
        return record

    async def arecord(
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
        """:meth:`record` for async code: the event loop never waits for the file lock, and
        pairs recorded by concurrent tasks are appended together (one lock, one write)."""
        record, line = make_record_line(
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
        await self._awrite(record, line, must_raise=True)
        return record

    def records(self, intent_filter: str | None = None, *, skipped: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record (checked and normalised), oldest first; invalid lines are
        skipped with a warning naming ``file:line`` (and listed in ``skipped``).

        ``intent_filter``: only the records of this intent (``None``: all of them)."""
        check_intent_filter(intent_filter)  # before waiting for writes: a bad filter fails at once
        self.flush()
        return iter_records(self.backend, intent_filter=intent_filter, skipped=skipped, missing_ok=True)

    def stats(self) -> dict[str, Any]:
        """``{"total_pairs": N, "intents": {name: n}}`` from storage (semantix-ai's shape;
        outcome and failure counts are in :meth:`diagnostics`)."""
        intents: Counter[str] = Counter(r["intent"] for r in self.records())
        return {"total_pairs": sum(intents.values()), "intents": dict(intents)}

    def diagnostics(self) -> dict[str, Any]:
        """This process's outcome counts, write failures, and what storage holds.

        Keys:

        - ``first_try_passes``, ``healed``, ``unhealed``: finished sessions by outcome
          (this process);
        - ``stored_pairs``: valid records in storage (every process's);
        - ``skipped_records``: stored lines that are not valid records;
        - ``write_errors`` (count), ``last_write_error`` (its message or ``None``),
          ``spooled`` (pairs kept in the spool file after a failed write);
        - ``pending_runs``, ``pending_bytes``: prompts held for sessions still in progress;
        - ``review_labels``: judge labels written from human reviews (with ``labels=``).
        """
        skipped: list[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stored = sum(1 for _ in self.records(skipped=skipped))
        with self._lock:
            pending_runs, pending_bytes = len(self._prompts), self._pending_bytes
        return {
            "first_try_passes": self.outcomes["first_try_pass"],
            "healed": self.outcomes["healed"],
            "unhealed": self.outcomes["unhealed"],
            "stored_pairs": stored,
            "skipped_records": len(skipped),
            "write_errors": self.write_error_count,
            "last_write_error": self.write_errors[-1] if self.write_errors else None,
            "spooled": self.spooled,
            "pending_runs": pending_runs,
            "pending_bytes": pending_bytes,
            "review_labels": self.outcomes["review_labels"],
        }

    # -- writing -----------------------------------------------------------------------

    def _write(self, record: dict[str, Any], line: bytes | None = None, *, must_raise: bool = False) -> bool:
        try:
            if self._file is not None and line is not None:
                self._file.append_line(line)
            else:
                self.backend.append(record)
            return True
        except Exception as exc:  # OSError, RecordError, StoreWriteError, a failing store's own errors
            spooled = self._failed(record, exc)
            if self.on_error == "raise" or (must_raise and not spooled):
                raise
            return False

    async def _awrite(self, record: dict[str, Any], line: bytes, *, must_raise: bool = False) -> bool:
        """:meth:`_write` without blocking the loop: a file append joins the next batch of
        lines written for this loop; failures are handled (spooled) in a worker thread."""
        loop = asyncio.get_running_loop()
        if self._file is None:
            return await loop.run_in_executor(None, functools.partial(self._write, record, line, must_raise=must_raise))
        try:
            await self._file.aappend_bytes(line)
            return True
        except Exception as exc:
            spooled = await loop.run_in_executor(None, self._failed, record, exc)
            if self.on_error == "raise" or (must_raise and not spooled):
                raise
            return False

    def _failed(self, record: dict[str, Any] | None, exc: BaseException) -> bool:
        message = f"{type(exc).__name__}: {exc!s:.2000}"
        with self._lock:
            self.write_error_count += 1
            self.write_errors.append(message)
        spooled = False
        if self.spool is not None and record is not None and not isinstance(exc, RecordError):
            try:
                self.spool.append(record)
                spooled = True
                with self._lock:
                    self.spooled += 1
            except Exception as spool_exc:
                message += f" (and the spool {self.spool.path} failed too: {spool_exc})"
        where = f"; kept in the spool {self.spool.path}" if spooled and self.spool is not None else ""
        warnings.warn(
            f"TrainingCollector({self.backend.describe()}) could not write a correction pair: {message}{where}",
            CollectorWriteWarning,
            stacklevel=4,
        )
        logger.warning("TrainingCollector could not write a correction pair: %s", message)
        return spooled

    def _write_labels(self, review: Review) -> None:
        from langchain_semantix.training.judge.labels import labels_from_review

        try:
            self.outcomes["review_labels"] += self.labels.add_many(labels_from_review(review))
        except Exception as exc:
            self._failed(None, exc)
            if self.on_error == "raise":
                raise

    def flush(self, timeout: float | None = None) -> None:
        """Wait until pairs handed to the background writer (from async runs) are written,
        and, for a shared store, until its writes started inside an event loop land."""
        self._background.flush(timeout)
        getattr(self.backend, "flush", lambda: None)()

    async def aflush(self) -> None:
        """:meth:`flush` without blocking the event loop."""
        await self._background.aflush()
        if hasattr(self.backend, "aflush"):
            await self.backend.aflush()

    def _handle_quietly(self, outcome: OutcomeEvent) -> None:
        try:
            self.handle_outcome(outcome)
        except Exception:
            logger.exception("TrainingCollector could not record a correction")

    # -- correction sessions -----------------------------------------------------------

    def handle_outcome(self, outcome: OutcomeEvent) -> dict[str, Any] | None:
        """Turn a finished session into a record when a retry healed the output.

        The prompts kept for the session are dropped whatever the outcome. An outcome that
        is not an :class:`~langchain_semantix.events.OutcomeEvent` (a missing or mistyped
        key) is a :class:`RecordError` naming the key, handled as a pair that cannot be
        written: counted, warned about, raised with ``on_error="raise"``.
        """
        session = self._session_of(outcome)
        return None if session is None else self._handle(session, outcome)

    def _handle(self, session: str, outcome: OutcomeEvent) -> dict[str, Any] | None:
        seen = self._finish_session(session)
        if seen is None:
            return None  # seen through both the callback and an explicit collector=
        if self.labels is not None and outcome.get("review"):
            self._write_labels(outcome["review"])
        prepared = self._record_of(outcome, seen)
        if prepared is None:
            return None
        record, line = prepared
        return record if self._write(record, line) else None

    async def ahandle_outcome(self, outcome: OutcomeEvent) -> dict[str, Any] | None:
        """:meth:`handle_outcome` without blocking the event loop: the pair joins the next
        batch of the file's writer thread (stores and review labels are written in a
        worker thread)."""
        session = self._session_of(outcome)
        if session is None:
            return None
        if self._file is None or (self.labels is not None and outcome.get("review")):
            return await asyncio.get_running_loop().run_in_executor(None, self._handle, session, outcome)
        seen = self._finish_session(session)
        prepared = None if seen is None else self._record_of(outcome, seen)
        if prepared is None:
            return None
        record, line = prepared
        return record if await self._awrite(record, line) else None

    def _session_of(self, outcome: object) -> str | None:
        """The session id of an outcome, or ``None`` when the outcome is malformed (then
        counted as a write error, warned about, or raised with ``on_error="raise"``)."""
        if isinstance(outcome, Mapping):
            session, passed = outcome.get("session_id"), outcome.get("passed")
            if isinstance(session, str) and session and isinstance(passed, bool):
                return session
            if not isinstance(session, str) or not session:
                problem = f"its session_id must be a non-empty str, got {type(session).__name__} {session!r:.60}"
            else:
                problem = f"its passed must be a bool, got {type(passed).__name__} {passed!r:.60}"
        else:
            problem = f"it must be a dict, got {type(outcome).__name__} {outcome!r:.60}"
        self._outcome_failed(RecordError(f"not a session outcome: {problem}; {_OUTCOME_FIX}"))
        return None

    def _outcome_failed(self, exc: RecordError) -> None:
        """An outcome that makes no record: counted and warned about (raised with ``on_error="raise"``)."""
        self._failed(None, exc)
        if self.on_error == "raise":
            raise exc

    def _finish_session(self, session: str) -> dict[int, dict[str, Any]] | None:
        """Mark a session finished and drop its prompts (returned); ``None`` when it was
        already finished."""
        with self._lock:
            if session in self._finished:
                return None
            self._finished[session] = None
            while len(self._finished) > _MAX_FINISHED:
                self._finished.popitem(last=False)
            return self._drop_session(session)

    def _record_of(self, outcome: OutcomeEvent, seen: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], bytes] | None:
        """The record and line of a healed session (``None`` for any other outcome, which is
        only counted)."""
        if not outcome["passed"]:
            self.outcomes["unhealed"] += 1
            return None
        accepted = outcome.get("accepted_attempt")
        if accepted is None:
            return None  # e.g. a reviewer approved a failing draft: a label, not a correction pair
        try:
            position = _accepted_position(outcome, accepted)
        except RecordError as exc:  # which attempt was accepted is unknown: not counted as healed
            self._outcome_failed(exc)
            return None
        if position == 0:
            self.outcomes["first_try_pass"] += 1
            return None
        self.outcomes["healed"] += 1
        try:
            if position is None:
                raise RecordError(f"the outcome's accepted_attempt {accepted!r:.60} names none of its attempts; report this as a bug")
            return make_record_line(redact=self.redact, **_record_fields(outcome, position, seen))
        except RecordError as exc:
            self._outcome_failed(exc)
            return None

    # -- pending prompts ---------------------------------------------------------------

    def _drop_session(self, session: str) -> dict[int, dict[str, Any]]:
        self._pending_bytes -= self._prompt_bytes.pop(session, 0)
        return self._prompts.pop(session, {})

    def _remember(
        self,
        messages: list[dict[str, Any]],
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        model: str | None,
    ) -> None:
        metadata = metadata or {}
        session, attempt = metadata.get(SESSION_KEY), metadata.get(ATTEMPT_KEY)
        if session is None or attempt is None:
            return
        user_metadata = {
            k: v
            for k, v in metadata.items()
            if k not in (SESSION_KEY, ATTEMPT_KEY)
            and not k.startswith(("ls_", "langgraph_", "checkpoint_"))
            and isinstance(v, (str, int, float, bool, type(None)))
        }
        entry = {
            "messages": messages,
            "run_id": str(run_id),
            "parent_run_id": str(parent_run_id) if parent_run_id else None,
            "tags": list(tags or []),
            "metadata": user_metadata,
            "model": model or metadata.get("ls_model_name"),
        }
        size = _size(entry)
        with self._lock:
            if session in self._finished:
                return
            self._prompts.setdefault(session, {})[int(attempt)] = entry
            self._prompts.move_to_end(session)
            self._prompt_bytes[session] = self._prompt_bytes.get(session, 0) + size
            self._pending_bytes += size
            self._runs[run_id] = (session, int(attempt))
            while self._pending_bytes > self.max_pending_bytes and len(self._prompts) > 1:
                oldest = next(iter(self._prompts))
                self._drop_session(oldest)
            if len(self._runs) > _MAX_FINISHED:
                self._runs = {r: k for r, k in self._runs.items() if k[0] in self._prompts}

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

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Keep the token logprobs of an attempt when the chat model returned them."""
        with self._lock:
            key = self._runs.pop(run_id, None)
        if key is None or not response.generations or not response.generations[0]:
            return
        logprobs = _logprobs(response.generations[0][0])
        if logprobs is not None:
            with self._lock:
                entry = self._prompts.get(key[0], {}).get(key[1])
                if entry is not None:
                    entry["logprobs"] = logprobs

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Let go of the prompt of a model call that failed or was cancelled: no outcome may
        follow it (a first call has no judged attempt to report), and a retry of the call
        (``with_retry``, retry middleware) sends its prompt again."""
        with self._lock:
            key = self._runs.pop(run_id, None)
            if key is None:
                return
            session, attempt = key
            attempts = self._prompts.get(session, {})
            entry = attempts.get(attempt)
            if entry is None or entry["run_id"] != str(run_id):
                return  # a later call of the same attempt took its place
            del attempts[attempt]
            if attempts:
                size = _size(entry)  # as when it was remembered: a failed call has no logprobs
                self._prompt_bytes[session] -= size
                self._pending_bytes -= size
            else:
                self._drop_session(session)

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
        data = cast(OutcomeEvent, data)  # what the drivers send under OUTCOME_EVENT
        if on_event_loop() and self.on_error != "raise":
            self._background.submit(self._handle_quietly, data)  # never wait for a file lock on the event loop
            return
        try:
            self.handle_outcome(data)
        except Exception:
            logger.exception("TrainingCollector could not record a correction")
            if self.raise_error:
                raise

    def __repr__(self) -> str:
        return f"TrainingCollector({self.backend.describe()!r})"


def _check_arguments(path: Any, store: Any, redact: Any, on_error: Any, lock_timeout: Any, max_pending_bytes: Any, spool: Any) -> None:
    """Refuse, naming the argument and the fix, constructor arguments that could only fail later."""
    if (path is None) == (store is None):
        raise ValueError("give exactly one of path (a JSONL file) or store (a BaseStore)")
    if store is not None:
        check_store(store)
    if is_store_spec(path):
        raise ValueError(
            "path is a PostgreSQL connection string, not a file; write to the database through a store: "
            "from langchain_semantix.training.postgres import open_store; "
            'with open_store("postgresql://...") as store: collector = TrainingCollector.from_store(store)'
        )
    if path is not None:
        check_path_argument("path", path)
    if spool is not None:
        if is_store_spec(spool):
            raise ValueError("spool is a PostgreSQL connection string; the spool is a local JSONL file, e.g. spool='data/spool.jsonl'")
        check_path_argument("spool", spool)
    if redact is not None and not callable(redact):
        raise TypeError(f"redact must be a function str -> str (or None), got {type(redact).__name__} {redact!r:.60}")
    if on_error not in ("warn", "raise"):
        raise ValueError(f"on_error must be 'warn' or 'raise', got {on_error!r:.60}")
    if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)) or not 0 < lock_timeout < float("inf"):
        raise ValueError(f"lock_timeout must be a positive number of seconds, got {lock_timeout!r:.60}")
    if isinstance(max_pending_bytes, bool) or not isinstance(max_pending_bytes, int) or max_pending_bytes <= 0:
        raise ValueError(f"max_pending_bytes must be a positive int (bytes), got {max_pending_bytes!r:.60}")


def _label_store(labels: Any) -> Any:
    if labels is None:
        return None
    from langchain_semantix.training.judge.labels import LabelStore

    return labels if isinstance(labels, LabelStore) else LabelStore(labels)


def _logprobs(generation: Any) -> Any:
    message = getattr(generation, "message", None)
    found = (getattr(message, "response_metadata", None) or {}).get("logprobs")
    if found is None:
        found = (getattr(generation, "generation_info", None) or {}).get("logprobs")
    return found


_OUTCOME_FIX = "send what CorrectionSession.outcome() builds (see langchain_semantix.events.OutcomeEvent)"


def _accepted_position(outcome: OutcomeEvent, accepted: object) -> int | None:
    """The index in ``outcome["attempts"]`` of the attempt numbered ``accepted`` (``None``
    when none is); raises :class:`RecordError` naming what is malformed on the way."""
    attempts = outcome.get("attempts")
    if not isinstance(attempts, (list, tuple)):
        raise RecordError(
            f"the outcome's attempts must be a list of attempt summaries, got {type(attempts).__name__} {attempts!r:.60}; {_OUTCOME_FIX}"
        )
    for position, attempt in enumerate(attempts):
        if not isinstance(attempt, Mapping) or "attempt" not in attempt:
            raise RecordError(
                f"the outcome's attempts[{position}] must be an attempt summary with its 'attempt' number, got {attempt!r:.60}; {_OUTCOME_FIX}"
            )
        if attempt["attempt"] == accepted:
            return position
    return None


def _check_healed_outcome(outcome: OutcomeEvent, accepted_at: int) -> None:
    """Refuse, naming the key, an outcome whose attempts up to the accepted one lack their
    output or whose intents are not named."""
    for position, attempt in enumerate(outcome["attempts"][: accepted_at + 1]):
        if "output" not in attempt:
            raise RecordError(f"the outcome's attempts[{position}] has no 'output' (the text judged), got {attempt!r:.60}; {_OUTCOME_FIX}")
    intents = outcome.get("intents")
    if not isinstance(intents, (list, tuple)) or not intents:
        raise RecordError(f"the outcome's intents must be a non-empty list, got {type(intents).__name__} {intents!r:.60}; {_OUTCOME_FIX}")
    for position, intent in enumerate(intents):
        if not isinstance(intent, Mapping) or not isinstance(intent.get("name"), str) or not isinstance(intent.get("description"), str):
            raise RecordError(
                f"the outcome's intents[{position}] must hold a 'name' and a 'description' (str), got {intent!r:.60}; {_OUTCOME_FIX}"
            )


def _record_fields(outcome: OutcomeEvent, accepted_at: int, seen: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The record of a healed session: the accepted attempt (``attempts[accepted_at]``),
    every attempt before it (rejected), and the prompt, model, tags and metadata the
    chat-model callback saw."""
    _check_healed_outcome(outcome, accepted_at)
    attempts = outcome["attempts"]
    accepted, rejected = attempts[accepted_at], attempts[:accepted_at]
    call = seen.get(accepted["attempt"]) or {}
    intents = outcome["intents"]
    rejected_attempts = []
    for attempt in rejected:
        item: dict[str, Any] = {k: attempt.get(k) for k in _ATTEMPT_FIELDS}
        logprobs = (seen.get(attempt["attempt"]) or {}).get("logprobs")
        if logprobs is not None:
            item["logprobs"] = logprobs
        rejected_attempts.append(item)
    return {
        "intent": " & ".join(i["name"] for i in intents),
        "intent_description": "\n".join(i["description"] for i in intents),
        "rejected_output": rejected[-1]["output"],
        "rejected_score": rejected[-1].get("score"),
        "rejected_reason": rejected[-1].get("reason"),
        "accepted_output": accepted["output"],
        "accepted_score": accepted.get("score"),
        "feedback": rejected[-1].get("feedback"),
        "attempts": accepted["attempt"],
        "run_id": call.get("run_id"),
        "prompt_messages": call.get("messages") or outcome.get("sent_messages"),
        "rejected_attempts": rejected_attempts,
        "accepted_logprobs": call.get("logprobs"),
        "threshold": accepted.get("threshold"),
        "judge": {"name": outcome.get("judge"), "model": outcome.get("judge_model")},
        "model": call.get("model"),
        "tags": call.get("tags") or [],
        "metadata": {
            "source": outcome.get("source"),
            "session_id": outcome["session_id"],
            "parent_run_id": call.get("parent_run_id"),
            **(call.get("metadata") or {}),
        },
    }
