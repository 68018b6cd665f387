"""Record builders shared by the training tests."""

from __future__ import annotations

import json
from pathlib import Path

FEEDBACK = "## Semantix Self-Healing Feedback\n\nAttempt 1 failed"
PAIR = dict(
    intent="Polite",
    intent_description="d",
    rejected_output="no",
    rejected_score=0.1,
    rejected_reason="rude",
    accepted_output="yes",
    accepted_score=0.9,
    feedback="fb",
    attempts=2,
)


def rec(i, intent="Polite", prompt=True, rs=0.2, acc=0.9):
    r = {
        "intent": intent,
        "intent_description": "The text must be polite.",
        "rejected_output": f"bad {i}",
        "rejected_score": rs,
        "rejected_reason": "rude",
        "accepted_output": f"good {i}",
        "accepted_score": acc,
        "feedback": FEEDBACK,
        "attempts": 2,
        "timestamp": "2026-01-01T00:00:00+00:00",
    }
    if prompt:
        r["prompt_messages"] = [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"bad {i}"},
            {"role": "user", "content": FEEDBACK},
        ]
    return r


def write(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def lines(path: Path):
    return [json.loads(x) for x in path.read_text().splitlines()]


#: One bad line of each kind issue 11 lists, with a valid record before and after.
BAD_LINES = [
    "[" * 100_000 + "]" * 100_000,  # nested too deeply for json
    json.dumps({**rec(0), "intent_description": None}),
    json.dumps({**rec(0), "prompt_messages": "hello"}),
    json.dumps({**rec(0), "rejected_attempts": "nope"}),
    json.dumps({**rec(0), "accepted_score": "0.9"}),
    json.dumps({**rec(0), "rejected_score": [0.1]}),
    json.dumps({**rec(0), "intent": ["Polite"]}),
    json.dumps({**rec(0), "prompt_messages": [{"content": "no role"}]}),
    '{"intent": "Polite", "intent_description": "d", "accepted_output": "x", "accepted_score": NaN}',
    json.dumps({"intent": "x"}),
    "garbage",
]


def healed_outcome(session: str = "s") -> dict:
    """The outcome event of a session healed on its second attempt."""
    attempt = {"attempt": 1, "output": "no", "score": 0.1, "reason": "rude", "feedback": "fb", "threshold": 0.5}
    return {
        "session_id": session,
        "passed": True,
        "intents": [{"name": "Polite", "description": "d"}],
        "attempts": [attempt, {**attempt, "attempt": 2, "output": "yes", "score": 0.9}],
        "accepted_attempt": 2,
        "source": "test",
    }
