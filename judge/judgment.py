"""A judgment: one small typed record in which failure is a state of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Judgment"]


@dataclass(frozen=True)
class Judgment:
    """A score from 1 to 5 with its reasoning, or an error; never both, never a default score."""

    judge: str
    score: int | None
    reasoning: str | None = None
    error: str | None = None
    prompt: str | None = None
    raw_response: str | None = None
    prompt_version: str | None = None
    evidence: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.score is None) == (self.error is None):
            raise ValueError("a judgment has a score or an error, not both and not neither")
        if self.score is not None and (
            isinstance(self.score, bool) or not isinstance(self.score, int) or not 1 <= self.score <= 5
        ):
            raise ValueError(f"a score is a whole number from 1 to 5, not {self.score!r}")

    @classmethod
    def failed(cls, judge: str, error: str, **fields: Any) -> Judgment:
        return cls(judge=judge, score=None, error=error, **fields)
