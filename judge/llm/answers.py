"""Reading a judge's answer: a pure function from text to a score and reasoning, or a parse error.

Structured answers are JSON objects; servers without structured output may
wrap them in prose or code fences, or answer "Score: 4" in plain text. What is
not one clear whole score from 1 to 5 is an error, never a default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from judge.errors import JudgeError
from judge.judgment import ScoreError, valid_score
from judge.scale import FIVE, Scale

__all__ = ["Answer", "AnswerError", "answer_object", "json_objects", "parse_answer"]

_SCORE_LINE = re.compile(r"(?im)^\W*(?:final\s+)?score\s*[:=]\s*(\S+?)\W*$")


class AnswerError(JudgeError):
    """The answer holds no single score from 1 to 5."""


@dataclass(frozen=True)
class Answer:
    score: int
    reasoning: str | None


def parse_answer(text: str, scale: Scale = FIVE) -> Answer:
    """The score (and reasoning, if any) in a judge's answer, a point of ``scale``."""
    if not text or not text.strip():
        raise AnswerError("the answer is empty")
    found = answer_object(text, "score")
    if found is not None:
        reasoning = found.get("reasoning")
        return Answer(_score(found["score"], scale), str(reasoning) if reasoning is not None else None)
    lines = _SCORE_LINE.findall(text)
    if not lines:
        raise AnswerError("no score found in the answer")
    if len(set(lines)) > 1:
        raise AnswerError(f"the answer gives more than one score: {', '.join(lines)}")
    reasoning = _SCORE_LINE.sub("", text).strip() or None
    return Answer(_score(lines[-1], scale), reasoning)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise AnswerError(f"the JSON answer gives {', '.join(repr(k) for k in twice)} more than once")
    return dict(pairs)


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every complete top-level JSON object in a model's text, in order (inside code fences or prose).
    A key given twice in one object is an error: which of the two was meant is unknowable."""
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates)
    found, start = [], text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        start = text.find("{", end)
    return found


def answer_object(text: str, key: str) -> dict[str, Any] | None:
    """The answer object in a model's text: the last complete JSON object that has ``key`` (an echoed
    definition before it is not the answer). Objects that give ``key`` different values make the answer
    ambiguous: an error, never a pick. None when there is no JSON answer at all."""
    objects = json_objects(text)
    candidates = [o for o in objects if key in o]
    if not candidates:
        if objects and text.lstrip().startswith("{") and f'"{key}"' not in text:
            keys = ", ".join(sorted(objects[-1])) or "none"
            raise AnswerError(f"the JSON answer has no {key} (keys: {keys})")
        if f'"{key}"' in text or text.lstrip().startswith("{"):
            raise AnswerError("the answer holds a JSON object that is cut off or malformed")
        return None
    values = {json.dumps(o[key], sort_keys=True) for o in candidates}
    if len(values) > 1:
        raise AnswerError(f"the answer gives more than one {key}: {', '.join(sorted(values))}")
    return candidates[-1]


def _score(value: object, scale: Scale) -> int:
    try:
        return valid_score(value, scale)
    except ScoreError as e:
        raise AnswerError(str(e)) from None
