"""``copy``: move correction records between a JSONL file and a store, either direction.

Records are written in batches, each batch whole or not at all (one ``write`` to the
file under its lock, one statement to PostgreSQL). Records already at the destination
(same id) are skipped, so an interrupted copy is resumed by running it again and adds
no duplicates. A record without an id (semantix-ai's format) gets one derived from its
content, the same on every run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_semantix.training.atomic import check_not_source, short_path_errors
from langchain_semantix.training.backends import JsonlBackend, RecordBackend, Source, is_store_spec, open_source
from langchain_semantix.training.jsonl import NotARegularFileError, iter_jsonl_lines, read_jsonl, skip_line
from langchain_semantix.training.records import RecordError, normalize_record, to_json_line

__all__ = ["CopyResult", "copy_records"]


@dataclass
class CopyResult:
    """What a copy did."""

    source: str
    destination: str
    copied: int = 0
    already_there: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"copied {self.copied} records from {self.source} to {self.destination}"
        if self.already_there:
            text += f" ({self.already_there} already there)"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} unreadable (first: {self.skipped[0]})"
        return text


def _with_id(raw: dict[str, Any]) -> dict[str, Any]:
    if raw.get("id"):
        return raw
    digest = hashlib.blake2b(to_json_line(raw), digest_size=16).hexdigest()
    return {**raw, "id": digest}


def _valid_records(backend: RecordBackend, skipped: list[str]) -> Iterator[dict[str, Any]]:
    """Records that are valid and storable, with an id; the others are skipped with
    ``file:line`` (or ``store item N``) and the reason."""
    if isinstance(backend, JsonlBackend):
        where = str(backend.path)
        numbered: Iterable[tuple[int, dict[str, Any]]] = iter_jsonl_lines(backend.path, skipped=skipped)
    else:
        where = backend.describe() + " item"
        numbered = enumerate(backend, start=1)
    for n, raw in numbered:
        try:
            normalize_record(raw)
            record = _with_id(raw)
            to_json_line(record)  # text UTF-8 cannot store (a lone surrogate) is refused here, not mid-batch
        except RecordError as exc:
            skip_line(where, n, str(exc), skipped)
            continue
        yield record


def _check_source_file(path: Path) -> None:
    """Refuse, saying what it is, a source path that is not a regular file: missing
    (:class:`FileNotFoundError`), a folder (:class:`IsADirectoryError`), or a FIFO, device
    or socket (:class:`~langchain_semantix.training.jsonl.NotARegularFileError`: reading one
    would block or never end)."""
    if path.is_file():
        return
    fix = "give the JSONL file the collector writes"
    if path.is_dir():
        raise IsADirectoryError(f"the source {path} is a directory, not a file; {fix}")
    if path.exists():
        raise NotARegularFileError(f"the source {path} is not a regular file (a FIFO, device or socket); {fix}")
    raise FileNotFoundError(f"the source {path} does not exist; {fix}")


def _check_batch_size(batch_size: object) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(
            f"batch_size must be a whole number of records (an int >= 1, e.g. 500), got {type(batch_size).__name__} {batch_size!r:.60}"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (records per write, e.g. 500), got {batch_size}")


def _check_endpoints(src: RecordBackend, dst: RecordBackend) -> None:
    """A missing source file, a copy onto itself and an unwritable destination file fail before anything is read."""
    if isinstance(src, JsonlBackend):
        _check_source_file(src.path)
    if isinstance(dst, JsonlBackend):
        if isinstance(src, JsonlBackend):
            check_not_source(dst.path, src.path)
        dst.file.check_destination()


def _batches(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_records(source: Source, destination: Source, *, batch_size: int = 500, progress: bool = False) -> CopyResult:
    """Copy every record of ``source`` that ``destination`` lacks (by record id).

    Args:
        source: A JSONL path, a LangGraph store, a backend or a collector.
        destination: The same kinds; a JSONL path is created with its parent folders.
        batch_size: Records per write (and per existence lookup in a store).
        progress: Show a tqdm progress bar.

    Example:
        .. code-block:: python

            with open_store("postgresql://app@db/agents") as store:
                copy_records("corrections.jsonl", store)   # run again: copies nothing
    """
    _check_batch_size(batch_size)
    with short_path_errors():
        if isinstance(source, (str, os.PathLike)) and not is_store_spec(source):
            _check_source_file(Path(source))  # before opening it, which would name it as a destination
        src, dst = open_source(source), open_source(destination)
        _check_endpoints(src, dst)
    result = CopyResult(source=src.describe(), destination=dst.describe())
    records = _valid_records(src, result.skipped)
    if progress:
        from tqdm.auto import tqdm

        records = tqdm(records, desc="copy", unit="rec")
    if not isinstance(dst, JsonlBackend) and not hasattr(dst, "existing_ids"):
        raise TypeError(f"cannot copy into {dst.describe()}; give a JSONL path or a LangGraph store")
    file_ids: set[str] | None = None
    if isinstance(dst, JsonlBackend):
        file_ids = {r["id"] for r in read_jsonl(dst.path) if r.get("id")}
    for batch in _batches(records, batch_size):
        unique = list({r["id"]: r for r in batch}.values())
        present = file_ids if file_ids is not None else dst.existing_ids(r["id"] for r in unique)  # type: ignore[attr-defined]
        new = [r for r in unique if r["id"] not in present]
        result.already_there += len(batch) - len(new)
        if not new:
            continue
        if isinstance(dst, JsonlBackend):
            dst.file.append_many(new)
            file_ids.update(r["id"] for r in new)  # type: ignore[union-attr]
        else:
            dst.append_many(new)  # type: ignore[attr-defined]
        result.copied += len(new)
    return result


# -- the ``copy`` subcommand -------------------------------------------------------------

SPEC_HELP = "JSONL file, or postgresql://USER:PASSWORD@HOST/DB (optionally #namespace.parts, default #semantix.corrections)"


def add_copy_parser(subparsers: Any) -> None:
    """Add ``copy SRC DST`` to a CLI's subparsers."""
    from langchain_semantix.cli import EXIT_CODES, _Formatter, _positive_int

    summary = "copy correction records between a JSONL file and a PostgreSQL store (resumable, de-duplicated by id)"
    p = subparsers.add_parser(
        "copy", help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=EXIT_CODES, formatter_class=_Formatter
    )
    p.add_argument("source", help=SPEC_HELP)
    p.add_argument("destination", help=SPEC_HELP)
    p.add_argument("--batch-size", type=_positive_int, default=500, metavar="N", help="records per write")
    p.set_defaults(func=run_copy_command)


def run_copy_command(args: Any) -> int:
    """Handler of ``copy``: exit code 0 on success, 2 when the source file does not exist."""
    import sys

    from langchain_semantix.training.postgres import is_connection_string, open_spec

    if isinstance(args.source, str) and not is_connection_string(args.source):
        try:
            _check_source_file(Path(args.source))
        except OSError as exc:
            print(f"error: {exc} (or a postgresql:// connection string)", file=sys.stderr)
            return 2
    with open_spec(args.source) as source, open_spec(args.destination) as destination:
        result = copy_records(source, destination, batch_size=args.batch_size, progress=sys.stderr.isatty())
    print(result.summary())
    return 0
