"""IntentParser: a LangChain output parser that validates text against Intents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.output_parsers import BaseOutputParser
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import RunnableConfig
from pydantic import ConfigDict, Field, PrivateAttr, field_validator

from langchain_semantix.errors import SemanticIntentError, require_text
from langchain_semantix.feedback import FeedbackRenderer, render_feedback
from langchain_semantix.intents import Intent, as_intent_list
from langchain_semantix.judges.base import Judge, Verdict
from langchain_semantix.scoring import IntentScorer, check_judge, check_thresholds

__all__ = ["IntentParser"]


def _bulleted(intent: type[Intent]) -> list[str]:
    """``intent`` as bullet lines: a conjunction's clauses each as a bullet of their own,
    the further lines of a requirement indented under its bullet."""
    if intent._kind == "all":
        return [line for clause in intent._children for line in _bulleted(clause)]
    first, *rest = intent.description().splitlines()
    return [f"- {first}", *(f"  {line}" for line in rest)]


class IntentParser(BaseOutputParser[str]):
    """Validates a chain's text against one or more Intents.

    Returns the text unchanged when every intent passes; otherwise raises
    :class:`SemanticIntentError` (an ``OutputParserException`` with ``llm_output``,
    ``observation`` = Markdown feedback and ``send_to_llm=True``). Accepts ``str`` and
    messages (including content-block lists). ``batch`` judges all inputs in one pass;
    ``stream`` validates once the text is complete.

    Args:
        intent: An Intent class, or a list of them (all must pass).
        judge: Defaults to :class:`NLIJudge` on its default model.
        thresholds: Per-intent pass marks (e.g. from ``load_thresholds(path)``) that
            override the classes' ``threshold``.
        feedback_renderer: ``renderer(output, verdicts, attempt) -> str`` writing the
            ``observation``; defaults to :func:`~langchain_semantix.feedback.render_feedback`.

    Example:
        .. code-block:: python

            chain = prompt | model | IntentParser(PoliteDecline)
            try:
                text = chain.invoke({"event": "the retreat"})
            except SemanticIntentError as err:
                print(err.observation)   # feedback to send back to the model
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    intents: list[type[Intent]]
    judge: Judge | None = None
    thresholds: dict[str, float] | None = Field(default=None)
    feedback_renderer: FeedbackRenderer | None = None
    _scorer: IntentScorer | None = PrivateAttr(default=None)

    def __init__(
        self,
        intent: type[Intent] | Sequence[type[Intent]] | None = None,
        judge: Judge | None = None,
        **kwargs: Any,
    ) -> None:
        if intent is not None:
            kwargs["intents"] = intent
        super().__init__(judge=judge, **kwargs)  # type: ignore[call-arg]  # pydantic fields

    @field_validator("intents", mode="before")
    @classmethod
    def _check_intents(cls, value: Any) -> list[type[Intent]]:
        return as_intent_list(value)

    _check_judge = field_validator("judge", mode="before")(check_judge)
    _check_thresholds = field_validator("thresholds", mode="before")(check_thresholds)

    @property
    def _type(self) -> str:
        return "semantix_intent"

    @property
    def scorer(self) -> IntentScorer:
        """The scorer for these intents, judge and thresholds (built once)."""
        scorer = self._scorer
        if scorer is None or scorer._judge is not self.judge or scorer.thresholds != (self.thresholds or None):
            scorer = self._scorer = IntentScorer(self.intents, self.judge, self.thresholds)
        return scorer

    @property
    def active_judge(self) -> Judge:
        """The judge in use (the default NLI judge when none was given)."""
        return self.scorer.judge

    def get_format_instructions(self) -> str:
        requirements = "\n".join(line for intent in self.intents for line in _bulleted(intent))
        return f"Your answer must satisfy the following requirement(s):\n{requirements}"

    def _outcome(self, text: str, verdicts: list[Verdict]) -> str:
        if all(v.passed for v in verdicts):
            return text
        feedback = (self.feedback_renderer or render_feedback)(text, verdicts, 1)
        raise SemanticIntentError.from_verdicts(text, verdicts, feedback)

    def validate_text(self, text: str) -> list[Verdict]:
        """The verdicts for ``text`` (one per intent), without raising."""
        return self.scorer.score([require_text(text)])[0]

    def parse(self, text: str) -> str:
        text = require_text(text)
        return self._outcome(text, self.validate_text(text))

    async def aparse(self, text: str) -> str:
        text = require_text(text)
        return self._outcome(text, (await self.scorer.ascore([text]))[0])

    @staticmethod
    def _text_of(result: list[Generation]) -> str:
        if not result:
            raise OutputParserException("IntentParser got no generations to parse: the model returned nothing; check the model call")
        generation = result[0]
        if isinstance(generation, ChatGeneration):
            return require_text(generation.message)
        return generation.text

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> str:
        return self.parse(self._text_of(result))

    async def aparse_result(self, result: list[Generation], *, partial: bool = False) -> str:
        return await self.aparse(self._text_of(result))

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return self._call_with_config(lambda value: self.parse(require_text(value)), input, config, run_type="parser")

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        async def run(value: Any) -> str:
            return await self.aparse(require_text(value))

        return await self._acall_with_config(run, input, config, run_type="parser")

    @staticmethod
    def _batch_outcomes(inputs: list[Any]) -> tuple[list[str | Exception], list[int], list[str]]:
        outcomes: list[str | Exception] = []
        live, texts = [], []
        for i, value in enumerate(inputs):
            try:
                texts.append(require_text(value))
                live.append(i)
                outcomes.append("")
            except Exception as exc:  # one bad input must not sink the others
                outcomes.append(exc)
        return outcomes, live, texts

    def _settle(self, outcomes: list[str | Exception], live: list[int], texts: list[str], verdicts: Any) -> list[str | Exception]:
        for i, text, judged in zip(live, texts, verdicts):
            try:
                outcomes[i] = self._outcome(text, judged)
            except SemanticIntentError as exc:
                outcomes[i] = exc
        return outcomes

    def _batch_parse(self, inputs: list[Any]) -> list[str | Exception]:
        outcomes, live, texts = self._batch_outcomes(inputs)
        verdicts = self.scorer.score(texts) if texts else []
        return self._settle(outcomes, live, texts, verdicts)

    async def _abatch_parse(self, inputs: list[Any]) -> list[str | Exception]:
        outcomes, live, texts = self._batch_outcomes(inputs)
        verdicts = await self.scorer.ascore(texts) if texts else []
        return self._settle(outcomes, live, texts, verdicts)

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Validate many outputs with one judge pass."""
        return self._batch_with_config(self._batch_parse, inputs, config, return_exceptions=return_exceptions, run_type="parser")

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Async :meth:`batch`."""
        return await self._abatch_with_config(self._abatch_parse, inputs, config, return_exceptions=return_exceptions, run_type="parser")
