"""A judgment: one small typed record in which failure is a state of its own, and the one score check.

Every judge and importer makes a :class:`Judgment`; storage turns it into a row in one place. A
judgment has a score on its dataset's scale or a failure of one kind from a small closed set, never both and
never neither; nothing is ever coerced to a default score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

from judge.errors import JudgeError
from judge.scale import FIVE, HIGHEST, LOWEST, Scale, ScaleError

__all__ = [
    "FAILED_GENERATION",
    "FAILURES",
    "Failure",
    "Judgment",
    "ScoreError",
    "valid_score",
    "valid_seconds",
]

FAILED_GENERATION = "A failed generation scores 1"
"""How the reasoning of a judgment starts when the generated definition did not validate: no judge was asked,
so such a judgment says nothing of how the judge repeats itself."""

Failure = Literal["unreadable_answer", "provider_error", "refusal", "invalid_input", "not_called"]
FAILURES: tuple[Failure, ...] = get_args(Failure)
"""unreadable_answer: the answer holds no single clear score; provider_error: the call failed (after the
SDK's retries); refusal: the model declined to answer; invalid_input: the pair could not be judged (a
ground truth that is not a valid definition); not_called: no call was made (cancelled, or no answer)."""


class ScoreError(JudgeError):
    """A value that is not one whole score on the scale."""


def valid_score(value: object, scale: Scale = FIVE) -> int:
    """The one score check, for judge answers, imported judgments and ratings: a point of the dataset's scale
    (an int, a float that is whole, or a string of one; on a binary scale true/false and its labels too). On
    1-5, ``True``, ``4.5``, ``"four"``, ``6`` are errors."""
    try:
        return scale.check(value)
    except ScaleError as e:
        raise ScoreError(str(e)) from None


def valid_seconds(value: float | None) -> float | None:
    """Time spent on a rating or a call: none, or a finite number of seconds (milliseconds) from 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ScoreError(f"a time is a number of 0 or more, not {value!r}")
    return float(value)


def _count(name: str, value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} is a whole number of 0 or more, not {value!r}")


@dataclass(frozen=True)
class Judgment:
    """One judge's verdict on one pair (and sample): a score with its reasoning, or a failure with what went
    wrong; with the transcript (prompt sent, raw answer), the model, usage, cost and latency."""

    judge: str
    score: int | None
    reasoning: str | None = None
    failure: Failure | None = None
    error: str | None = None  # what went wrong, in words; with a failure only
    pair_id: int | None = None
    sample: int = 0
    prompt: str | None = None
    raw_response: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    evidence: dict[str, Any] | None = None
    value: float | None = None  # the judge's own number where it is not a point (a probability, a mean of samples);
    # ``score`` is then the point nearest it

    def __post_init__(self) -> None:
        if (self.score is None) == (self.failure is None):
            raise ValueError("a judgment has a score or a failure, not both and not neither")
        if self.value is not None and (
            self.score is None or isinstance(self.value, bool) or not isinstance(self.value, int | float)
            or not math.isfinite(self.value) or not self.score - 0.5 <= self.value <= self.score + 0.5
        ):  # fmt: skip
            raise ValueError(f"a judgment's value is a number whose nearest point is its score, not {self.value!r}")
        if self.score is not None and (
            isinstance(self.score, bool)
            or not isinstance(self.score, int)
            or not LOWEST <= self.score <= HIGHEST
        ):
            raise ValueError(f"a score is a whole number from {LOWEST} to {HIGHEST}, not {self.score!r}")
        if self.failure is not None and self.failure not in FAILURES:
            raise ValueError(f"a failure is one of {', '.join(FAILURES)}, not {self.failure!r}")
        if self.failure is not None and not self.error:
            raise ValueError("a failed judgment says what went wrong")
        if self.score is not None and self.error is not None:
            raise ValueError("a judgment with a score has no error")
        _count("sample", self.sample)
        _count("input_tokens", self.input_tokens)
        _count("output_tokens", self.output_tokens)
        for name in ("cost_usd", "latency_ms"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not math.isfinite(value) or value < 0):
                raise ValueError(f"{name} is a number of 0 or more, not {value!r}")

    @classmethod
    def failed(cls, judge: str, failure: Failure, error: str, **fields: Any) -> Judgment:
        return cls(judge=judge, score=None, failure=failure, error=error, **fields)

    def of(self, pair_id: int, sample: int = 0) -> Judgment:
        """This judgment, said of ``pair_id`` (and ``sample``)."""
        return replace(self, pair_id=pair_id, sample=sample)
