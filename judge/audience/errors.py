"""Errors of the audience language: syntax (line, column) and validation (JSON path)."""

from __future__ import annotations

from dataclasses import dataclass

from judge.errors import JudgeError

__all__ = ["AudienceError", "AudienceSyntaxError", "AudienceValidationError", "Problem"]


class AudienceError(JudgeError):
    """Base of every error about an audience definition."""


class AudienceSyntaxError(AudienceError):
    """The text form does not parse: where it stopped and what it expected there."""

    def __init__(self, message: str, line: int, column: int, expected: tuple[str, ...] = ()) -> None:
        self.line = line
        self.column = column
        self.expected = expected
        self.reason = message
        where = f"line {line}, column {column}: "
        wanted = f"; expected {_one_of(expected)}" if expected else ""
        super().__init__(where + message + wanted)


@dataclass(frozen=True)
class Problem:
    """One reason a definition is invalid, at a JSON path such as ``$.root.children[1].op``."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column} ({self.path})" if self.line else self.path
        return f"{where}: {self.message}"


class AudienceValidationError(AudienceError):
    """The definition is well-formed text or JSON but not a valid audience."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


def _one_of(expected: tuple[str, ...]) -> str:
    if len(expected) == 1:
        return expected[0]
    return "one of " + ", ".join(expected)
