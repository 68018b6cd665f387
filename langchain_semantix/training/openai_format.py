"""Checks an OpenAI fine-tuning file the way OpenAI's data-preparation cookbook does."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_semantix.training.jsonl import NotARegularFileError, check_path_argument

__all__ = ["ValidationReport", "validate_openai_file", "MIN_EXAMPLES"]

MIN_EXAMPLES = 10
_SURROGATE = re.compile("[\ud800-\udfff]")  # text UTF-8 cannot encode: OpenAI rejects the file
KNOWN_ROLES = {"system", "user", "assistant", "function", "tool"}
KNOWN_KEYS = {"role", "content", "name", "function_call", "weight", "tool_calls", "tool_call_id", "refusal"}


@dataclass
class ValidationReport:
    """Errors by kind (with the first line numbers of each), warnings and token figures."""

    path: Path
    n_examples: int = 0
    format: str = "chat"
    errors: Counter[str] = field(default_factory=Counter)
    error_lines: dict[str, list[int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    token_counts: list[int] = field(default_factory=list)
    tokens_estimated: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, kind: str, line: int) -> None:
        self.errors[kind] += 1
        self.error_lines.setdefault(kind, [])
        if len(self.error_lines[kind]) < 5:
            self.error_lines[kind].append(line)

    def summary(self) -> str:
        lines = [f"{self.path}: {self.n_examples} examples ({self.format} format)"]
        if self.ok:
            lines.append("no errors found")
        for kind, count in sorted(self.errors.items()):
            lines.append(f"error {kind}: {count} (lines {', '.join(map(str, self.error_lines[kind]))})")
        if self.token_counts:
            how = "estimated, ~4 chars/token; install tiktoken for exact counts" if self.tokens_estimated else "tiktoken cl100k_base"
            lines.append(
                f"tokens per example ({how}): min {min(self.token_counts)}, max {max(self.token_counts)}, total {sum(self.token_counts)}"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _token_counter() -> tuple[Any, bool]:
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("cl100k_base")  # downloads on first use; offline this fails
        return (lambda text: len(encoding.encode(text))), False
    except Exception:
        return (lambda text: max(1, round(len(text) / 4))), True


def _check_messages(messages: Any, line: int, report: ValidationReport, count: Any) -> None:
    if not isinstance(messages, list) or not messages:
        report.add("missing_messages_list", line)
        return
    tokens = 0
    for message in messages:
        if not isinstance(message, dict):
            report.add("message_not_object", line)
            continue
        if "role" not in message or "content" not in message:
            report.add("message_missing_key", line)
        if set(message) - KNOWN_KEYS:
            report.add("message_unrecognized_key", line)
        if message.get("role") not in KNOWN_ROLES:
            report.add("unrecognized_role", line)
        content = message.get("content")
        if (
            (content is None or (isinstance(content, str) and not content.strip()))
            and not message.get("function_call")
            and not message.get("tool_calls")
        ):
            report.add("missing_content", line)
        elif content is not None and not isinstance(content, (str, list)):
            report.add("content_not_text", line)
        if "weight" in message and (isinstance(message["weight"], bool) or message["weight"] not in (0, 1)):
            report.add("invalid_weight", line)
        if isinstance(content, str):
            if not content.isascii() and _SURROGATE.search(content):
                report.add("lone_surrogate", line)
            tokens += count(content) + 3
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        report.add("example_missing_assistant_message", line)
    report.token_counts.append(tokens + 3)


def validate_openai_file(path: str | os.PathLike[str], *, min_examples: int = MIN_EXAMPLES, max_tokens: int = 16_385) -> ValidationReport:
    """Validate a chat (SFT) or preference (DPO) fine-tuning JSONL file.

    Checks every example has a ``messages`` list (preference: ``input.messages``,
    ``preferred_output``, ``non_preferred_output``), known roles and keys only, content
    present, at least one assistant message, at least ``min_examples`` examples; counts
    tokens (tiktoken when it can load, else an estimate labelled as such) and warns about
    examples over ``max_tokens``.
    """
    check_path_argument("path", path)
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory; give the fine-tuning JSONL file")
    if path.exists() and not path.is_file():  # reading a FIFO would block, a device never end
        raise NotARegularFileError(f"{path} is not a regular file (a FIFO, device or socket); give the fine-tuning JSONL file")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; give the path of the fine-tuning JSONL file")
    if isinstance(min_examples, bool) or not isinstance(min_examples, int) or min_examples < 0:
        raise ValueError(f"min_examples must be a whole number >= 0 (OpenAI requires {MIN_EXAMPLES}), got {min_examples!r:.60}")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise ValueError(f"max_tokens must be a whole number >= 1 (tokens per example, e.g. 16385), got {max_tokens!r:.60}")
    report = ValidationReport(path=path)
    count, report.tokens_estimated = _token_counter()
    # utf-8-sig: a byte-order mark is not part of the first example
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            report.n_examples += 1
            try:
                example = json.loads(raw)
            except (json.JSONDecodeError, RecursionError):
                report.add("invalid_json", line_no)
                continue
            if not isinstance(example, dict):
                report.add("data_type", line_no)
                continue
            if "input" in example or "preferred_output" in example:
                report.format = "preference"
                messages = (example.get("input") or {}).get("messages") if isinstance(example.get("input"), dict) else None
                preferred = example.get("preferred_output")
                if not isinstance(messages, list) or not isinstance(preferred, list):
                    report.add("missing_messages_list", line_no)
                    continue
                _check_messages(messages + preferred, line_no, report, count)
                if not example.get("non_preferred_output"):
                    report.add("missing_non_preferred_output", line_no)
                continue
            unknown = set(example) - {"messages", "tools", "parallel_tool_calls", "functions"}
            if unknown:
                report.add("example_unrecognized_key", line_no)
            _check_messages(example.get("messages"), line_no, report, count)
    with open(path, "rb") as head:
        if head.read(3) == b"\xef\xbb\xbf":
            report.warnings.append("the file starts with a UTF-8 byte-order mark; save it without one before uploading")
    if report.n_examples < min_examples:
        report.add("too_few_examples", 0)
        report.warnings.append(f"OpenAI requires at least {min_examples} examples; found {report.n_examples}")
    long = sum(1 for t in report.token_counts if t > max_tokens)
    if long:
        report.warnings.append(f"{long} examples exceed {max_tokens} tokens and will be truncated")
    return report
