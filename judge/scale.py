"""The scale a dataset is rated and judged on: its points, what each is called, and what follows from them.

A scale is declared by the rubric of a dataset (its ``[lines]``, one per point, and an optional
``[scale]`` table): two points make a binary scale (wrong/right, 0/1), more make an ordinal one
(1-3, 1-5, 1-6, 0-4...). 1-5 with the audience rubric stays the default. Points are consecutive whole
numbers from 0 to 10, at most ten of them, so that each has one key on the keyboard (a point of 10 is the
key 0, as on a number row).

What the scale decides beyond its points: which figures mean something on it (agreement within one
point needs four points or more; a pass/fail figure needs a pass mark, declared or 4 on 1-5; a binary
scale has neither), how many categories chance-corrected figures count, and how a value in a file is
read (true/false or a label on a binary scale, 0.0 or 1 as well as 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from judge.errors import JudgeError

__all__ = ["FIVE", "HIGHEST", "LOWEST", "Scale", "ScaleError", "parse_scale"]

LOWEST, HIGHEST = 0, 10
MOST_POINTS = 10
TRUE_WORDS = frozenset({"true", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "f"})


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class ScaleError(JudgeError):
    """A value that is not a point of the scale, or a scale that cannot be declared."""


@dataclass(frozen=True)
class Scale:
    points: tuple[int, ...]  # ascending, consecutive
    labels: tuple[str, ...] = ()  # one per point, in the order of ``points``; may be empty
    pass_at: int | None = None  # the lowest passing point, where the scale has a pass mark

    def __post_init__(self) -> None:
        p = self.points
        if len(p) < 2 or len(p) > MOST_POINTS:
            raise ScaleError(f"a scale has 2 to {MOST_POINTS} points, not {len(p)}")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in p) or list(p) != list(
            range(p[0], p[-1] + 1)
        ):
            raise ScaleError(f"a scale's points are consecutive whole numbers, not {list(p)}")
        if p[0] < LOWEST or p[-1] > HIGHEST:
            raise ScaleError(f"a scale's points lie between {LOWEST} and {HIGHEST}, not {p[0]}-{p[-1]}")
        if self.labels and len(self.labels) != len(p):
            raise ScaleError(f"a scale with {len(p)} points has {len(p)} labels, not {len(self.labels)}")
        if self.labels and len({label.strip().lower() for label in self.labels}) != len(self.labels):
            raise ScaleError(f"a scale's labels are different from each other, not {', '.join(self.labels)}")
        for point, label in zip(p, self.labels, strict=False):
            word = label.strip().lower()
            if self.binary and (word in TRUE_WORDS and point == p[0] or word in FALSE_WORDS and point == p[-1]):
                raise ScaleError(f"the label {label!r} on {point} would read as its opposite (a file's "
                                 f"{label!r} is {p[-1] if word in TRUE_WORDS else p[0]}): write the labels lowest first")
            if _number(word) and word != str(point):
                raise ScaleError(f"the label {label!r} on {point} is a number of its own: a file's {label!r} "
                                 "could mean either")  # fmt: skip
        if self.pass_at is not None and (self.binary or self.pass_at not in p[1:]):
            raise ScaleError(
                f"the pass mark is a point above the lowest of {self.span}, not {self.pass_at!r}"
                if not self.binary
                else "a binary scale has no pass mark: its upper point passes"
            )

    @classmethod
    def ordinal(cls, low: int, high: int, labels: tuple[str, ...] = (), pass_at: int | None = None) -> Scale:
        return cls(tuple(range(low, high + 1)), labels, pass_at)

    @property
    def low(self) -> int:
        return self.points[0]

    @property
    def high(self) -> int:
        return self.points[-1]

    @property
    def k(self) -> int:
        return len(self.points)

    @property
    def binary(self) -> bool:
        return self.k == 2

    @property
    def span(self) -> str:
        """ "1-5", or "0/1" for a binary scale."""
        return f"{self.low}/{self.high}" if self.binary else f"{self.low}-{self.high}"

    @property
    def kind(self) -> str:
        return "binary" if self.binary else f"{self.k}-point"

    def describe(self) -> str:
        """ "binary (0 wrong, 1 right)" or "5-point (1-5)"."""
        if self.binary and self.labels:
            return f"binary ({self.low} {self.labels[0]}, {self.high} {self.labels[1]})"
        return f"{self.kind} ({self.span})"

    @property
    def within_one_applies(self) -> bool:
        """Within one point says something only where one point is not most of the scale."""
        return self.k >= 4

    @property
    def pass_mark(self) -> int | None:
        """The declared pass mark; on the default 1-5 scale, 4."""
        if self.pass_at is not None:
            return self.pass_at
        return 4 if self.points == FIVE.points else None

    @property
    def tolerance(self) -> int:
        """How far apart two scores may be and still count as close: one point where within one applies."""
        return 1 if self.within_one_applies else 0

    @property
    def close_words(self) -> str:
        return "within one point of" if self.within_one_applies else "the same as"

    def label(self, point: int) -> str:
        return self.labels[point - self.low] if self.labels else str(point)

    def key(self, point: int) -> str:
        """The keyboard key of a point: its digit, 0 for 10."""
        return str(point % 10)

    def keys_words(self) -> str:
        """The score keys in words: "0 or 1", "1-5", "1-9 or 0"."""
        if self.binary:
            return f"{self.key(self.low)} or {self.key(self.high)}"
        if self.high == 10:
            return f"{self.low}-9 or 0 (for 10)"
        return f"{self.low}-{self.high}"

    def check(self, value: object) -> int:
        """The point a value names, or a ScaleError saying why it is not one. A whole number of the scale
        (``4``, ``4.0``, ``"4"``); on a binary scale also true/false, yes/no and the two labels."""
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ScaleError(f"empty: a score is needed (the scale is {self.described_values()})")
        if isinstance(value, bool):
            if self.binary:
                return self.high if value else self.low
            raise ScaleError(f"the score is not a number: {value!r}")
        if isinstance(value, str):
            lowered = value.strip().lower()
            if self.binary:
                if lowered in TRUE_WORDS or lowered in FALSE_WORDS:
                    return self.high if lowered in TRUE_WORDS else self.low
                named = [
                    p for p, name in zip(self.points, self.labels, strict=False) if lowered == name.lower()
                ]
                if named:
                    return named[0]
            try:
                number = float(lowered)
            except ValueError:
                raise ScaleError(f"the score is not a whole number: {value!r} (the scale is "
                                 f"{self.described_values()})") from None  # fmt: skip
        elif isinstance(value, int | float):
            number = float(value)
        else:
            raise ScaleError(f"the score is not a number: {value!r}")
        if not math.isfinite(number) or not number.is_integer():
            raise ScaleError(
                f"the score is not a whole number: {value!r} (the scale is {self.described_values()})"
            )
        if int(number) not in self.points:
            raise ScaleError(f"the score {int(number)} is outside the scale {self.described_values()}")
        return int(number)

    def value_of(self, value: object) -> float:
        """A judge's score as given, where a judge may give any number on the scale's range (a probability, a
        mean of samples: 0.97, 3.67), not only a point; a point's words (true/false, labels) read as the point.
        Anything off the range, or not a number, is a ScaleError saying what the range is."""
        if value is None or isinstance(value, bool) or (isinstance(value, str) and not _number(value.strip())):
            return float(self.check(value))
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ScaleError(f"the score is not a number: {value!r}") from None
        if not math.isfinite(number) or not self.low <= number <= self.high:
            raise ScaleError(f"the score {value!r} is outside the scale's range {self.low} to {self.high}")
        return number

    def nearest(self, value: float) -> int:
        """The point nearest a number of the range; half-way between two, the lower (as a mean of scores is
        read everywhere: a judge is not given the benefit of the doubt)."""
        return min(max(math.ceil(value - 0.5), self.low), self.high)

    def described_values(self) -> str:
        """What a value on this scale may be, in words: "0/1 (or true/false, wrong/right)" or "1-5"."""
        if not self.binary:
            return self.span
        words = "true/false" + (f", {'/'.join(self.labels)}" if self.labels else "")
        return f"{self.span} (or {words})"


FIVE = Scale.ordinal(1, 5)
"""The default scale: 1-5, pass at 4."""


def parse_scale(spec: str, pass_at: int | None = None) -> Scale:
    """A scale from its short form: ``binary`` (no/yes), ``binary:wrong,right``, ``1-3``, ``0-4``,
    ``1-3:bad,fair,good`` (a label per point, lowest first)."""
    text = spec.strip()
    kind, _, named = text.partition(":")
    labels = tuple(label.strip() for label in named.split(",")) if named.strip() else ()
    if any(not label for label in labels):
        raise ScaleError(
            f"scale {spec!r}: a label is empty (write the labels lowest first, separated by commas)"
        )
    if kind.strip().lower() == "binary":
        if pass_at is not None:
            raise ScaleError("a binary scale has no pass mark: its upper point passes")
        return Scale((0, 1), labels or ("No", "Yes"))
    low, dash, high = kind.partition("-")
    if not dash or not all(side.strip().isascii() and side.strip().isdecimal() for side in (low, high)):
        raise ScaleError(f"scale {spec!r}: write binary, binary:LABEL,LABEL, or LOW-HIGH such as 1-5 or 0-4 "
                         "(optionally :LABEL,LABEL,... one per point)")  # fmt: skip
    return Scale.ordinal(int(low), int(high), labels, pass_at)
