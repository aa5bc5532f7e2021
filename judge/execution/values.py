"""Representative values: one of every kind a comparison can tell apart, and the truth of one comparison.

A comparison of a value with constants splits the values into stretches that
it treats alike: for numbers each constant itself, each open stretch between two
neighbouring constants, and the two tails. One value from each stretch is all a
test database needs to tell apart any two comparisons against those constants
(``x >= 18`` and ``x > 17.9`` differ on 17.95 and nowhere else). Whole-number
quantities (counts) need the constant and its neighbours instead. Strings get
the constants and their near misses, booleans both values, and every kind gets
a missing value.

:func:`holds` is the semantics of one comparison, as ``compiler.py`` writes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from judge.audience.model import Compare, Duration, Literal_
from judge.execution.compiler import NOW, timestamp_of

__all__ = ["Stored", "Stretches", "count_values", "holds", "number_text", "stored_text"]

Stored = tuple[float | None, str | None, bool | None]
"""A stored value: its number, string and boolean slots, one of them filled. None is a missing value."""

JOINED = 6
"""Constants of one name whose joins are tried as values (36 joins)."""
EXACT = 2.0**53
"""Past this, doubles (the databases' numbers) no longer hold every whole number."""


@dataclass
class Stretches:
    """The constants compared with one name, and a representative of every stretch they make."""

    numbers: set[float]
    strings: set[str]
    moments: set[datetime]
    inexact: set[int | float]  # constants that a double cannot hold exactly, or cannot tell from a neighbour

    @classmethod
    def empty(cls) -> Stretches:
        return cls(set(), set(), set(), set())

    def add(self, node: Compare) -> None:
        right = node.right
        literals = right if isinstance(right, tuple) else (right,) if isinstance(right, Literal_) else ()
        for literal in literals:
            value = literal.value
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                if abs(value) >= EXACT:
                    self.inexact.add(value)
                self.numbers.add(float(value))
            elif node.op in ("before_date", "after_date"):
                moment = timestamp_of(value)
                if moment is not None:
                    self.moments.add(moment)
                self.strings.add(value)
            else:
                self.strings.add(value)
        if isinstance(right, Duration):
            span = timedelta(hours=right.hours)
            self.moments.update({NOW - span, NOW + span, NOW})

    def number_values(self) -> list[float]:
        """Every constant, a point strictly between each two neighbours, and one past each end."""
        points = sorted(self.numbers)
        if not points:
            return [0.0, 1.0]
        values = [points[0] - 1.0]
        for low, high in zip(points, points[1:], strict=False):
            values.append(low)
            middle = low + (high - low) / 2
            if low < middle < high:
                values.append(middle)
            else:  # two doubles with none between them
                self.inexact.add(low)
        values += [points[-1], points[-1] + 1.0 if abs(points[-1]) < EXACT else points[-1] * 1.5]
        return sorted(set(values))

    def neighbours(self, constant: float) -> list[float]:
        """The representatives on each side of ``constant`` and the constant itself."""
        values = self.number_values()
        if constant not in values:
            return values
        at = values.index(constant)
        return values[max(0, at - 1) : at + 2]

    def string_values(self) -> list[str]:
        near = (
            {s + "x" for s in self.strings}
            | {"x" + s for s in self.strings}
            | {"x" + s + "x" for s in self.strings}
        )
        near |= {s[:-1] for s in self.strings if len(s) > 1} | {s.upper() for s in self.strings}
        near |= {s + "y" for s in self.strings}
        pool = sorted(self.strings)[
            :JOINED
        ]  # joins of the constants: 'ba' tells contains('ab') from 'a' and 'b'
        near |= {a + b for a in pool for b in pool} | {a + "x" + b for a in pool for b in pool}
        return sorted(self.strings | near | {"other"})

    def moment_values(self) -> list[str]:
        """Moments as ISO strings: each one, one between each two, one past each end."""
        points = sorted(self.moments)
        if not points:
            return []
        values = {points[0] - timedelta(days=1), points[-1] + timedelta(days=1)}
        for low, high in zip(points, points[1:], strict=False):
            values.add(low + (high - low) / 2)
        values.update(points)
        return [v.isoformat(sep=sep) for v in sorted(values) for sep in ("T", " ")]

    def values(self) -> list[Stored | None]:
        """Every representative of every kind, and a missing value."""
        found: list[Stored | None] = [None, (None, None, True), (None, None, False)]
        found += [(n, None, None) for n in self.number_values()]
        found += [(None, s, None) for s in self.string_values() + self.moment_values()]
        return found


def count_values(constants: set[float], limit: int) -> tuple[list[int], list[float]]:
    """Whole-number quantities (counts): 0, each constant and its neighbours; and the constants past ``limit``."""
    values = {0}
    beyond = []
    for c in constants:
        if c > limit:
            beyond.append(c)
            continue
        low, high = math.floor(c), math.ceil(c)
        values.update(v for v in (low - 1, low, high, high + 1) if 0 <= v <= limit + 1)
    return sorted(values), beyond


def holds(node: Compare, value: Stored | None) -> bool:
    """Whether ``node`` (a value compared with literals) is true of ``value``; missing makes it false."""
    op, right = node.op, node.right
    if op == "exists":
        return value is not None
    if op == "absent":
        return value is None
    if op == "omits":
        assert isinstance(right, Literal_)
        return not _text_test("contains", value, right.value)
    if op in ("one_of", "contains"):
        assert isinstance(right, tuple)
        single = "=" if op == "one_of" else "contains"
        return any(_test(single, value, item.value) for item in right)
    if isinstance(right, Duration):
        moment = timestamp_of(value[1]) if value is not None and value[1] is not None else None
        if moment is None:
            return False
        span = timedelta(hours=right.hours)
        low, high = {"within_last": (NOW - span, NOW), "within_next": (NOW, NOW + span),
                     "before_last": (None, NOW - span), "after_next": (NOW + span, None)}[op]  # fmt: skip
        return (low is None or moment >= low) and (high is None or moment <= high)
    assert isinstance(right, Literal_), "only comparisons with literals have one truth per value"
    return _test(op, value, right.value)


def _test(op: str, value: Stored | None, constant: Any) -> bool:
    if value is None:
        return False
    if op in ("contains", "starts_with", "ends_with"):
        return _text_test(op, value, constant)
    if op in ("before_date", "after_date"):
        moment, bound = timestamp_of(value[1]) if value[1] is not None else None, timestamp_of(constant)
        if moment is None or bound is None:
            return False
        return moment < bound if op == "before_date" else moment > bound
    slot = 2 if isinstance(constant, bool) else 0 if isinstance(constant, (int, float)) else 1
    mine = value[slot]
    if mine is None:
        return False
    other: Any = float(constant) if slot == 0 else constant
    ours: Any = mine
    return {"=": ours == other, "!=": ours != other, ">": ours > other, ">=": ours >= other,
            "<": ours < other, "<=": ours <= other}[op]  # fmt: skip


def _text_test(op: str, value: Stored | None, constant: Any) -> bool:
    if value is None or value[1] is None or not isinstance(constant, str):
        return False
    text = value[1]
    return (
        constant in text
        if op == "contains"
        else text.startswith(constant)
        if op == "starts_with"
        else text.endswith(constant)
    )


def number_text(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < EXACT else repr(value)


def stored_text(value: Stored | None) -> str:
    if value is None:
        return "missing"
    number, text, flag = value
    if number is not None:
        return number_text(number)
    return repr(text) if text is not None else str(flag).lower()
