"""A structural diff of two definitions: what the second adds, removes or changes.

Children of ``AND``/``OR`` are matched regardless of order (equal ones first,
then the most similar), so reordering is not reported as a change; filters of
an event are matched by kind. Each change names the JSON path on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from judge.audience.model import (
    AllOf,
    And,
    AnyOf,
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
    Trait,
    Where,
)
from judge.audience.printer import compare_text, condition_text, event_text, filter_text, scalar_text

__all__ = ["Change", "diff"]

MIN_SIMILARITY = 0.5
"""Two unequal conditions this similar (0-1, by their text) are reported as one changed condition."""


@dataclass(frozen=True)
class Change:
    """One difference. ``path_a``/``path_b`` are ``None`` on the side where the part is absent."""

    kind: Literal["added", "removed", "changed"]
    what: str
    before: str | None
    after: str | None
    path_a: str | None
    path_b: str | None
    category: str = "definition"
    """The kind of difference, from ``judge.rubric.DIFFERENCE_KINDS`` (the rubric scores each kind)."""

    def __str__(self) -> str:
        if self.kind == "added":
            return f"added {self.what}: {self.after}"
        if self.kind == "removed":
            return f"removed {self.what}: {self.before}"
        return f"changed {self.what}: {self.before} -> {self.after}"

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind, "what": self.what, "before": self.before, "after": self.after,
            "path_a": self.path_a, "path_b": self.path_b, "summary": str(self), "category": self.category,
        }  # fmt: skip


def diff(a: Definition, b: Definition) -> list[Change]:
    """What turns ``a`` (say, the ground truth) into ``b`` (the generated definition)."""
    changes: list[Change] = []
    if a.definition_type != b.definition_type:
        changes.append(
            Change("changed", "definition type", a.definition_type, b.definition_type, "$", "$", "definition")
        )
    ra, rb = a.root, b.root
    if isinstance(ra, Reduce) and isinstance(rb, Reduce):
        changes += _scalar(ra, rb, "$.root", "$.root")
    elif isinstance(ra, Reduce) or isinstance(rb, Reduce):
        changes.append(
            Change("changed", "definition", _text(ra), _text(rb), "$.root", "$.root", "definition")
        )
    else:
        changes += _condition(ra, rb, "$.root", "$.root")
    return changes


def _text(node: Condition | Reduce) -> str:
    return scalar_text(node) if isinstance(node, Reduce) else condition_text(node)


def _condition(x: Condition, y: Condition, pa: str, pb: str) -> list[Change]:
    if x == y:
        return []
    if isinstance(y, (And, Or)) and x in _flat(y):  # the whole of x is one part of y: conditions added
        return _children((x,), _flat(y), pa, f"{pb}.children", whole_a=True)
    if isinstance(x, (And, Or)) and y in _flat(x):  # y is one part of x: conditions removed
        return _children(_flat(x), (y,), f"{pa}.children", pb, whole_b=True)
    if isinstance(x, (And, Or)) and isinstance(y, (And, Or)):
        changes = []
        if type(x) is not type(y):
            changes.append(Change("changed", "junction", x.type.upper(), y.type.upper(), pa, pb, "junction"))
        return changes + _children(_flat(x), _flat(y), f"{pa}.children", f"{pb}.children")
    if isinstance(x, (Not, AnyOf, AllOf)) and type(x) is type(y):
        return _condition(x.child, y.child, f"{pa}.child", f"{pb}.child")  # type: ignore[union-attr]
    if isinstance(y, (Not, AnyOf, AllOf)) and y.child == x:
        return [Change("added", y.type.upper(), None, condition_text(y), None, pb, _wrapper(y))]
    if isinstance(x, (Not, AnyOf, AllOf)) and x.child == y:
        return [Change("removed", x.type.upper(), condition_text(x), None, pa, None, _wrapper(x))]
    if isinstance(x, (AnyOf, AllOf)) and isinstance(y, (AnyOf, AllOf)):
        return [Change("changed", "quantifier", x.type.upper(), y.type.upper(), pa, pb, "quantifier"),
                *_condition(x.child, y.child, f"{pa}.child", f"{pb}.child")]  # fmt: skip
    if isinstance(x, (And, Or)) and _similar_to_one(x.children, y):  # a junction lost all but one child
        return _children(x.children, (y,), f"{pa}.children", pb, whole_b=True)
    if isinstance(y, (And, Or)) and _similar_to_one(y.children, x):  # one condition became a junction
        return _children((x,), y.children, pa, f"{pb}.children", whole_a=True)
    if isinstance(x, Compare) and isinstance(y, Compare):
        return _compare(_literal_right(x), _literal_right(y), pa, pb)
    negated = _negated_compare(x, y) or _negated_compare(y, x)
    if negated:  # NOT x = v against x != v: they part where the value is missing
        return [Change("changed", f"operator of {compare_text(y) if isinstance(y, Compare) else condition_text(y)}",
                       negated[0], negated[1], f"{pa}.op", f"{pb}.op", "operator")] if negated[2] is x else [
                Change("changed", f"operator of {compare_text(y) if isinstance(y, Compare) else condition_text(y)}",
                       negated[1], negated[0], f"{pa}.op", f"{pb}.op", "operator")]  # fmt: skip
    return [Change("changed", "condition", condition_text(x), condition_text(y), pa, pb,
                   "definition" if pa == "$.root" else "condition")]  # fmt: skip


_MIRROR = {"=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}


def _literal_right(node: Compare) -> Compare:
    """``5 < x`` as ``x > 5``: a literal written first is not a change of operator."""
    if (
        isinstance(node.left, Literal_)
        and node.op in _MIRROR
        and not isinstance(node.right, (Literal_, tuple))
    ):
        return node.model_copy(update={"left": node.right, "right": node.left, "op": _MIRROR[node.op]})
    return node


def _negated_compare(x: Condition, y: Condition) -> tuple[str, str, Condition] | None:
    """(``NOT op``, the other's op, x) when ``x`` is NOT of a comparison of the same value as ``y``."""
    if (
        isinstance(x, Not)
        and isinstance(x.child, Compare)
        and isinstance(y, Compare)
        and x.child.left == y.left
    ) and x.child.right == y.right:
        return f"NOT {x.child.op}", y.op, x
    return None


def _flat(node: And | Or) -> tuple[Condition, ...]:
    """Children, with those of a nested junction of the same kind (``(a AND b) AND c`` is ``a AND b AND c``)."""
    found: list[Condition] = []
    for child in node.children:
        found.extend(_flat(child) if type(child) is type(node) else (child,))  # type: ignore[arg-type]
    return tuple(found)


def _wrapper(node: Not | AnyOf | AllOf) -> str:
    return "negation" if isinstance(node, Not) else "quantifier"


def _similar_to_one(children: tuple[Condition, ...], other: Condition) -> bool:
    return any(c == other or _similarity(c, other) >= MIN_SIMILARITY for c in children)


def _children(
    xs: tuple[Condition, ...],
    ys: tuple[Condition, ...],
    pa: str,
    pb: str,
    whole_a: bool = False,
    whole_b: bool = False,
) -> list[Change]:
    """Children matched regardless of order; ``whole_a``/``whole_b``: that side is one condition at its path."""
    left = dict(enumerate(xs))
    right = dict(enumerate(ys))
    pairs: list[tuple[int, int]] = []
    for i, x in list(left.items()):
        j = next((j for j, y in right.items() if y == x), None)
        if j is not None:
            del left[i], right[j]
    scored = sorted(
        ((_similarity(x, y), i, j) for i, x in left.items() for j, y in right.items()), reverse=True
    )
    for score, i, j in scored:
        if score >= MIN_SIMILARITY and i in left and j in right:
            pairs.append((i, j))
            del left[i], right[j]

    def at_a(i: int) -> str:
        return pa if whole_a else f"{pa}[{i}]"

    def at_b(j: int) -> str:
        return pb if whole_b else f"{pb}[{j}]"

    changes: list[Change] = []
    for i, j in sorted(pairs):
        changes += _condition(xs[i], ys[j], at_a(i), at_b(j))
    changes += [
        Change("removed", "condition", condition_text(x), None, at_a(i), None, "condition")
        for i, x in left.items()
    ]
    changes += [
        Change("added", "condition", None, condition_text(y), None, at_b(j), "condition")
        for j, y in right.items()
    ]
    return changes


def _similarity(x: Condition, y: Condition) -> float:
    return SequenceMatcher(None, condition_text(x), condition_text(y), autojunk=False).ratio()


def _compare(x: Compare, y: Compare, pa: str, pb: str) -> list[Change]:
    changes: list[Change] = []
    if x.op != y.op:
        changes.append(Change("changed", f"operator of {compare_text(y)}", x.op, y.op, f"{pa}.op", f"{pb}.op",
                              _operator_kind(x.op, y.op)))  # fmt: skip
    changes += _scalar(x.left, y.left, f"{pa}.left", f"{pb}.left")
    if x.right != y.right:
        before, after = _right_text(x), _right_text(y)
        literals = isinstance(x.right, Literal_) and isinstance(y.right, Literal_)
        numbers = literals and all(
            isinstance(v, (int, float)) and not isinstance(v, bool)
            for v in (x.right.value, y.right.value)  # type: ignore[union-attr]
        )
        kind = (
            "threshold"
            if numbers or isinstance(x.right, Duration) and isinstance(y.right, Duration)
            else "value"
        )
        what = "value" if literals else "compared value"
        changes.append(Change("changed", f"{what} of {compare_text(y)}", before, after, f"{pa}.right", f"{pb}.right",
                              kind))  # fmt: skip
    return changes


_STRICTER = ({">", ">="}, {"<", "<="})
_TURNED = ({">=", "<"}, {">", "<="}, {">", "<"}, {">=", "<="}, {"=", "!="}, {"exists", "absent"},
           {"contains", "omits"}, {"before_date", "after_date"}, {"within_last", "before_last"},
           {"within_next", "after_next"})  # fmt: skip


def _operator_kind(a: str, b: str) -> str:
    pair = {a, b}
    if pair in _STRICTER:
        return "strictness"
    if pair in _TURNED:
        return "direction"
    return "operator"


def _right_text(node: Compare) -> str:
    right = node.right
    if right is None:
        return "nothing"
    if isinstance(right, tuple):
        return ", ".join(scalar_text(v) for v in right)
    if isinstance(right, (Trait, Property, Context, Literal_, Reduce)):
        return scalar_text(right)
    return f"{right.amount} {right.unit}"


def _scalar(x: Scalar, y: Scalar, pa: str, pb: str) -> list[Change]:
    if x == y:
        return []
    if isinstance(x, Reduce) and isinstance(y, Reduce):
        changes = []
        for field, label in (
            ("fn", "reducer"),
            ("property", "reduced property"),
            ("as_", "type"),
            ("min_frequency", "minimum frequency"),
        ):
            before, after = getattr(x, field), getattr(y, field)
            if before != after:
                key = "as" if field == "as_" else field
                kind = {"property": "property", "min_frequency": "threshold"}.get(field, "reducer")
                changes.append(
                    Change("changed", label, str(before), str(after), f"{pa}.{key}", f"{pb}.{key}", kind)
                )
        return changes + _event(x.stream, y.stream, f"{pa}.stream", f"{pb}.stream")
    if type(x) is type(y) and isinstance(x, (Trait, Property, Context)):
        what = f"{x.type} name" if x.name != y.name else f"{x.type}"  # type: ignore[union-attr]
        kind = "trait" if isinstance(x, Trait) else "property"
        return [Change("changed", what, scalar_text(x), scalar_text(y), pa, pb, kind)]
    return [Change("changed", "value", scalar_text(x, left=True), scalar_text(y, left=True), pa, pb, "value")]


def _event(x: Event, y: Event, pa: str, pb: str) -> list[Change]:
    changes: list[Change] = []
    if x.name != y.name:
        changes.append(Change("changed", "event", x.name, y.name, f"{pa}.name", f"{pb}.name", "event"))
    left = dict(enumerate(x.filters))
    right = dict(enumerate(y.filters))
    for i, fx in list(left.items()):
        j = next((j for j, fy in right.items() if fy == fx), None)
        if j is None:
            j = next((j for j, fy in right.items() if fy.type == fx.type), None)
        if j is not None:
            changes += _filter(fx, right.pop(j), f"{pa}.filters[{i}]", f"{pb}.filters[{j}]")
            del left[i]
    where = f"on {event_text(y)}" if y.filters else f"on event {y.name!r}"
    changes += [
        Change("removed", f"filter {where}", filter_text(f), None, f"{pa}.filters[{i}]", None, "filter")
        for i, f in left.items()
    ]
    changes += [
        Change("added", f"filter {where}", None, filter_text(f), None, f"{pb}.filters[{j}]", "filter")
        for j, f in right.items()
    ]
    return changes


def _filter(x: Filter, y: Filter, pa: str, pb: str) -> list[Change]:
    if x == y:
        return []
    if isinstance(x, Where) and isinstance(y, Where):
        return _condition(x.condition, y.condition, f"{pa}.condition", f"{pb}.condition")
    kind = "sources" if x.type == "sources" else "window" if x.type == y.type else "filter"
    return [Change("changed", f"{x.type} filter", filter_text(x), filter_text(y), pa, pb, kind)]
