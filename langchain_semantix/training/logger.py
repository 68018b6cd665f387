"""TrainingDataLogger: every LLM call as a (messages, response) line, for distillation."""

from __future__ import annotations

import asyncio
import logging
import math
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
from typing_extensions import TypedDict

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.training.backends import is_store_spec
from langchain_semantix.training.jsonl import BackgroundWriter, JsonlFile, check_path_argument, on_event_loop
from langchain_semantix.training.records import RecordError, Redactor, redact_texts

__all__ = ["TrainingDataLogger", "LogEntry"]

logger = logging.getLogger("langchain_semantix")


class LogEntry(TypedDict):
    """One line of a :class:`TrainingDataLogger` file."""

    #: The messages sent, then the response as the last (assistant) turn.
    messages: list[dict[str, Any]]
    call_type: str
    #: The logger's ``run_metadata`` overlaid with the call's own metadata.
    metadata: dict[str, Any]
    run_id: str
    #: ISO 8601, UTC.
    timestamp: str


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

    ``log(call_type, messages, response, metadata)`` writes one line, a :class:`LogEntry`::

        {"messages": [...messages, {"role": "assistant", "content": response}],
         "call_type": ..., "metadata": {**run_metadata, **metadata},
         "run_id": ..., "timestamp": ...}

    Passed in ``config={"callbacks": [logger]}``, it logs every chat-model call of a
    chain or graph (call type: ``metadata["call_type"]`` of the run, else ``"chat_model"``).
    Appends are durable and safe across processes and runs; the destination is checked
    when the logger is made. ``redact`` is applied to every text written: message
    contents and content blocks, tool-call arguments, the response and metadata. Inside
    an event loop the callback path writes in a worker thread (:meth:`flush` waits).

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
        lock_timeout: float = 30.0,
    ) -> None:
        check_path_argument("path", path)
        if is_store_spec(path):  # not echoed: a connection string may hold a password
            raise ValueError("path is a PostgreSQL connection string; TrainingDataLogger writes a JSONL file, e.g. 'data/calls.jsonl'")
        if run_metadata is not None and not isinstance(run_metadata, dict):
            raise TypeError(f"run_metadata must be a dict of JSON values, got {type(run_metadata).__name__}")
        if redact is not None and not callable(redact):
            raise TypeError(f"redact must be a function str -> str, got {redact!r:.80}")
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)) or not 0 < lock_timeout < math.inf:
            raise ValueError(f"lock_timeout must be a number of seconds above 0, got {lock_timeout!r:.60}")
        self.file = JsonlFile(path, fsync=fsync, lock_timeout=lock_timeout)
        self.file.check_destination()
        self._background = BackgroundWriter("semantix-logger")
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
        self.flush()
        return sum(self._counts.values())

    @property
    def stats(self) -> dict[str, int]:
        """Entries logged by this logger, by call type."""
        self.flush()
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
        if metadata is not None and not isinstance(metadata, dict):
            raise RecordError(f"metadata must be a dict of JSON values, got {type(metadata).__name__}")
        entry: LogEntry = {
            "messages": _message_dicts(messages) + [{"role": "assistant", "content": response}],
            "call_type": call_type,
            "metadata": {**self.run_metadata, **(metadata or {})},
            "run_id": self.run_id,
            "timestamp": datetime.now(timezone.utc).isoformat(),
        }
        if self.redact is not None:
            entry["messages"] = redact_texts(entry["messages"], self.redact)
            entry["metadata"] = redact_texts(entry["metadata"], self.redact)
        self.file.append(dict(entry))
        with self._lock:
            self._counts[call_type] += 1

    async def alog(
        self,
        call_type: str,
        messages: list[dict[str, Any]] | list[BaseMessage],
        response: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """:meth:`log` in a worker thread, so the event loop never waits for the file lock."""
        await asyncio.get_running_loop().run_in_executor(None, self.log, call_type, messages, response, metadata)

    def flush(self, timeout: float | None = None) -> None:
        """Wait for calls logged in the background (from async runs)."""
        self._background.flush(timeout)

    def _log_quietly(self, *args: Any) -> None:
        try:
            self.log(*args)
        except Exception:
            logger.exception("TrainingDataLogger could not log a call")

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
        args = (info.pop("call_type"), messages, text, {"model": info["model"], "tags": info["tags"], "llm_run_id": str(run_id)})
        if on_event_loop():
            self._background.submit(self._log_quietly, *args)
        else:
            self.log(*args)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._pending.pop(run_id, None)
