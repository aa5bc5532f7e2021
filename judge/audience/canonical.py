"""A canonical form: equal canonical forms mean the two definitions are equivalent.

The rewrites, each one true for every customer database:

- ``NOT`` is pushed inward (De Morgan; ``NOT ANY x`` is ``ALL NOT x``), double ``NOT`` removed;
- ``AND``/``OR`` are flattened, deduplicated and sorted;
- ``one_of(a, b)`` is ``= a OR = b``, ``contains(a, b)`` is ``contains(a) OR contains(b)``;
- ``omits(s)`` is ``NOT contains(s)`` and ``NOT exists()`` is ``absent()`` (the reference says so);
- a count is a whole number and never missing, so its comparisons become ``>= n`` or ``< n``
  (``> 0`` is ``>= 1``, ``= 0`` is ``< 1``) and a ``NOT`` in front of them flips the operator;
- durations of whole days are written in days (168 hours is 7 days);
- a literal on the left moves to the right (``100 <= x`` is ``x >= 100``), numbers like 100.0 are 100;
- the ``where`` filters of one event are merged into one, filters are sorted, and of several
  windows of the same kind only the narrowest matters.

Unequal canonical forms prove nothing: execution and the judges decide those.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel

from judge.audience.model import (
    COMPARISON_OPS,
    MAX_INTEGER,
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
    Filter,
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

__all__ = ["canonical", "equivalent", "sort_key"]

_NON_LITERAL = (Trait, Property, Context, Reduce)
_MIRROR = {"=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}
_FILTER_ORDER = {"where": 0, "within": 1, "between": 2, "sources": 3}


def canonical(definition: Definition) -> Definition:
    """The canonical form of a definition (a new, valid definition)."""
    root = definition.root
    new_root = _scalar(root) if isinstance(root, Reduce) else _condition(root, negate=False)
    return Definition(definition_type=definition.definition_type, root=new_root)


def equivalent(a: Definition, b: Definition) -> bool:
    """True when the canonical forms are equal (so the two always select the same members)."""
    return canonical(a) == canonical(b)


def sort_key(node: BaseModel) -> str:
    """A total order on nodes: their JSON with sorted keys."""
    return json.dumps(node.model_dump(mode="json", by_alias=True), sort_keys=True)


def _condition(node: Condition, negate: bool) -> Condition:
    if isinstance(node, Not):
        return _condition(node.child, not negate)
    if isinstance(node, (And, Or)):
        kind: type[And] | type[Or] = type(node)
        if negate:
            kind = Or if kind is And else And
        return _junction(kind, [_condition(c, negate) for c in node.children])
    if isinstance(node, (AnyOf, AllOf)):
        quantifier: type[AnyOf] | type[AllOf] = type(node)
        if negate:
            quantifier = AllOf if quantifier is AnyOf else AnyOf
        return quantifier(child=_condition(node.child, negate))
    return _compare(node, negate)


def _junction(kind: type[And] | type[Or], children: list[Condition]) -> Condition:
    flat: dict[str, Condition] = {}
    for child in children:
        for item in child.children if isinstance(child, kind) else (child,):
            flat.setdefault(sort_key(item), item)
    ordered = [flat[k] for k in sorted(flat)]
    return ordered[0] if len(ordered) == 1 else kind(children=tuple(ordered))


def _compare(node: Compare, negate: bool) -> Condition:
    op: Any = node.op
    left, right = _scalar(node.left), _right(node.right)
    if op in ("one_of", "contains") and isinstance(right, tuple):
        values = {sort_key(v): v for v in right}
        if op == "one_of" or len(values) > 1:
            single = "=" if op == "one_of" else "contains"
            parts = [
                Compare(op=single, left=left, right=v if single == "=" else (v,)) for v in values.values()
            ]
            return _condition(parts[0] if len(parts) == 1 else Or(children=tuple(parts)), negate)
        right = tuple(values.values())
    if op == "omits" and isinstance(right, Literal_):
        op, right, negate = "contains", (right,), not negate
    if op in COMPARISON_OPS and isinstance(right, (Literal_, *_NON_LITERAL)):
        left, op, right = _oriented(left, op, right)
    if _is_count(left) and op in COMPARISON_OPS and _is_number(right):
        assert isinstance(right, Literal_)
        rewritten = _count_comparison(op, right.value)  # type: ignore[arg-type]
        if rewritten is not None:
            op, threshold, flip = rewritten
            right, negate = Literal_(value=threshold), negate != flip
            if negate and op in (">=", "<"):
                op, negate = (">=" if op == "<" else "<"), False
    if op in ("exists", "absent") and negate:
        op, negate = ("absent" if op == "exists" else "exists"), False
    result = Compare(op=op, left=left, right=right)
    return Not(child=result) if negate else result


def _oriented(left: Scalar, op: str, right: Scalar) -> tuple[Scalar, str, Scalar]:
    """Literals go right; two non-literals in a fixed order (``a < b`` is ``b > a``)."""
    left_literal, right_literal = isinstance(left, Literal_), isinstance(right, Literal_)
    if (left_literal and not right_literal) or (
        not left_literal and not right_literal and sort_key(left) > sort_key(right)
    ):
        return right, _MIRROR[op], left
    return left, op, right


def _count_comparison(op: str, value: int | float) -> tuple[str, int, bool] | None:
    """A count compared with a number, as ``>= n`` or ``< n`` or ``= n`` (and whether negated).

    Exact arithmetic: ``value`` is never turned into a float, since past 2^53 that
    changes it and the form would change again on the next pass. None when the
    whole number it needs would be past what a literal holds (no count gets there).
    """
    if op in (">=", "<"):
        threshold = math.ceil(value)
    elif op in (">", "<="):
        threshold = math.floor(value) + 1
    else:
        negated = op == "!="
        if value != math.floor(value) or value < 0:
            return "<", 0, negated  # a count never equals this: `< 0`, always false
        if value == 0:
            return "<", 1, negated
        threshold = math.floor(value)
        return ("=", threshold, negated) if threshold <= MAX_INTEGER else None
    if threshold > MAX_INTEGER:
        return None
    return (">=" if op in (">=", ">") else "<"), max(0, threshold), False


def _is_count(node: Scalar) -> bool:
    return isinstance(node, Reduce) and node.fn == "count"


def _is_number(node: Any) -> bool:
    return (
        isinstance(node, Literal_)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def _right(right: Any) -> Any:
    if isinstance(right, tuple):
        return tuple(_literal(v) for v in right)
    if isinstance(right, Duration):
        return _duration(right)
    if right is None:
        return None
    return _scalar(right)


def _scalar(node: Scalar) -> Any:
    if isinstance(node, Literal_):
        return _literal(node)
    if isinstance(node, Reduce):
        return node.model_copy(update={"stream": _event(node.stream)})
    return node


def _literal(node: Literal_) -> Literal_:
    value = node.value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return Literal_(value=int(value))
    return node


def _duration(node: Duration) -> Duration:
    hours = node.hours
    if hours % 24 == 0:
        return Duration(amount=hours // 24, unit="days")
    return Duration(amount=hours, unit="hours")


def _event(node: Event) -> Event:
    conditions: list[Condition] = []
    windows: dict[bool, Within] = {}
    others: dict[str, Filter] = {}
    for item in node.filters:
        if isinstance(item, Where):
            conditions.append(_condition(item.condition, negate=False))
        elif isinstance(item, Within):
            duration = _duration(item.duration)
            window = Within(amount=duration.amount, unit=duration.unit, parent=item.parent)
            current = windows.get(item.parent)
            if current is None or duration.hours < current.duration.hours:
                windows[item.parent] = window
        elif isinstance(item, Between):
            between = Between(start=_duration(item.start), end=_duration(item.end))
            others.setdefault(sort_key(between), between)
        elif isinstance(item, Sources):
            sources = Sources(exclude=tuple(sorted(set(item.exclude))))
            others.setdefault(sort_key(sources), sources)
    filters: list[Filter] = []
    if conditions:
        filters.append(Where(condition=_junction(And, conditions)))
    filters.extend(windows[k] for k in sorted(windows))
    filters.extend(others.values())
    filters.sort(key=lambda f: (_FILTER_ORDER[f.type], sort_key(f)))
    return Event(name=node.name, filters=tuple(filters))
