"""Exporters: correction pairs in the formats fine-tuning services and trainers read.

Every exporter streams records (constant memory; NeMo trajectories keep one float
per group to sort them), filters by intent, can drop duplicates, can split
train/validation deterministically with every prompt on one side only, writes
atomically (temp file + ``os.replace``) and returns an :class:`ExportResult`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_semantix.errors import InvalidOutputError, SemantixError, require_text
from langchain_semantix.feedback import is_feedback_message
from langchain_semantix.training.atomic import check_replaceable, commit, commit_all, discard, open_writer, short_path_errors, write_error
from langchain_semantix.training.backends import Source, check_intent_filter, is_store_spec, iter_records
from langchain_semantix.training.jsonl import AtomicWriter, remove_stale_temp_files, skip_line

__all__ = [
    "ExportResult",
    "NothingToExportError",
    "export_generic",
    "export_openai",
    "export_openai_preference",
    "export_trl_sft",
    "export_trl_dpo",
    "export_trl_kto",
    "export_nemo_dpo",
    "export_nemo_trajectories",
    "EXPORTERS",
    "original_prompt",
    "GENERIC_USER_TURN",
]

GENERIC_USER_TURN = "Generate a response that satisfies the above requirement."
Messages = list[dict[str, Any]]

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _stdlib_json_line(obj: Any) -> bytes:
    return (_encode(obj) + "\n").encode("utf-8")


try:  # orjson writes the same JSON (UTF-8, compact) several times faster
    import orjson

    def _json_line(obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:  # the standard library raises the error that names the problem
            return _stdlib_json_line(obj)  # (e.g. UnicodeEncodeError for a lone surrogate)

except ImportError:  # pragma: no cover - orjson is a dependency; kept for installs without it
    _json_line = _stdlib_json_line


class NothingToExportError(SemantixError, ValueError):
    """An export found nothing to write: its ``intent_filter`` matched no record, or every
    record of the source was skipped as invalid. Raised before the destination is replaced,
    so a previous export there is kept."""


@dataclass
class ExportResult:
    """What an export wrote."""

    destination: Path
    written: int = 0
    validation_destination: Path | None = None
    validation_written: int = 0
    duplicates: int = 0
    #: Records left out by ``intent_filter`` (and NeMo trajectory groups under ``min_reward_diff``).
    filtered: int = 0
    #: Pairs (or rejected attempts) dropped because the rejected text equals the accepted one.
    degenerate: int = 0
    #: ``"file:line: skipped <why>"`` for every stored line that is not a valid record.
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.written + self.validation_written


def requirement_system(record: dict[str, Any]) -> dict[str, str]:
    return {
        "role": "system",
        "content": "You must satisfy the following requirement:\n\n" + record["intent_description"],
    }


#: The keys of a stored message that a fine-tuning format keeps.
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")


def original_prompt(record: dict[str, Any], *, add_requirement: bool = True) -> Messages:
    """The real input of a record: its prompt messages without the correction turns
    (rejected draft + feedback). With no recorded prompt: semantix-ai's system
    requirement and generic user turn.

    A feedback turn is one marked as such (:func:`~langchain_semantix.feedback.feedback_message`),
    or a user turn whose text is the feedback the record lists (``feedback`` or any
    ``rejected_attempts[].feedback``): what a ``@validate_intent`` function sends when it
    passes ``semantix_feedback`` on as a plain string, whatever the renderer wrote."""
    recorded = record.get("prompt_messages")
    if not recorded:
        return [requirement_system(record), {"role": "user", "content": GENERIC_USER_TURN}]
    feedback = _feedback_texts(record)
    messages: Messages = []
    for message in recorded:
        if is_feedback_message(message) or _is_listed_feedback(message, feedback):
            if messages and messages[-1].get("role") == "assistant":
                messages.pop()  # the rejected draft this feedback answered
            continue
        messages.append({k: message[k] for k in _MESSAGE_KEYS if k in message})
    if add_requirement and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, requirement_system(record))
    return messages


def _feedback_texts(record: dict[str, Any]) -> set[str]:
    """Every feedback text the record says was sent to the model."""
    attempts = record.get("rejected_attempts")
    texts = {a.get("feedback") for a in attempts if isinstance(a, dict)} if isinstance(attempts, list) else set()
    texts.add(record.get("feedback"))
    return {t for t in texts if isinstance(t, str) and t}


def _is_listed_feedback(message: dict[str, Any], feedback: set[str]) -> bool:
    content = message.get("content")
    return message.get("role") == "user" and isinstance(content, str) and content in feedback


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def _prompt_key(record: dict[str, Any]) -> str:
    return json.dumps(original_prompt(record, add_requirement=False), sort_keys=True, ensure_ascii=False)


def _source_path(source: Source) -> Path | None:
    if is_store_spec(source):
        return None
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    path = getattr(source, "path", None)
    return Path(path) if isinstance(path, (str, os.PathLike)) else None


def _check_paths(source: Source, destinations: Iterable[Path]) -> None:
    """A missing or unreadable source file and an export onto its own source are refused up front."""
    src = _source_path(source)
    if src is None:
        return
    if not src.exists():
        raise FileNotFoundError(f"the source {src} does not exist; check the path of the collected records")
    if src.is_dir():
        raise IsADirectoryError(f"the source {src} is a directory; give the JSONL file the collector writes")
    if not src.is_file():  # a FIFO or a device would block or never end
        raise ValueError(f"the source {src} is not a regular file (a device, pipe or socket); give the JSONL file the collector writes")
    try:
        open(src, "rb").close()
    except OSError as exc:
        raise type(exc)(
            exc.errno, f"cannot read the source {src}: {exc.strerror}; fix its permissions or copy it somewhere readable"
        ) from exc
    for destination in destinations:
        if destination.exists() and os.path.samefile(src, destination):
            raise ValueError(
                f"the destination {destination} is the source file itself; exporting onto it "
                "would destroy the records - choose another destination"
            )


def _check_arguments(destination: object, intent_filter: object, validation_fraction: object = None) -> Path:
    """The destination as a path; wrong types fail here, naming the argument, before anything is read."""
    if not isinstance(destination, (str, os.PathLike)) or not str(destination):
        raise TypeError(f"destination must be a file path (str or Path), got {type(destination).__name__} {destination!r:.60}")
    check_intent_filter(intent_filter)
    if validation_fraction is not None and (
        isinstance(validation_fraction, bool) or not isinstance(validation_fraction, (int, float)) or not 0.0 < validation_fraction < 1.0
    ):
        raise ValueError(f"validation_fraction must be a number between 0 and 1 (exclusive), e.g. 0.1; got {validation_fraction!r:.60}")
    return Path(destination)


def _check_destination(path: str | os.PathLike[str], create_dirs: bool) -> Path:
    path = Path(path)
    check_replaceable(path, label="destination ", example="export.jsonl")
    if not path.parent.exists():
        if not create_dirs:
            raise FileNotFoundError(f"the destination folder {path.parent} does not exist; create it or pass create_dirs=True")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(exc, path) from exc
    elif not path.parent.is_dir():
        raise NotADirectoryError(f"the destination folder {path.parent} is a file; choose a path inside a folder")
    remove_stale_temp_files(path)
    return path


def _storable(records: Iterator[dict[str, Any]], where: str, skipped: list[str]) -> Iterator[dict[str, Any]]:
    """Records that UTF-8 can store; the others (lone surrogates from a broken decode) are
    skipped with a warning and listed in ``skipped``. Used only when a first pass met one."""
    for n, record in enumerate(records, start=1):
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            reason = (
                f"record {n} (id {record.get('id')}): it holds text UTF-8 cannot store (a lone surrogate "
                "such as '\\ud800', left by a broken decode); fix or remove that record"
            )
            skip_line(where, None, reason, skipped)
            continue
        yield record


def _where(source: Source) -> str:
    path = _source_path(source)
    return str(path) if path is not None else type(source).__name__


def _is_write_error(exc: OSError, *writers: AtomicWriter | None) -> bool:
    # errors while writing carry no file name (ENOSPC) or the temp file's; reading the source names it
    return exc.filename is None or any(w is not None and exc.filename == str(w.tmp) for w in writers)


def _is_validation(key: str, fraction: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _line_writer(writer: AtomicWriter) -> Callable[[Any], object]:
    """``write(obj)``: one JSON line, as UTF-8 bytes, into ``writer``'s temp file."""
    write = writer.handle.buffer.write  # bytes straight to the file's buffer: no text layer
    return lambda obj: write(_json_line(obj))


def _validation_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.validation{path.suffix or '.jsonl'}")


#: The keyword options every exporter but NeMo trajectories takes in ``**options``.
_OPTIONS = ("dedupe", "validation_fraction", "seed", "create_dirs", "progress")


def check_keywords(function: Callable[..., Any], options: dict[str, Any], extra: tuple[str, ...] = ()) -> None:
    """Refuse a keyword in ``options`` that ``function`` (past its source and destination)
    does not take, naming the public function and what it takes; ``extra`` are the keywords
    its ``**options`` accept."""
    parameters = inspect.signature(function).parameters
    takes = [p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD][2:]
    takes += [name for name in extra if name not in takes] if any(p.kind is p.VAR_KEYWORD for p in parameters.values()) else []
    unknown = [key for key in options if key not in takes]
    if unknown:
        raise TypeError(f"{function.__name__}() got an unexpected keyword argument {unknown[0]!r:.60}; it takes {', '.join(takes)}")


def _export(
    exporter: Callable[..., ExportResult],
    source: Source,
    destination: str | os.PathLike[str],
    convert: Callable[[dict[str, Any]], Iterable[Any]],
    intent_filter: str | None,
    options: dict[str, Any],
) -> ExportResult:
    """Run ``exporter`` (the public function, named in errors) with ``convert`` as its format."""
    check_keywords(exporter, options, _OPTIONS)
    validation_fraction = options.get("validation_fraction")
    seed = options.get("seed", 0)

    def write(path: Path, records: _Records) -> ExportResult:
        return _write_export(path, records, convert, validation_fraction=validation_fraction, seed=seed)

    return _run_export(
        source,
        destination,
        write,
        intent_filter,
        options.get("dedupe", False),
        validation_fraction,
        options.get("create_dirs", True),
        options.get("progress", False),
    )


def _run_export(
    source: Source,
    destination: str | os.PathLike[str],
    write: Callable[[Path, _Records], ExportResult],
    intent_filter: str | None,
    dedupe: bool,
    validation_fraction: float | None,
    create_dirs: bool,
    progress: bool,
) -> ExportResult:
    """What every exporter shares around its writer: the argument and path checks, then
    ``write(path, records)``, again skipping unstorable records if a first pass met one."""
    path = _check_arguments(destination, intent_filter, validation_fraction)
    with short_path_errors():
        _check_paths(source, [path, _validation_path(path)] if validation_fraction else [path])
        path = _check_destination(path, create_dirs)
        if validation_fraction:
            _check_destination(_validation_path(path), create_dirs)
    keyed = bool(validation_fraction)
    try:
        return write(path, _Records(source, path, intent_filter, dedupe, keyed, progress))
    except UnicodeEncodeError:
        # a record holds text UTF-8 cannot store: export again, skipping such records
        return write(path, _Records(source, path, intent_filter, dedupe, keyed, progress, check_storable=True))


@dataclass
class _Records:
    """The records an export reads: iterating yields ``(record, prompt_key)`` after the intent
    filter and the dedupe, counting what it drops in :attr:`result` (which the writer fills in).
    ``prompt_key`` is ``""`` unless dedupe or ``keyed`` (the train/validation split) needs it."""

    source: Source
    path: Path
    intent_filter: str | None
    dedupe: bool
    keyed: bool
    progress: bool
    check_storable: bool = False
    result: ExportResult = field(init=False)
    #: Records that passed the intent filter, and those of them :meth:`skip` left out.
    matched: int = field(init=False, default=0)
    unusable: int = field(init=False, default=0)
    #: Intents of the records the filter left out (at most :data:`_INTENTS_KEPT`), to name them.
    other_intents: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.result = ExportResult(destination=self.path)

    def __iter__(self) -> Iterator[tuple[dict[str, Any], str]]:
        result, intent_filter, dedupe = self.result, self.intent_filter, self.dedupe
        records: Iterator[dict[str, Any]] = iter_records(self.source, skipped=result.skipped)
        if self.check_storable:
            records = _storable(records, _where(self.source), result.skipped)
        if self.progress:
            from tqdm.auto import tqdm

            records = tqdm(records, desc=f"export {self.path.name}", unit="rec")
        need_key = dedupe or self.keyed
        seen: set[bytes] = set()
        other_intents = self.other_intents
        for record in records:
            if intent_filter and record["intent"] != intent_filter:
                result.filtered += 1
                if len(other_intents) < _INTENTS_KEPT:
                    other_intents.add(record["intent"])
                continue
            self.matched += 1
            # The prompt key costs a serialisation: only dedupe and the split need it.
            key = _prompt_key(record) if need_key else ""
            if dedupe:
                fields = [key, record["accepted_output"], record.get("rejected_output")]
                digest = hashlib.blake2b(json.dumps(fields).encode(), digest_size=16).digest()
                if digest in seen:
                    result.duplicates += 1
                    continue
                seen.add(digest)
            yield record, key

    def skip(self, record: dict[str, Any], error: InvalidOutputError) -> None:
        """Leave out a record the format cannot hold, naming it in ``result.skipped``."""
        reason = f"record id {record.get('id')}: {error}; fix or remove that record, or export to a format that keeps content blocks"
        skip_line(_where(self.source), None, reason, self.result.skipped)
        self.unusable += 1

    def check_found(self, *paths: Path) -> None:
        """Refuse an export that found nothing to write, before ``paths`` are replaced: an
        ``intent_filter`` no record matched, or a source whose every record was skipped as
        invalid. An empty source, or records that the format turns into no example (no
        rejected answer for a preference format), still give an empty export."""
        result, where = self.result, _where(self.source)
        if result.total:
            return
        kept = f"nothing was written: {paths[0]} was left as it was"
        if len(paths) > 1:
            kept = f"nothing was written: {paths[0]} and {paths[1]} were left as they were"
        invalid = ""
        if result.skipped:
            invalid = f"; {len(result.skipped)} invalid records were skipped (first: {result.skipped[0]:.300})"
        if self.intent_filter is not None and not self.matched:
            names = sorted(f"{name:.60}" for name in self.other_intents)
            known = ", ".join(names[:_INTENTS_NAMED]) + (" ..." if len(self.other_intents) > _INTENTS_NAMED else "")
            raise NothingToExportError(
                f"no records of intent {self.intent_filter!r:.60} in {where} (its intents: {known or 'none: it holds no records'})"
                f"{invalid}; check intent_filter - {kept}"
            )
        if result.skipped and self.matched == result.duplicates + self.unusable:
            of_intent = "" if self.intent_filter is None else f" of intent {self.intent_filter!r:.60}"
            raise NothingToExportError(
                f"nothing to export from {where}: every record in it{of_intent} was skipped as invalid ({len(result.skipped)} skipped; first: "
                f"{result.skipped[0]:.300}); give the JSONL file the collector writes (a labelled-scores file or an earlier export "
                f"is not one), or fix or remove the records named - {kept}"
            )


#: How many other intents an export keeps to name when its ``intent_filter`` matched none, and names.
_INTENTS_KEPT, _INTENTS_NAMED = 100, 20


def _write_export(
    path: Path,
    records: _Records,
    convert: Callable[[dict[str, Any]], Iterable[Any]],
    *,
    validation_fraction: float | None,
    seed: int,
) -> ExportResult:
    result = records.result
    train = open_writer(path)
    try:
        valid = open_writer(_validation_path(path)) if validation_fraction else None
    except BaseException:
        discard(train)
        raise
    write_train = _line_writer(train)
    write_valid = _line_writer(valid) if valid is not None else write_train  # used only when valid is set
    with _discard_on_error(path, train, valid):
        for record, key in records:
            to_valid = valid is not None and _is_validation(key, validation_fraction or 0.0, seed)
            try:
                items = convert(record)
            except InvalidOutputError as exc:
                records.skip(record, exc)
                continue
            for item in items:
                if item is None:
                    result.degenerate += 1
                elif to_valid:
                    write_valid(item)
                    result.validation_written += 1
                else:
                    write_train(item)
                    result.written += 1
        records.check_found(path, *([valid.path] if valid is not None else []))
    if valid is None:
        commit(train)
    else:
        commit_all(valid, train)
        result.validation_destination = valid.path
    return result


@contextmanager
def _discard_on_error(path: Path, *writers: AtomicWriter | None) -> Iterator[None]:
    """Throw the writers' temp files away if the body fails; a write error names ``path`` and the fix."""
    try:
        yield
    except OSError as exc:
        discard(*writers)
        raise (write_error(exc, path) if _is_write_error(exc, *writers) else exc) from exc
    except BaseException:
        discard(*writers)
        raise


def export_generic(source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, **options: Any) -> ExportResult:
    """Copy records (normalised to the current schema), optionally filtered by intent."""
    return _export(export_generic, source, destination, lambda r: [r], intent_filter, options)


def export_openai(
    source: Source,
    destination: str | os.PathLike[str],
    intent_filter: str | None = None,
    *,
    mode: str = "sft",
    **options: Any,
) -> ExportResult:
    """OpenAI chat fine-tuning JSONL (semantix-ai's function and defaults).

    ``mode="sft"``: ``{"messages": [system, <real input>..., assistant: accepted]}``.
    ``mode="self_correction"``: keeps the rejected turn with ``"weight": 0``, then the
    feedback turn and the accepted answer with ``"weight": 1``.
    """
    if mode not in ("sft", "self_correction"):
        raise ValueError("mode must be 'sft' or 'self_correction'")

    def convert(record: dict[str, Any]) -> list[dict[str, Any]]:
        messages = original_prompt(record)
        rejected = record.get("rejected_output")
        if mode == "self_correction" and rejected is not None and not _same_text(rejected, record["accepted_output"]):
            messages += [
                {**_assistant(record["rejected_output"]), "weight": 0},
                {"role": "user", "content": record.get("feedback") or "That answer was rejected; try again."},
                {**_assistant(record["accepted_output"]), "weight": 1},
            ]
        else:
            messages.append(_assistant(record["accepted_output"]))
        return [{"messages": messages}]

    return _export(export_openai, source, destination, convert, intent_filter, options)


def _same_text(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _pairs_only(convert: Callable[[dict[str, Any]], list[Any]]) -> Callable[[dict[str, Any]], list[Any]]:
    """Records with a rejected output become a pair; a pair whose rejected text equals
    the accepted one (e.g. a human approved a failing draft) becomes ``None``: it is
    counted in ``ExportResult.degenerate`` and never written."""

    def pair(r: dict[str, Any]) -> list[Any]:
        if r.get("rejected_output") is None:
            return []
        if _same_text(r["rejected_output"], r["accepted_output"]):
            return [None]
        return convert(r)

    return pair


def _distinct_rejections(r: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Rejected attempts whose output differs from the accepted one, and how many did not."""
    kept = [a for a in r.get("rejected_attempts") or [] if isinstance(a.get("output"), str)]
    distinct = [a for a in kept if not _same_text(a["output"], r["accepted_output"])]
    return distinct, len(kept) - len(distinct)


def export_openai_preference(
    source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, **options: Any
) -> ExportResult:
    """OpenAI preference (DPO) JSONL: ``input.messages``, ``preferred_output``, ``non_preferred_output``."""
    return _export(
        export_openai_preference,
        source,
        destination,
        _pairs_only(
            lambda r: [
                {
                    "input": {"messages": original_prompt(r)},
                    "preferred_output": [_assistant(r["accepted_output"])],
                    "non_preferred_output": [_assistant(r["rejected_output"])],
                }
            ]
        ),
        intent_filter,
        options,
    )


def export_trl_sft(
    source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, *, style: str = "messages", **options: Any
) -> ExportResult:
    """TRL SFT: ``{"messages": [...]}`` or, with ``style="prompt_completion"``, ``{"prompt", "completion"}``."""
    if style not in ("messages", "prompt_completion"):
        raise ValueError("style must be 'messages' or 'prompt_completion'")

    def convert(r: dict[str, Any]) -> list[dict[str, Any]]:
        if style == "messages":
            return [{"messages": original_prompt(r) + [_assistant(r["accepted_output"])]}]
        return [{"prompt": original_prompt(r), "completion": [_assistant(r["accepted_output"])]}]

    return _export(export_trl_sft, source, destination, convert, intent_filter, options)


def export_trl_dpo(source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, **options: Any) -> ExportResult:
    """TRL DPO (conversational preference): ``{"prompt", "chosen", "rejected"}``."""
    return _export(
        export_trl_dpo,
        source,
        destination,
        _pairs_only(
            lambda r: [
                {
                    "prompt": original_prompt(r),
                    "chosen": [_assistant(r["accepted_output"])],
                    "rejected": [_assistant(r["rejected_output"])],
                }
            ]
        ),
        intent_filter,
        options,
    )


def export_trl_kto(source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, **options: Any) -> ExportResult:
    """TRL KTO (unpaired): the accepted answer with ``label: true`` and every rejected attempt with ``label: false``."""

    def convert(r: dict[str, Any]) -> list[dict[str, Any] | None]:
        prompt = original_prompt(r)
        rows: list[dict[str, Any] | None] = [{"prompt": prompt, "completion": [_assistant(r["accepted_output"])], "label": True}]
        distinct, same = _distinct_rejections(r)
        rows += [{"prompt": prompt, "completion": [_assistant(a["output"])], "label": False} for a in distinct]
        return rows + [None] * same

    return _export(export_trl_kto, source, destination, convert, intent_filter, options)


def export_nemo_dpo(source: Source, destination: str | os.PathLike[str], intent_filter: str | None = None, **options: Any) -> ExportResult:
    """NeMo Agent Toolkit ``DPOItem`` lines: ``{"prompt", "chosen_response", "rejected_response"}``."""
    return _export(
        export_nemo_dpo,
        source,
        destination,
        _pairs_only(
            lambda r: [
                {
                    "prompt": [{"role": m["role"], "content": _text_of(m)} for m in original_prompt(r)],
                    "chosen_response": r["accepted_output"],
                    "rejected_response": r["rejected_output"],
                }
            ]
        ),
        intent_filter,
        options,
    )


def _text_of(message: dict[str, Any]) -> str:
    """A recorded message's content as plain text (NeMo's models take strings only).

    An assistant turn that only calls tools has no text: ``""``. Content with no text in it
    (only images, a number) raises :class:`~langchain_semantix.errors.InvalidOutputError`;
    the exporter then skips that record, naming it in ``ExportResult.skipped``.
    """
    if message.get("content") is None and message.get("tool_calls"):
        return ""
    return require_text(message, what=f"a {message.get('role', 'prompt')} message of the prompt")


def _episode_item(role: str, content: str, logprobs: Any = None) -> dict[str, Any]:
    # NeMo's EpisodeItem requires logprobs on every assistant step; [] marks "not recorded".
    if role == "assistant":
        return {"role": role, "content": content, "logprobs": [] if logprobs is None else logprobs}
    return {"role": role, "content": content}


def _trajectory_group(r: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    prompt = [_episode_item(m["role"], _text_of(m)) for m in original_prompt(r)]

    def trajectory(output: str, score: float | None, default: float, accepted: bool, logprobs: Any) -> dict[str, Any]:
        return {
            "episode": prompt + [_episode_item("assistant", output, logprobs)],
            "reward": default if score is None else score,
            "metadata": {
                "record_id": r.get("id"),
                "intent": r["intent"],
                "accepted": accepted,
                "logprobs_recorded": logprobs is not None,
            },
        }

    distinct, same = _distinct_rejections(r)
    group = [trajectory(r["accepted_output"], r.get("accepted_score"), 1.0, True, r.get("accepted_logprobs"))]
    group += [trajectory(a["output"], a.get("score"), 0.0, False, a.get("logprobs")) for a in distinct]
    return group, same


def export_nemo_trajectories(
    source: Source,
    destination: str | os.PathLike[str],
    intent_filter: str | None = None,
    *,
    min_reward_diff: float = 0.0,
    sort_ascending: bool = False,
    run_id: str | None = None,
    create_dirs: bool = True,
    dedupe: bool = False,
    progress: bool = False,
) -> ExportResult:
    """A NeMo ``TrajectoryCollection`` JSON: one group per record (the accepted answer
    and every rejected attempt, reward = judge score), ordered for curriculum learning
    as ``CurriculumLearningConfig`` describes — groups sorted by average reward
    (descending unless ``sort_ascending``) and groups whose reward spread is below
    ``min_reward_diff`` dropped.

    Every assistant step carries ``logprobs`` (NeMo's ``EpisodeItem`` requires them):
    the token logprobs recorded from the chat model when it returned them, otherwise
    ``[]``, and the trajectory's ``metadata["logprobs_recorded"]`` is ``False``. Trainers
    that need per-token logprobs (e.g. GRPO) must recompute them for those steps.
    A rejected attempt whose text equals the accepted one is dropped (``degenerate``).
    """
    if isinstance(min_reward_diff, bool) or not isinstance(min_reward_diff, (int, float)) or not 0 <= min_reward_diff < math.inf:
        raise ValueError(f"min_reward_diff must be a finite number >= 0 (a reward spread, e.g. 0.1); got {min_reward_diff!r:.60}")
    if run_id is not None and not isinstance(run_id, str):
        raise TypeError(
            f"run_id must be the collection's name (a str), or None for the destination's name; got {type(run_id).__name__} {run_id!r:.60}"
        )

    def write(path: Path, records: _Records) -> ExportResult:
        return _write_trajectories(path, records, min_reward_diff=min_reward_diff, sort_ascending=sort_ascending, run_id=run_id)

    return _run_export(source, destination, write, intent_filter, dedupe, None, create_dirs, progress)


def _write_trajectories(path: Path, records: _Records, *, min_reward_diff: float, sort_ascending: bool, run_id: str | None) -> ExportResult:
    # Groups are staged as lines, and only (average reward, offset) kept per group to sort them.
    result = records.result
    staging = open_writer(path, staging="groups.")
    write_group = staging.handle.buffer.write
    index: list[tuple[float, int]] = []
    offset = 0
    with _discard_on_error(path, staging):
        for r, _ in records:
            try:
                group, same = _trajectory_group(r)
            except InvalidOutputError as exc:
                records.skip(r, exc)
                continue
            result.degenerate += same
            rewards = [t["reward"] for t in group]
            if max(rewards) - min(rewards) < min_reward_diff:
                result.filtered += 1
                continue
            line = _json_line(group)
            write_group(line)
            index.append((sum(rewards) / len(rewards), offset))
            offset += len(line)
        result.written = len(index)
        records.check_found(path)
        staging.handle.close()
    index.sort(key=lambda item: item[0], reverse=not sort_ascending)
    with _discard_on_error(path, staging):
        out = open_writer(path)
    with _discard_on_error(path, staging, out):
        out.handle.write('{"run_id": ' + json.dumps(run_id or path.stem) + ', "trajectories": [')
        with open(staging.tmp, "rb") as groups:
            for n, (_, start) in enumerate(index):
                groups.seek(start)
                out.handle.write(("," if n else "") + groups.readline().decode("utf-8").rstrip("\n"))
        out.handle.write("]}\n")
    discard(staging)
    commit(out)
    result.written = len(index)
    return result


EXPORTERS: dict[str, Callable[..., ExportResult]] = {
    "generic": export_generic,
    "openai": export_openai,
    "openai-preference": export_openai_preference,
    "trl-sft": export_trl_sft,
    "trl-dpo": export_trl_dpo,
    "trl-kto": export_trl_kto,
    "nemo-dpo": export_nemo_dpo,
    "nemo-trajectories": export_nemo_trajectories,
}
