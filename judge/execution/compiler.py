"""AST -> one DuckDB query over the customer-data schema (see ``schema.py``), at a fixed "now".

Semantics (the reference evaluator in the tests implements the same, in plain Python):

- A value has three typed slots: number (a double), string, boolean; a stored value fills one.
  Whole-number literals are read as doubles too, so past 2^53 neighbours are one number (the
  boundary builder says so instead of calling such a pair equivalent). A comparison with a literal uses the literal's slot; two non-literals compare
  the first slot both have (number, then string, then boolean).
- ``contains``/``omits``/``starts_with``/``ends_with`` read the string slot of both sides only:
  a number never contains anything, and a non-string literal matches nothing.
- A missing value makes a comparison false, ``!=`` included; ``NOT`` of a false
  comparison is true. ``omits(s)`` is ``NOT contains(s)``; ``absent()`` is ``NOT exists()``.
- ``count()`` of nothing is 0 and ``sum`` of nothing is 0; ``avg``/``min``/``max``/``first``/
  ``last``/``mode`` of nothing are missing. ``first``/``last`` take the earliest/latest event
  that has the property (ties by event id); ``mode`` the most frequent value seen at
  least ``min_frequency`` times (ties: the smallest, compared as text).
- ``within(N)``: now - N <= ts <= now; ``within(parent: N)``: parent.ts <= ts <= parent.ts + N;
  ``between(A, B)``: now - max(A, B) <= ts <= now - min(A, B); ``sources(exclude:)`` keeps
  events without a source.
- In an ``ACCOUNTS`` definition, ``trait()`` outside ``ANY``/``ALL`` is an account trait and an
  event stream is that of all the account's users; ``ANY (c)``: some user of the account
  satisfies ``c``; ``ALL (c)``: no user fails it (true for an account without users).

Names and values reach SQL only as named parameters.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from judge.audience.model import (
    COMPARISON_OPS,
    AllOf,
    And,
    AnyOf,
    Between,
    Compare,
    Condition,
    Context,
    Definition,
    Duration,
    Event,
    Literal_,
    Not,
    Or,
    Property,
    Reduce,
    Scalar,
    Sources,
    Trait,
    Where,
    Within,
)

__all__ = ["NOW", "Compiled", "compile_definition", "compile_variants", "timestamp_of"]

NOW = datetime(2026, 1, 1, 12, 0, 0)
"""The fixed moment every definition is evaluated at."""

SLOTS = ("num", "str", "bool")
TEXT_OPS = frozenset({"contains", "starts_with", "ends_with"})
"""Operations that read only the string slot of both sides (``omits`` is ``NOT contains``)."""


@dataclass(frozen=True)
class Value:
    """SQL expressions for each typed slot of a value; None where the value can never have it."""

    num: builtins.str | None = None
    str: builtins.str | None = None
    bool: builtins.str | None = None

    def slot(self, name: builtins.str) -> builtins.str | None:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass
class Compiled:
    sql: str
    params: dict[str, Any]


@dataclass
class _Scope:
    """Where an expression stands: whose data it reads, and the enclosing events."""

    level: str  # "user" or "account"
    owner: str  # SQL for the user id (or account id)
    events: tuple[str, ...] = ()  # aliases of enclosing events, innermost last


@dataclass
class _Compiler:
    params: dict[str, Any] = field(default_factory=dict)
    aliases: int = 0
    fixed: dict[int, bool] = field(default_factory=dict)  # id() of a condition node -> the value it is given

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def alias(self, prefix: str) -> str:
        self.aliases += 1
        return f"{prefix}{self.aliases}"

    # ---- conditions ----

    def condition(self, node: Condition, scope: _Scope) -> str:
        if id(node) in self.fixed:
            return "true" if self.fixed[id(node)] else "false"
        if isinstance(node, (And, Or)):
            word = " AND " if isinstance(node, And) else " OR "
            return "(" + word.join(self.condition(c, scope) for c in node.children) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.condition(node.child, scope)})"
        if isinstance(node, (AnyOf, AllOf)):
            user = self.alias("u")
            inner = self.condition(node.child, _Scope("user", f"{user}.user_id"))
            members = f"SELECT 1 FROM users {user} WHERE {user}.account_id = {scope.owner}"
            if isinstance(node, AnyOf):
                return f"EXISTS ({members} AND {inner})"
            return f"(NOT EXISTS ({members} AND NOT {inner}))"
        return f"coalesce({self.compare(node, scope)}, false)"

    def compare(self, node: Compare, scope: _Scope) -> str:
        op, right = node.op, node.right
        left = self.scalar(node.left, scope)
        if op in ("exists", "absent"):
            present = " OR ".join(f"{s} IS NOT NULL" for s in _slots(left)) or "false"
            return f"({present})" if op == "exists" else f"(NOT ({present}))"
        if op in ("one_of", "contains"):
            assert isinstance(right, tuple)
            parts = [self._binary("=" if op == "one_of" else "contains", left, v, scope) for v in right]
            return "(" + " OR ".join(parts) + ")"
        if op == "omits":
            assert right is not None and not isinstance(right, (tuple, Duration))
            return f"(NOT coalesce({self._binary('contains', left, right, scope)}, false))"
        if isinstance(right, Duration):
            moment = moment_sql(left.str or "NULL")
            span = timedelta(hours=right.hours)
            bounds = {
                "within_last": (NOW - span, NOW), "within_next": (NOW, NOW + span),
                "before_last": (None, NOW - span), "after_next": (NOW + span, None),
            }[op]  # fmt: skip
            tests = [f"{moment} >= {self.param(bounds[0])}" if bounds[0] else None,
                     f"{moment} <= {self.param(bounds[1])}" if bounds[1] else None]  # fmt: skip
            return "(" + " AND ".join(t for t in tests if t) + ")"
        assert right is not None and not isinstance(right, tuple)
        return self._binary(op, left, right, scope)

    def _binary(self, op: str, left: Value, right: Scalar, scope: _Scope) -> str:
        if op in ("before_date", "after_date"):
            moment = moment_sql(left.str or "NULL")
            other = (
                self.param(timestamp_of(right.value)) if isinstance(right, Literal_) else
                moment_sql(self.scalar(right, scope).str or "NULL")
            )  # fmt: skip
            return f"({moment} {'<' if op == 'before_date' else '>'} {other})"
        if op in TEXT_OPS:  # on strings only
            text = self.scalar(right, scope).str if not isinstance(right, Literal_) else (
                self.param(right.value) if isinstance(right.value, str) else None
            )  # fmt: skip
            pairs: list[tuple[str | None, str | None]] = [(left.str, text)]
        elif isinstance(right, Literal_):
            slot = _slot_of(right.value)
            pairs = [(left.slot(slot), self.param(_stored(right.value)))]
        else:
            value = self.scalar(right, scope)
            pairs = [(left.slot(s), value.slot(s)) for s in SLOTS]
        tests = [_apply(op, a, b) for a, b in pairs if a is not None and b is not None]
        if not tests:
            return "NULL"
        return tests[0] if len(tests) == 1 else f"coalesce({', '.join(tests)})"

    # ---- scalars ----

    def scalar(self, node: Scalar, scope: _Scope) -> Value:
        if isinstance(node, Literal_):
            slot = _slot_of(node.value)
            return Value(**{slot: self.param(_stored(node.value))})
        if isinstance(node, Trait):
            level = "account" if scope.level == "account" else "user"
            where = f"FROM traits WHERE owner = {scope.owner} AND level = '{level}' AND name = {self.param(node.name)}"
            return Value(*(f"(SELECT {s} {where})" for s in SLOTS))
        if isinstance(node, (Property, Context)):
            event = scope.events[-2] if isinstance(node, Property) and node.parent else scope.events[-1]
            kind = "property" if isinstance(node, Property) else "context"
            return self._attribute(event, kind, node.name)
        return self.reduce(node, scope)

    def _attribute(self, event: str, kind: str, name: str) -> Value:
        where = (
            f"FROM props WHERE event_id = {event}.event_id AND kind = '{kind}' AND name = {self.param(name)}"
        )
        return Value(*(f"(SELECT {s} {where})" for s in SLOTS))

    def reduce(self, node: Reduce, scope: _Scope) -> Value:
        alias = self.alias("e")
        stream = self._stream(node.stream, alias, scope)
        fn = node.fn
        if fn == "count":
            if node.property is None:
                return Value(num=f"(SELECT count(*) {stream})")
            text = _as_text(self._attribute(alias, "property", node.property))
            return Value(num=f"(SELECT count(DISTINCT {text}) {stream})")
        prop = self._attribute(alias, "property", node.property or "")
        if fn == "sum":
            return Value(num=f"(SELECT coalesce(sum({prop.num}), 0) {stream})")
        if fn == "avg":
            return Value(num=f"(SELECT avg({prop.num}) {stream})")
        if fn in ("min", "max"):
            slot = "str" if node.as_ == "string" else "num"
            return Value(**{slot: f"(SELECT {fn}({prop.slot(slot)}) {stream})"})
        if fn in ("first", "last"):
            order = "ASC" if fn == "first" else "DESC"
            has = " OR ".join(f"{s} IS NOT NULL" for s in _slots(prop))
            pick = f"{stream} AND ({has}) ORDER BY {alias}.ts {order}, {alias}.event_id {order} LIMIT 1"
            return Value(*(f"(SELECT {prop.slot(s)} {pick})" for s in SLOTS))
        if fn == "mode":
            text = _as_text(prop)
            ranked = (
                f"(SELECT v FROM (SELECT {text} AS v, count(*) AS c {stream} AND {text} IS NOT NULL GROUP BY v) "
                f"WHERE c >= {self.param(node.min_frequency)} ORDER BY c DESC, v ASC LIMIT 1)"
            )
            return Value(num=f"TRY_CAST({ranked} AS DOUBLE)", str=ranked)
        raise ValueError(f"unique() has no single value; only unique(...).count() does (at {fn})")

    def _stream(self, event: Event, alias: str, scope: _Scope) -> str:
        if scope.level == "account" and not scope.events:
            owner = f"{alias}.user_id IN (SELECT user_id FROM users WHERE account_id = {scope.owner})"
        else:
            owner = f"{alias}.user_id = {scope.events[-1] + '.user_id' if scope.events else scope.owner}"
        tests = [owner, f"{alias}.name = {self.param(event.name)}"]
        inner = _Scope(scope.level, scope.owner, (*scope.events, alias))
        for item in event.filters:
            tests.append(self._filter(item, alias, inner, scope))
        return f"FROM events {alias} WHERE " + " AND ".join(tests)

    def _filter(
        self, item: Where | Within | Between | Sources, alias: str, inner: _Scope, outer: _Scope
    ) -> str:
        if isinstance(item, Where):
            return self.condition(item.condition, inner)
        if isinstance(item, Within):
            hours = item.duration.hours
            if item.parent:
                parent = outer.events[-1]
                return f"({alias}.ts >= {parent}.ts AND {alias}.ts <= {parent}.ts + to_hours({self.param(hours)}))"
            return f"({alias}.ts >= {self.param(NOW - timedelta(hours=hours))} AND {alias}.ts <= {self.param(NOW)})"
        if isinstance(item, Between):
            near, far = sorted((item.start.hours, item.end.hours))
            return (
                f"({alias}.ts >= {self.param(NOW - timedelta(hours=far))} "
                f"AND {alias}.ts <= {self.param(NOW - timedelta(hours=near))})"
            )
        return f"coalesce({alias}.source NOT IN (SELECT unnest({self.param(list(item.exclude))})), true)"


def _slots(value: Value) -> list[str]:
    return [s for s in (value.num, value.str, value.bool) if s is not None]


def _as_text(value: Value) -> str:
    parts = [value.str, f"CAST({value.num} AS VARCHAR)" if value.num else None,
             f"CAST({value.bool} AS VARCHAR)" if value.bool else None]  # fmt: skip
    return f"coalesce({', '.join(p for p in parts if p)})"


def _stored(value: Any) -> Any:
    """A literal as the number slot holds it: whole numbers as doubles, as the tables store them.

    (DuckDB would otherwise read a whole number past 64 bits as a type it cannot compare.)"""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _slot_of(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    return "num" if isinstance(value, (int, float)) else "str"


def _apply(op: str, a: str, b: str) -> str:
    if op == "contains":
        return f"contains({a}, {b})"
    if op == "starts_with":
        return f"starts_with({a}, {b})"
    if op == "ends_with":
        return f"suffix({a}, {b})"
    assert op in COMPARISON_OPS, op
    return f"({a} {op} {b})"


MOMENT = (r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}"
          r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?")
"""What a moment is, written out: a date (YYYY-MM-DD), optionally a time (HH:MM, HH:MM:SS, with up to six
decimals) and an offset (Z or +HH:MM). The queries (DuckDB's cast) and Python read exactly these strings, and
the same way; anything else (2000-1-1, 24:00, a single-digit second, a week date) is not a moment."""
_MOMENT = re.compile(MOMENT)


def moment_sql(text: str) -> str:
    """SQL reading ``text`` (an SQL expression) as a moment in UTC, or NULL when it is not one."""
    # with an offset: the instant, in UTC; without one: the wall time as written (never the machine's zone)
    # (an offset that moves it before year 1 or past 9999 makes it no moment, as in Python)
    utc = f"(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    return (f"(CASE WHEN regexp_full_match({text}, '{MOMENT}') THEN CASE WHEN regexp_matches({text}, "
            f"'(Z|[+-][0-9]{{2}}:[0-9]{{2}})$') THEN CASE WHEN year({utc}) BETWEEN 1 AND 9999 THEN {utc} END "
            f"ELSE TRY_CAST({text} AS TIMESTAMP) END END)")  # fmt: skip


def timestamp_of(value: object) -> datetime | None:
    """A literal or stored string read as a moment, as the queries read it (None when it is not one)."""
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # an offset that moves it past year 1 or 9999
        return None
    return moment


def compile_definition(definition: Definition) -> Compiled:
    """One query returning ``id`` (users, or accounts for ``ACCOUNTS``), and ``value`` for a computed trait."""
    compiler = _Compiler()
    accounts = definition.definition_type == "ACCOUNTS"
    table, alias, key = ("accounts", "a", "account_id") if accounts else ("users", "u", "user_id")
    scope = _Scope("account" if accounts else "user", f"{alias}.{key}")
    root = definition.root
    if isinstance(root, Reduce):
        if root.fn == "unique":
            alias_e = "eu"
            stream = compiler._stream(root.stream, alias_e, scope)
            text = _as_text(compiler._attribute(alias_e, "property", root.property or ""))
            distinct = f"SELECT DISTINCT {text} AS v {stream} AND {text} IS NOT NULL"
            value = f"(SELECT string_agg(v, '|' ORDER BY v) FROM ({distinct}))"
        else:
            reduced = compiler.reduce(root, scope)
            value = _as_text(reduced)
        sql = f"SELECT {alias}.{key} AS id, {value} AS value FROM {table} {alias} ORDER BY id"
    else:
        condition = compiler.condition(root, scope)
        sql = f"SELECT {alias}.{key} AS id FROM {table} {alias} WHERE {condition} ORDER BY id"
    return _used(compiler, sql)


def compile_variants(definition: Definition, variants: list[dict[int, bool]]) -> Compiled:
    """One query: ``id`` and, for each variant, whether the member is in with those conditions fixed.

    A variant maps ``id()`` of condition nodes of ``definition`` to the value they are given
    (True or False) in place of their own test; the boundary databases use it to check that a
    comparison decides membership for the users built to probe it."""
    assert definition.is_audience, "only an audience has members"
    compiler = _Compiler()
    accounts = definition.definition_type == "ACCOUNTS"
    table, alias, key = ("accounts", "a", "account_id") if accounts else ("users", "u", "user_id")
    scope = _Scope("account" if accounts else "user", f"{alias}.{key}")
    columns = []
    for index, fixed in enumerate(variants):
        compiler.fixed = fixed
        columns.append(f"{compiler.condition(definition.root, scope)} AS v{index}")  # type: ignore[arg-type]
    sql = f"SELECT {alias}.{key} AS id, {', '.join(columns) or 'true'} FROM {table} {alias} ORDER BY id"
    return _used(compiler, sql)


def _used(compiler: _Compiler, sql: str) -> Compiled:
    used = set(re.findall(r"\$(p\d+)\b", sql))  # a value may have been given a parameter it never used
    return Compiled(sql, {name: value for name, value in compiler.params.items() if name in used})
