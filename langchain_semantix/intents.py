"""Intents: plain-English requirements as classes, and their composition.

An :class:`Intent` subclass's docstring *is* the requirement. Intents compose with
``&`` (all), ``|`` (any) and ``~`` (not). A composite is never judged as one
concatenated text — an NLI model cannot entail a multi-clause paragraph — but clause
by clause, and the clause verdicts are combined (min / max / 1 - score).
"""

from __future__ import annotations

import inspect
from typing import ClassVar, Literal, cast

from langchain_semantix.errors import require_threshold

__all__ = ["Intent", "AllOf", "AnyOf", "Not", "leaf_intents", "intent_name", "as_intent_list"]

CompositionKind = Literal["all", "any", "not"]


class _IntentMeta(type):
    """Metaclass giving Intent classes the ``&``, ``|`` and ``~`` operators."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> None:
        super().__init__(name, bases, namespace)
        # The base class and composites carry no docstring requirement of their own.
        if namespace.get("_abstract_intent") or namespace.get("_kind"):
            return
        doc = inspect.cleandoc(namespace.get("__doc__") or "")  # type: ignore[arg-type]
        if not doc.strip():  # cleandoc keeps a blank multi-line docstring's indentation
            raise TypeError(
                f"Intent {name!r} has no docstring. The docstring is the requirement the "
                f"output is judged against, e.g.\n\n    class {name}(Intent):\n"
                f'        """The text must politely decline the invitation."""'
            )
        threshold = namespace.get("threshold")
        if threshold is not None:
            _check_threshold(threshold, name)

    def __and__(cls, other: type[Intent]) -> type[Intent]:
        return AllOf(cls, other)  # type: ignore[arg-type]

    def __or__(cls, other: type[Intent]) -> type[Intent]:
        return AnyOf(cls, other)  # type: ignore[arg-type]

    def __invert__(cls) -> type[Intent]:
        return Not(cls)  # type: ignore[arg-type]

    def __repr__(cls) -> str:
        return f"<Intent {intent_name(cls)}>"  # type: ignore[arg-type]


class Intent(metaclass=_IntentMeta):
    """A requirement written in plain English as the class docstring.

    Example:
        .. code-block:: python

            from langchain_semantix import Intent

            class PoliteDecline(Intent):
                \"\"\"The text must politely decline an invitation without being rude.\"\"\"

            class MentionsDate(Intent):
                \"\"\"The text must mention a date.\"\"\"
                threshold = 0.6   # optional; else the judge's default

            Both = PoliteDecline & MentionsDate      # every clause must pass
            Either = PoliteDecline | MentionsDate    # at least one clause
            NotRude = ~PoliteDecline                 # the clause must fail
    """

    _abstract_intent: ClassVar[bool] = True
    #: Pass mark for this intent's score; ``None`` means "use the judge's default".
    threshold: ClassVar[float | None] = None
    _kind: ClassVar[CompositionKind | None] = None
    _children: ClassVar[tuple[type[Intent], ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "_abstract_intent" not in cls.__dict__:
            cls._abstract_intent = False

    def __init__(self) -> None:
        raise TypeError(
            f"{type(self).__name__} is a requirement, not a value: use the class itself "
            "(e.g. IntentParser(PoliteDecline)) instead of an instance."
        )

    @classmethod
    def description(cls) -> str:
        """Return the requirement: the cleaned docstring (composites: their clauses)."""
        if cls._kind == "all":
            return "\n".join(f"- {c.description()}" for c in cls._children)
        if cls._kind == "any":
            return "At least one of:\n" + "\n".join(f"- {c.description()}" for c in cls._children)
        if cls._kind == "not":
            return f"The text must NOT satisfy: {cls._children[0].description()}"
        doc = inspect.cleandoc(cls.__doc__ or "")
        if not doc.strip():
            raise TypeError(f"Intent {cls.__name__!r} has no docstring; write the requirement there.")
        return doc

    @classmethod
    def is_composite(cls) -> bool:
        """True for intents built with ``&``, ``|`` or ``~``."""
        return cls._kind is not None


def _check_threshold(value: object, name: str) -> None:
    try:
        require_threshold(value, what=f"{name}.threshold")
    except TypeError as exc:
        raise ValueError(str(exc)) from None  # a class attribute of the wrong type is a bad value


def _check_intent_class(obj: object) -> type[Intent]:
    if not (isinstance(obj, type) and issubclass(obj, Intent)) or obj is Intent:
        raise TypeError(f"expected an Intent subclass with a docstring requirement, got {obj!r}")
    return obj


def as_intent_list(value: object) -> list[type[Intent]]:
    """One Intent class or a sequence of them, as a non-empty list (checked)."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError("pass at least one Intent")
    return [_check_intent_class(item) for item in items]


def _compose(kind: CompositionKind, children: tuple[type[Intent], ...]) -> type[Intent]:
    children = tuple(_check_intent_class(c) for c in children)
    joiner = {"all": " & ", "any": " | ", "not": ""}[kind]
    label = joiner.join(intent_name(c) for c in children)
    name = f"~{label}" if kind == "not" else f"({label})"
    namespace: dict[str, object] = {
        "_kind": kind,
        "_children": children,
        "_abstract_intent": False,
        "__doc__": None,
        "__module__": __name__,
    }
    composite = cast("type[Intent]", _IntentMeta(name, (Intent,), namespace))
    composite.__doc__ = composite.description()
    return composite


def AllOf(*intents: type[Intent]) -> type[Intent]:  # noqa: N802 - reads as a type constructor
    """An intent that passes when every clause passes (score = the lowest clause score)."""
    if len(intents) < 2:
        raise TypeError("AllOf needs at least two intents")
    return _compose("all", intents)


def AnyOf(*intents: type[Intent]) -> type[Intent]:  # noqa: N802
    """An intent that passes when at least one clause passes (score = the highest)."""
    if len(intents) < 2:
        raise TypeError("AnyOf needs at least two intents")
    return _compose("any", intents)


def Not(intent: type[Intent]) -> type[Intent]:  # noqa: N802
    """An intent that passes when the clause fails (score = 1 - clause score)."""
    return _compose("not", (intent,))


def intent_name(intent: type[Intent]) -> str:
    """The readable name of an intent (composites: ``(A & B)``, ``~A``)."""
    return intent.__name__


def leaf_intents(intent: type[Intent]) -> list[type[Intent]]:
    """The distinct single-clause intents inside ``intent``, in first-seen order."""
    _check_intent_class(intent)
    seen: dict[type[Intent], None] = {}

    def walk(node: type[Intent]) -> None:
        if node._kind is None:
            seen.setdefault(node, None)
        for child in node._children:
            walk(child)

    walk(intent)
    return list(seen)
