import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from langchain_semantix import IntentParser, InvalidOutputError, SemanticIntentError
from langchain_semantix.testing import KeywordJudge
from tests.conftest import MentionsDate, Polite


def test_pass_returns_text(judge):
    assert IntentParser(Polite, judge=judge).invoke("Thanks, but no.") == "Thanks, but no."


def test_failure_is_an_output_parser_exception(judge):
    parser = IntentParser(Polite, judge=judge)
    with pytest.raises(OutputParserException) as info:
        parser.invoke("go away")
    err = info.value
    assert isinstance(err, SemanticIntentError)
    assert err.llm_output == "go away" and err.send_to_llm
    assert "Polite" in err.observation and "0.0500" in err.observation
    assert err.verdicts[0].score == pytest.approx(0.05)
    assert err.intent_name == "Polite" and err.score == pytest.approx(0.05)


def test_in_a_chain_with_messages_and_blocks(judge):
    prompt = ChatPromptTemplate.from_messages([("human", "{q}")])
    model = GenericFakeChatModel(messages=iter([AIMessage("Thank you, I cannot come.")]))
    assert (prompt | model | IntentParser(Polite, judge=judge)).invoke({"q": "x"}) == "Thank you, I cannot come."
    blocks = AIMessage(content=[{"type": "text", "text": "Kind "}, {"type": "text", "text": "regards"}])
    assert IntentParser(Polite, judge=judge).invoke(blocks) == "Kind regards"


def test_stream_validates_the_complete_text(judge):
    model = GenericFakeChatModel(messages=iter([AIMessage("please go away now")]))
    chain = model | IntentParser(Polite, judge=judge)
    with pytest.raises(SemanticIntentError) as info:
        list(chain.stream("hi"))
    assert info.value.llm_output == "please go away now"


def test_batch_is_one_judge_pass(judge):
    parser = IntentParser([Polite, MentionsDate], judge=judge)
    calls = []
    original = judge.evaluate_batch
    judge.evaluate_batch = lambda pairs, t=None: calls.append(len(pairs)) or original(pairs, t)  # type: ignore[method-assign]
    out = parser.batch(["fine", "go away", "ok"], return_exceptions=True)
    assert calls == [6]  # 3 outputs x 2 intents, one call
    assert out[0] == "fine" and isinstance(out[1], SemanticIntentError) and out[2] == "ok"
    with pytest.raises(SemanticIntentError):
        parser.batch(["fine", "go away"])


async def test_async_paths(judge):
    parser = IntentParser(Polite, judge=judge)
    assert await parser.ainvoke("fine") == "fine"
    out = await parser.abatch(["fine", "go away"], return_exceptions=True)
    assert out[0] == "fine" and isinstance(out[1], SemanticIntentError)


def test_format_instructions_hold_the_requirement(judge):
    assert Polite.description() in IntentParser(Polite, judge=judge).get_format_instructions()


@pytest.mark.parametrize(
    "bad,error,match",
    [
        (None, InvalidOutputError, "None"),
        (b"bytes", InvalidOutputError, "bytes"),
        (AIMessage(content=[{"type": "image", "url": "http://x"}]), InvalidOutputError, "no text content"),
    ],
)
def test_bad_inputs(judge, bad, error, match):
    with pytest.raises(error, match=match):
        IntentParser(Polite, judge=judge).invoke(bad)


def test_empty_text_fails_validation(judge):
    with pytest.raises(SemanticIntentError, match="Polite"):
        IntentParser(Polite, judge=judge).invoke("")


def test_not_an_intent():
    with pytest.raises(TypeError, match="Intent subclass"):
        IntentParser(str)  # type: ignore[arg-type]


def test_thresholds_override(judge):
    parser = IntentParser(Polite, judge=judge, thresholds={"Polite": 0.99})
    with pytest.raises(SemanticIntentError):
        parser.invoke("fine")  # 0.95 < 0.99


def test_format_instructions_list_each_clause_of_a_composite_once(judge):
    text = IntentParser([Polite & MentionsDate, Polite | MentionsDate], judge=judge).get_format_instructions()
    assert "- -" not in text
    assert f"- {Polite.description()}\n- {MentionsDate.description()}\n- At least one of:\n  - {Polite.description()}" in text


def test_an_answer_without_text_is_an_output_parser_exception_fallbacks_catch(judge):
    image_only = AIMessage(content=[{"type": "image_url", "image_url": {"url": "x"}}])
    with pytest.raises(InvalidOutputError, match="no text content.*ask the model for a text answer"):
        IntentParser(Polite, judge=judge).invoke(image_only)
    fallback = IntentParser(Polite, judge=judge).with_fallbacks(
        [RunnableLambda(lambda _: "fallback")], exceptions_to_handle=(OutputParserException,)
    )
    assert fallback.invoke(image_only) == "fallback"
    with pytest.raises(OutputParserException, match="no generations"):
        IntentParser(Polite, judge=judge).parse_result([])


def test_judge_and_thresholds_are_checked_when_the_parser_is_built():
    with pytest.raises(TypeError, match=r"load_judge\('nli'\)"):
        IntentParser(Polite, judge="nli")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"thresholds\['Polite'\] must be between 0 and 1"):
        IntentParser(Polite, judge=KeywordJudge(), thresholds={"Polite": 2})
