"""A plain-Python evaluator of audience definitions over the builder's rows.

It is written from the semantics listed in ``judge/execution/compiler.py``'s
docstring, not from the SQL, so that the property test comparing the two can
catch a compiler that does something else. Values are ``(num, str, bool)``
triples; ``None`` is a missing slot.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from judge.audience.model import (
    AllOf,
    And,
    AnyOf,
    Between,
    Compare,
    Context,
    Definition,
    Duration,
    Event,
    Literal_,
    Not,
    Or,
    Property,
    Reduce,
    Trait,
    Where,
    Within,
)
from judge.execution.compiler import MOMENT, NOW

Value = tuple[float | None, str | None, bool | None]
MISSING: Value = (None, None, None)

_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}  # fmt: skip


@dataclass
class Rows:
    """The tables of one generated database, indexed for lookups."""

    accounts: list[int]
    users: dict[int, int]  # user -> account
    traits: dict[tuple[int, str, str], Value] = field(default_factory=dict)
    events: list[tuple[int, int, str, datetime, str | None]] = field(default_factory=list)
    attributes: dict[tuple[int, str, str], Value] = field(default_factory=dict)
    named: dict[tuple[int, str], list[tuple[int, int, str, datetime, str | None]]] = field(default_factory=dict)
    """Events by (user, name), in table order: only an index, so that big boundary databases stay quick."""

    @classmethod
    def of(cls, tables: dict[str, list[tuple[Any, ...]]]) -> Rows:
        rows = cls([a for (a,) in tables["accounts"]], dict(tables["users"]))
        for owner, level, name, *value in tables["traits"]:
            rows.traits[(owner, level, name)] = _value(value)
        rows.events = list(tables["events"])
        for e in rows.events:
            rows.named.setdefault((e[1], e[2]), []).append(e)
        for event_id, kind, name, *value in tables["props"]:
            rows.attributes[(event_id, kind, name)] = _value(value)
        return rows

    def members_of(self, account: int) -> list[int]:
        return [u for u, a in self.users.items() if a == account]


def _value(raw: list[Any]) -> Value:
    num, text, flag = raw
    return (None if num is None else float(num), text, flag)


@dataclass(frozen=True)
class Scope:
    level: str  # "user" or "account"
    owner: int
    events: tuple[tuple[int, int, str, datetime, str | None], ...] = ()


def evaluate(definition: Definition, rows: Rows) -> dict[int, str | None] | set[int]:
    """Members (a set of ids), or for a computed trait each id's value as text."""
    accounts = definition.definition_type == "ACCOUNTS"
    ids = rows.accounts if accounts else sorted(rows.users)
    level = "account" if accounts else "user"
    root = definition.root
    if isinstance(root, Reduce):
        out: dict[int, str | None] = {}
        for i in ids:
            scope = Scope(level, i)
            if root.fn == "unique":
                texts = {t for e in _stream(root.stream, scope, rows)
                         if (t := text_of(_attribute(rows, e, "property", root.property or ""))) is not None}  # fmt: skip
                out[i] = "|".join(sorted(texts)) if texts else None
            else:
                out[i] = text_of(_reduce(root, scope, rows))
        return out
    return {i for i in ids if _holds(root, Scope(level, i), rows)}


# ---- conditions ----


def _holds(node: Any, scope: Scope, rows: Rows) -> bool:
    if isinstance(node, And):
        return all(_holds(c, scope, rows) for c in node.children)
    if isinstance(node, Or):
        return any(_holds(c, scope, rows) for c in node.children)
    if isinstance(node, Not):
        return not _holds(node.child, scope, rows)
    if isinstance(node, (AnyOf, AllOf)):
        users = rows.members_of(scope.owner)
        results = (_holds(node.child, Scope("user", u), rows) for u in users)
        return any(results) if isinstance(node, AnyOf) else all(results)
    return _compare(node, scope, rows) is True


def _compare(node: Compare, scope: Scope, rows: Rows) -> bool | None:
    """True, False, or None when a value is missing (a comparison that is not true)."""
    op, right = node.op, node.right
    left = _scalar(node.left, scope, rows)
    if op == "exists":
        return left != MISSING
    if op == "absent":
        return left == MISSING
    if op in ("one_of", "contains"):
        assert isinstance(right, tuple)
        return any(_binary("=" if op == "one_of" else "contains", left, v, scope, rows) is True for v in right)
    if op == "omits":
        return _binary("contains", left, right, scope, rows) is not True
    if isinstance(right, Duration):
        moment = timestamp_of(left[1])
        if moment is None:
            return None
        span = timedelta(hours=right.hours)
        return {
            "within_last": NOW - span <= moment <= NOW, "within_next": NOW <= moment <= NOW + span,
            "before_last": moment <= NOW - span, "after_next": moment >= NOW + span,
        }[op]  # fmt: skip
    return _binary(op, left, right, scope, rows)


def _binary(op: str, left: Value, right: Any, scope: Scope, rows: Rows) -> bool | None:
    if op in ("before_date", "after_date"):
        moment = timestamp_of(left[1])
        if isinstance(right, Literal_):
            other = _literal_moment(right.value)
        else:
            other = timestamp_of(_scalar(right, scope, rows)[1])
        if moment is None or other is None:
            return None
        return moment < other if op == "before_date" else moment > other
    if op in ("contains", "starts_with", "ends_with"):  # strings only
        a = left[1]
        b = (right.value if isinstance(right.value, str) else None) if isinstance(right, Literal_) else (
            _scalar(right, scope, rows)[1]
        )  # fmt: skip
        return None if a is None or b is None else _apply(op, a, b)
    if isinstance(right, Literal_):
        slot = _slot(right.value)
        a, b = left[slot], _as_stored(right.value)
        return None if a is None else _apply(op, a, b)
    other = _scalar(right, scope, rows)
    for a, b in zip(left, other, strict=True):  # the first slot both have
        if a is not None and b is not None:
            return _apply(op, a, b)
    return None


def _apply(op: str, a: Any, b: Any) -> bool:
    if op == "contains":
        return bool(b in a)
    if op == "starts_with":
        return bool(a.startswith(b))
    if op == "ends_with":
        return bool(a.endswith(b))
    return {"=": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def _as_stored(value: Any) -> Any:
    """Numbers are doubles, in the tables and in the query: a whole number past 2^53 is rounded."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _slot(value: object) -> int:
    return 2 if isinstance(value, bool) else 0 if isinstance(value, (int, float)) else 1


# ---- scalars ----


def _scalar(node: Any, scope: Scope, rows: Rows) -> Value:
    if isinstance(node, Literal_):
        value: list[Any] = [None, None, None]
        value[_slot(node.value)] = _as_stored(node.value)
        return (value[0], value[1], value[2])
    if isinstance(node, Trait):
        return rows.traits.get((scope.owner, scope.level, node.name), MISSING)
    if isinstance(node, Property):
        event = scope.events[-2] if node.parent else scope.events[-1]
        return _attribute(rows, event, "property", node.name)
    if isinstance(node, Context):
        return _attribute(rows, scope.events[-1], "context", node.name)
    return _reduce(node, scope, rows)


def _attribute(rows: Rows, event: tuple[Any, ...], kind: str, name: str) -> Value:
    return rows.attributes.get((event[0], kind, name), MISSING)


def _reduce(node: Reduce, scope: Scope, rows: Rows) -> Value:
    stream = _stream(node.stream, scope, rows)
    fn = node.fn
    if fn == "count":
        if node.property is None:
            return (float(len(stream)), None, None)
        texts = {text_of(_attribute(rows, e, "property", node.property)) for e in stream} - {None}
        return (float(len(texts)), None, None)
    values = [(e, _attribute(rows, e, "property", node.property or "")) for e in stream]
    numbers = [v[0] for _, v in values if v[0] is not None]
    if fn == "sum":
        return (float(sum(numbers)), None, None)
    if fn == "avg":
        return (sum(numbers) / len(numbers) if numbers else None, None, None)
    if fn in ("min", "max"):
        slot = 1 if node.as_ == "string" else 0
        seen = [v[slot] for _, v in values if v[slot] is not None]
        pick = (min if fn == "min" else max)(seen) if seen else None
        return (None, pick, None) if slot == 1 else (pick, None, None)
    if fn in ("first", "last"):
        present = sorted(((e[3], e[0]), v) for e, v in values if v != MISSING)
        if not present:
            return MISSING
        return present[0][1] if fn == "first" else present[-1][1]
    if fn == "mode":
        counts = Counter(t for _, v in values if (t := text_of(v)) is not None)
        frequent = [(-c, t) for t, c in counts.items() if c >= (node.min_frequency or 1)]
        if not frequent:
            return MISSING
        best = min(frequent)[1]
        return (number_of(best), best, None)
    raise AssertionError(f"no single value for {fn}")


def _stream(event: Event, scope: Scope, rows: Rows) -> list[tuple[Any, ...]]:
    if scope.events:
        owners = {scope.events[-1][1]}
    elif scope.level == "account":
        owners = set(rows.members_of(scope.owner))
    else:
        owners = {scope.owner}
    chosen = []
    mine = [e for owner in owners for e in rows.named.get((owner, event.name), [])]
    for e in sorted(mine, key=lambda e: e[0]) if len(owners) > 1 else mine:  # table order is id order
        inner = Scope(scope.level, scope.owner, (*scope.events, e))
        if all(_passes(item, e, inner, scope, rows) for item in event.filters):
            chosen.append(e)
    return chosen


def _passes(item: Any, e: tuple[Any, ...], inner: Scope, outer: Scope, rows: Rows) -> bool:
    ts = e[3]
    if isinstance(item, Where):
        return _holds(item.condition, inner, rows)
    if isinstance(item, Within):
        span = timedelta(hours=item.duration.hours)
        if item.parent:
            parent = outer.events[-1][3]
            return parent <= ts <= parent + span
        return NOW - span <= ts <= NOW
    if isinstance(item, Between):
        near, far = sorted((item.start.hours, item.end.hours))
        return NOW - timedelta(hours=far) <= ts <= NOW - timedelta(hours=near)
    return e[4] is None or e[4] not in item.exclude


# ---- text, numbers and moments, as the documented casts do them ----


def text_of(value: Value) -> str | None:
    """The value as text: the string, else the number, else the boolean."""
    num, text, flag = value
    if text is not None:
        return text
    if num is not None:
        return float_text(num)
    if flag is not None:
        return "true" if flag else "false"
    return None


def float_text(number: float) -> str:
    """The shortest text that reads back as ``number`` (``1.0``, ``0.1``, ``1e+20``)."""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number)}.0" if number or math.copysign(1, number) > 0 else "-0.0"
    return repr(number)


def number_of(text: str) -> float | None:
    if _NUMBER.fullmatch(text):
        return float(text)
    return _SPECIAL.get(text.strip().lower())


def timestamp_of(text: str | None) -> datetime | None:
    """A moment is what the language's definition of one says (``MOMENT``: a date, optionally a time and an
    offset); Python alone reads more (week dates, 2000-01-01T00), which is not a moment."""
    if text is None or not re.fullmatch(MOMENT, text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _literal_moment(value: object) -> datetime | None:
    return timestamp_of(value) if isinstance(value, str) else None

