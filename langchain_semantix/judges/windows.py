"""Reading outputs longer than a model's window: overlapping token windows, one rule to combine them.

A transformer reads at most ``max_length`` tokens; anything after that is silently dropped by
the tokenizer. A judge that let that happen would pass a polite first page followed by a rude
last line. The model judges therefore split a long output into overlapping token windows,
score every window, and combine the scores with a :data:`LongOutputRule`:

``"worst_window"`` (default)
    The lowest window score decides. Right for requirements about the *whole* text — tone,
    stance, "must not ..." ("politely", "without being rude", "never mention prices"): a bad
    part anywhere fails. Wrong for requirements that one part of the text can meet on its own
    ("must mention a date", "must include a summary"): a window without the date scores low, so
    a long text fails although it satisfies the requirement (a false failure, never a false pass).
``"best_window"``
    The highest window score decides: for "must include / must mention" requirements.
``"fail"``
    No windows: a text longer than the window gets a failing verdict that says so.

Whatever the rule, the verdict of a long output has ``truncated=True`` (no single model pass
read all of it) and ``window_scores`` (one score per window, in text order), and texts longer
than ``max_windows`` windows fail with a reason instead of being scored in part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

from langchain_semantix.judges.base import Judge, Verdict, check_text, empty_output_verdict

__all__ = [
    "LongOutputRule",
    "LONG_OUTPUT_RULES",
    "split_into_windows",
    "combine_window_scores",
    "too_long_reason",
    "windowed_verdict",
    "not_judged_verdict",
    "WindowJob",
    "plan_windows",
    "WindowScores",
    "WindowedJudge",
    "rows_per_job",
]

LongOutputRule = Literal["worst_window", "best_window", "fail"]
LONG_OUTPUT_RULES: tuple[str, ...] = ("worst_window", "best_window", "fail")


def check_rule(rule: str) -> LongOutputRule:
    if rule not in LONG_OUTPUT_RULES:
        raise ValueError(f"long_output must be one of {LONG_OUTPUT_RULES}, got {rule!r}")
    return rule  # type: ignore[return-value]


def split_into_windows(text: str, tokenizer: Any, window_tokens: int, overlap_tokens: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``window_tokens`` tokens that overlap by ``overlap_tokens``.

    Pieces are slices of the original text (character offsets from a fast tokenizer), so every
    character of the output is in at least one window. A text that fits returns ``[text]``.

    Example:
        >>> from transformers import AutoTokenizer  # doctest: +SKIP
        >>> split_into_windows("a b c d e", AutoTokenizer.from_pretrained(path), 3, 1)  # doctest: +SKIP
        ['a b c', 'c d e']
    """
    if window_tokens < 2:
        raise ValueError(f"the model's window leaves {window_tokens} tokens for the output; raise max_length")
    overlap_tokens = max(0, min(overlap_tokens, window_tokens // 2))
    spans = _token_spans(text, tokenizer)
    if len(spans) <= window_tokens:
        return [text]
    # Cut between words where possible, so no window starts or ends inside a word.
    word_start = [k == 0 or spans[k][0] > spans[k - 1][1] for k in range(len(spans))] + [True]
    windows: list[str] = []
    start = 0
    while True:
        stop = min(start + window_tokens, len(spans))
        cut = _last_word_start(word_start, stop, start + window_tokens // 2)
        stop = cut if stop < len(spans) and cut is not None else stop
        windows.append(text[spans[start][0] : spans[stop - 1][1]])
        if stop == len(spans):
            return windows
        following = stop - overlap_tokens
        start = _last_word_start(word_start, following, start) or following


def _last_word_start(word_start: list[bool], at: int, above: int) -> int | None:
    """The last token index ``<= at`` and ``> above`` that begins a word, if any."""
    for k in range(at, above, -1):
        if word_start[k]:
            return k
    return None


def _token_spans(text: str, tokenizer: Any) -> list[tuple[int, int]]:
    """Character span of every token (no special tokens)."""
    if getattr(tokenizer, "is_fast", False):
        encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False)
        return [(int(a), int(b)) for a, b in encoding["offset_mapping"] if b > a]
    # Slow tokenizers have no offsets: count word pieces per whitespace word instead.
    spans: list[tuple[int, int]] = []
    position = 0
    for word in text.split():
        start = text.index(word, position)
        position = start + len(word)
        spans.extend([(start, position)] * max(1, len(tokenizer.tokenize(word))))
    return spans


def combine_window_scores(scores: Sequence[float], rule: LongOutputRule) -> tuple[float, int]:
    """The deciding score and the index of the window it came from."""
    pick = min if rule == "worst_window" else max
    index = pick(range(len(scores)), key=scores.__getitem__)
    return float(scores[index]), index


def window_reason(scores: Sequence[float], index: int, rule: LongOutputRule, window_tokens: int) -> str:
    """What a long output's verdict says about how it was read."""
    which = "lowest" if rule == "worst_window" else "highest"
    return (
        f"the output is longer than the model's window of {window_tokens} tokens, so it was scored "
        f"in {len(scores)} overlapping windows and the {which} window score decides "
        f"(window {index + 1}: {scores[index]:.3f}; long_output={rule!r})"
    )


def too_long_reason(n_windows: int, window_tokens: int, limit: int | None, rule: LongOutputRule) -> str:
    """The reason of the failing verdict a too-long output gets."""
    if rule == "fail":
        return (
            f"the output is longer than the model's window of {window_tokens} tokens and "
            "long_output='fail': it was not judged. Shorten it, or pass long_output='worst_window' "
            "to score it in overlapping windows."
        )
    return (
        f"the output needs {n_windows} windows of {window_tokens} tokens, more than "
        f"max_windows={limit}: it was not judged in part. Shorten it or raise max_windows."
    )


def windowed_verdict(
    judge: Judge,
    requirement: str,
    threshold: float,
    scores: Sequence[float],
    *,
    rule: LongOutputRule,
    window_tokens: int,
    measure: str,
    latency_ms: float,
    labels: Sequence[str] = (),
    label_rows: Any = None,
) -> Verdict:
    """The verdict of an output scored in ``len(scores)`` windows (one when it fit).

    ``measure`` names the score in the failure reason ("entailment probability");
    ``label_rows[i]`` holds window ``i``'s probability per label in ``labels``; the deciding
    window's are reported.
    """
    score, chosen = combine_window_scores(scores, rule)
    passed = score >= threshold
    notes = [] if passed else [f"{measure} {score:.3f} is below {threshold:.3f}"]
    if len(scores) > 1:
        notes.append(window_reason(scores, chosen, rule, window_tokens))
    return Verdict(
        passed=passed,
        score=score,
        threshold=threshold,
        reason="; ".join(notes) or None,
        judge=judge.name,
        model=judge.model_id,
        label_probabilities={lbl: float(p) for lbl, p in zip(labels, label_rows[chosen])} if labels else None,
        latency_ms=latency_ms,
        requirement=requirement,
        truncated=len(scores) > 1,
        window_scores=list(scores) if len(scores) > 1 else None,
    )


@dataclass(frozen=True)
class WindowJob:
    """One output to score: its position in the call, its requirement and its windows."""

    index: int
    requirement: str
    window_tokens: int
    windows: list[str]


def plan_windows(
    judge: Judge,
    pairs: Sequence[tuple[str, str]],
    limits: Sequence[float],
    *,
    tokenizer: Any,
    window_tokens: Callable[[str], int],
    rule: LongOutputRule,
    overlap: int,
    max_windows: int,
) -> tuple[list[Verdict | None], list[WindowJob]]:
    """Check every pair and cut its output into windows; the shared first half of a windowed judge.

    ``window_tokens(requirement)`` is how many output tokens fit in one pass next to that
    requirement. Returns ``(verdicts, jobs)``: ``verdicts[i]`` is already set for an empty output
    and for one too long to judge under ``rule``; every other pair is a :class:`WindowJob`.
    """
    verdicts: list[Verdict | None] = [None] * len(pairs)
    jobs: list[WindowJob] = []
    for i, (output, requirement) in enumerate(pairs):
        text = check_text(output)
        requirement = check_text(requirement, what="intent_description")
        if not text.strip():
            verdicts[i] = empty_output_verdict(judge, requirement, limits[i])
            continue
        size = window_tokens(requirement)
        windows = split_into_windows(text, tokenizer, size, overlap)
        if len(windows) > 1 and (rule == "fail" or len(windows) > max_windows):
            verdicts[i] = not_judged_verdict(judge, requirement, limits[i], too_long_reason(len(windows), size, max_windows, rule))
            continue
        jobs.append(WindowJob(i, requirement, size, windows))
    return verdicts, jobs


def not_judged_verdict(judge: Judge, requirement: str, threshold: float, reason: str) -> Verdict:
    """A failing verdict for an output too long to judge under the judge's rule; no score."""
    return Verdict(
        passed=False,
        score=None,
        threshold=threshold,
        reason=reason,
        judge=judge.name,
        model=judge.model_id,
        requirement=requirement,
        truncated=True,
    )


class WindowScores(NamedTuple):
    """One output's scores, one per window in text order; ``label_rows[i]`` holds window ``i``'s
    probability per label of :attr:`WindowedJudge.labels` (``None`` when the judge has no labels)."""

    scores: list[float]
    label_rows: list[list[float]] | None = None


def rows_per_job(rows: Any, jobs: Sequence[WindowJob]) -> Iterator[Any]:
    """Slice ``rows`` (one per window of every job, in job order) into one slice per job."""
    start = 0
    for job in jobs:
        yield rows[start : start + len(job.windows)]
        start += len(job.windows)


class WindowedJudge(Judge):
    """A model judge that reads long outputs in overlapping windows.

    The base :class:`~langchain_semantix.judges.base.Judge` checks the pairs and thresholds
    and fails empty outputs; this class cuts every remaining output into windows
    (:func:`plan_windows`) and turns the window scores into verdicts (:func:`windowed_verdict`).
    A subclass sets :attr:`long_output`, :attr:`window_overlap`, :attr:`max_windows` and
    :attr:`measure`, and implements :meth:`window_tokenizer`, :meth:`window_size` and
    :meth:`score_windows` - how it scores.
    """

    long_output: LongOutputRule = "worst_window"
    window_overlap: int = 32
    max_windows: int = 32
    #: Names the score in a failure reason ("entailment probability").
    measure: ClassVar[str] = "score"
    #: Label names, when :meth:`score_windows` reports a probability per label.
    labels: Sequence[str] = ()

    def set_window_options(self, long_output: str, window_overlap: int, max_windows: int) -> None:
        """Set how long outputs are read, checking the rule."""
        self.long_output = check_rule(long_output)
        self.window_overlap = window_overlap
        self.max_windows = max_windows

    @property
    def window_tokenizer(self) -> Any:
        """The tokenizer that counts the tokens of an output."""
        raise NotImplementedError

    def window_size(self, requirement: str) -> int:
        """How many output tokens fit in one pass next to ``requirement``."""
        raise NotImplementedError

    def score_windows(self, jobs: Sequence[WindowJob]) -> list[WindowScores]:
        """Score every window of every job, in one call of the model where possible."""
        raise NotImplementedError

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Cut the outputs into windows, score them all, and combine each output's scores."""
        verdicts, jobs = plan_windows(
            self,
            pairs,
            thresholds,
            tokenizer=self.window_tokenizer,
            window_tokens=self.window_size,
            rule=self.long_output,
            overlap=self.window_overlap,
            max_windows=self.max_windows,
        )
        if jobs:
            started = time.perf_counter()
            scored = self.score_windows(jobs)
            latency = (time.perf_counter() - started) * 1000 / len(jobs)
            for job, (scores, label_rows) in zip(jobs, scored):
                verdicts[job.index] = windowed_verdict(
                    self,
                    job.requirement,
                    thresholds[job.index],
                    scores,
                    rule=self.long_output,
                    window_tokens=job.window_tokens,
                    measure=self.measure,
                    latency_ms=latency,
                    labels=self.labels if label_rows is not None else (),
                    label_rows=label_rows,
                )
        return [v for v in verdicts if v is not None]
