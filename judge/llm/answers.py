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

__all__ = ["Answer", "AnswerError", "parse_answer"]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_SCORE_LINE = re.compile(r"(?im)^\W*(?:final\s+)?score\s*[:=]\s*(\S+?)\W*$")


class AnswerError(JudgeError):
    """The answer holds no single score from 1 to 5."""


@dataclass(frozen=True)
class Answer:
    score: int
    reasoning: str | None


def parse_answer(text: str) -> Answer:
    """The score (and reasoning, if any) in a judge's answer."""
    if not text or not text.strip():
        raise AnswerError("the answer is empty")
    found = _json_object(text)
    if found is not None:
        if "score" not in found:
            raise AnswerError(f"the JSON answer has no score (keys: {', '.join(sorted(found)) or 'none'})")
        reasoning = found.get("reasoning")
        return Answer(_score(found["score"]), str(reasoning) if reasoning is not None else None)
    lines = _SCORE_LINE.findall(text)
    if not lines:
        raise AnswerError("no score found in the answer")
    if len(set(lines)) > 1:
        raise AnswerError(f"the answer gives more than one score: {', '.join(lines)}")
    reasoning = _SCORE_LINE.sub("", text).strip() or None
    return Answer(_score(lines[-1]), reasoning)


def _json_object(text: str) -> dict[str, Any] | None:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        start = candidate.find("{")
        while start != -1:
            try:
                value, _ = json.JSONDecoder().raw_decode(candidate[start:])
            except json.JSONDecodeError:
                start = candidate.find("{", start + 1)
                continue
            if isinstance(value, dict):
                return value
            start = candidate.find("{", start + 1)
    if '"score"' in text or text.lstrip().startswith("{"):
        raise AnswerError("the answer holds a JSON object that is cut off or malformed")
    return None


def _score(value: object) -> int:
    if isinstance(value, bool):
        raise AnswerError(f"the score is not a number: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise AnswerError(f"the score is not a whole number: {value!r}")
        value = float(text)
    if not isinstance(value, (int, float)) or value != int(value):
        raise AnswerError(f"the score is not a whole number: {value!r}")
    score = int(value)
    if not 1 <= score <= 5:
        raise AnswerError(f"the score {score} is outside the scale 1-5")
    return score
