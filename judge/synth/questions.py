"""The request a person would have typed for a ground truth: styles, the offline writer, the leak check.

A request must never carry the query language itself (function calls, operator
names, JSON keys): an AST generator that sees ``event('Order Completed')`` in
its request is copying, not translating. :func:`leak` finds such syntax; the
pipeline asks again with what leaked, and a request that still leaks is not used.
"""

from __future__ import annotations

import random
import re

from judge.audience import Definition, to_english
from judge.demo.requests import request_for
from judge.errors import JudgeError
from judge.llm.answers import AnswerError, answer_object

__all__ = ["STYLES", "QuestionError", "leak", "offline_question", "read_question"]

STYLES = {
    "plain": "a plain, complete request in everyday business English",
    "terse": "terse, as few words as possible, like a quick chat message",
    "verbose": "verbose, with a sentence of context about the campaign before the actual request",
    "typos": "hurried, with two or three typing mistakes and little punctuation",
    "jargon": "in marketing jargon (cohort, engaged, high-intent, conversion, lapsed)",
}
_SYNTAX = [
    (re.compile(r"\b(event|trait|property|context|literal|where|within|between|sources|count|sum|avg|min|max|mode"
                r"|first|last|unique|exists|absent|contains|omits|one_of|starts_with|ends_with)\s*\(", re.I),
     "a function call"),
    (re.compile(r"\b(at_least|at_most|greater_than|less_than|within_last|within_next|before_last|after_next|"
                r"before_date|after_date|starts_with|ends_with|one_of|definition_type|min_frequency)\b", re.I),
     "an operator or key name"),
    (re.compile(r"\"(type|root|op|children|left|right|filters|definition_type)\"\s*:"), "AST JSON"),
    (re.compile(r"\)\s*\.\s*[a-z_]+\s*\("), "chained calls"),
]  # fmt: skip


class QuestionError(JudgeError):
    """An answer that holds no usable request."""


def leak(request: str) -> str | None:
    """What of the query language's syntax the request carries, or None."""
    for pattern, what in _SYNTAX:
        if found := pattern.search(request):
            return f"{what}: {found.group(0)!r}"
    return None


def read_question(text: str) -> str:
    """The request in a question writer's answer: ``{"request": ...}``, or plain text from a server without JSON."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = answer_object(stripped, "request")
        except AnswerError as e:
            raise QuestionError(str(e)) from e
        if value is None or not isinstance(value.get("request"), str):
            raise QuestionError("the JSON answer has no request text")
        stripped = value["request"].strip()
    if not stripped:
        raise QuestionError("the request is empty")
    return stripped


_JARGON = {"users who": "the cohort of users who", "at least once": "with any engagement",
           "in the last": "over the trailing", "did ": "converted on "}  # fmt: skip
_CONTEXT = ("We're planning a spring campaign and need the right people for it.",
            "For next week's retention push I'd like to pull a list.",
            "Marketing asked me for a segment for the newsletter test.")  # fmt: skip


def offline_question(definition: Definition, style: str, rng: random.Random) -> str:
    """A request from the English rendering, varied by style; no model needed."""
    if style not in STYLES:
        raise JudgeError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    if style == "terse":
        english = to_english(definition)
        return english[0].lower() + english[1:].replace("Users who ", "").replace("users who ", "")
    request = request_for(definition, rng)
    if style == "verbose":
        return f"{rng.choice(_CONTEXT)} {request}. Thanks!"
    if style == "jargon":
        for plain, jargon in _JARGON.items():
            request = request.replace(plain, jargon)
        return request
    if style == "typos":
        return _typos(request, rng)
    return request


def _typos(text: str, rng: random.Random) -> str:
    letters = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    chars = list(text.replace(",", ""))
    for i in rng.sample(letters, min(3, len(letters))):
        if i < len(chars) - 1:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars).lower()
