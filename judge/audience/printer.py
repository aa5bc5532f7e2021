"""AST -> text form. ``parse(to_text(d), d.definition_type) == d`` for every valid ``d``."""

from __future__ import annotations

from judge.audience.model import (
    COMPARISON_OPS,
    DURATION_OPS,
    LIST_OPS,
    PRESENCE_OPS,
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
    LiteralValue,
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

__all__ = [
    "compare_text",
    "condition_text",
    "duration_text",
    "event_text",
    "filter_text",
    "quote",
    "scalar_text",
    "to_text",
    "value_text",
]

_OP_FUNCTIONS = {
    "omits": "omits", "starts_with": "starts_with", "ends_with": "ends_with",
    "before_date": "before_date", "after_date": "after_date",
}  # fmt: skip


def to_text(definition: Definition) -> str:
    """The definition in the query language's text form, on one line."""
    root = definition.root
    if isinstance(root, Reduce):
        return scalar_text(root)
    return condition_text(root)


def condition_text(node: Condition) -> str:
    if isinstance(node, And):
        return " AND ".join(_grouped(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_grouped(c) for c in node.children)
    if isinstance(node, (Not, AnyOf, AllOf)):
        word = {Not: "NOT", AnyOf: "ANY", AllOf: "ALL"}[type(node)]
        inner = node.child
        if isinstance(inner, (And, Or)):
            return f"{word} ({condition_text(inner)})"
        return f"{word} {condition_text(inner)}"
    return compare_text(node)


def _grouped(node: Condition) -> str:
    """Junctions inside junctions keep their parentheses, so nesting survives a round trip."""
    text = condition_text(node)
    if isinstance(node, (And, Or)):
        return f"({text})"
    return text


def compare_text(node: Compare) -> str:
    left = scalar_text(node.left, left=True)
    op, right = node.op, node.right
    if op in COMPARISON_OPS:
        assert right is not None and not isinstance(right, (tuple, Duration))
        return f"{left} {op} {scalar_text(right)}"
    if op in PRESENCE_OPS:
        return f"{left}.{op}()"
    if op in LIST_OPS:
        assert isinstance(right, tuple)
        return f"{left}.{op}({', '.join(value_text(v.value) for v in right)})"
    if op in DURATION_OPS:
        assert isinstance(right, Duration)
        return f"{left}.{op}({duration_text(right)})"
    assert right is not None and not isinstance(right, (tuple, Duration))
    return f"{left}.{_OP_FUNCTIONS[op]}({scalar_text(right)})"


def scalar_text(node: Scalar, left: bool = False) -> str:
    """A scalar; a literal on the left of a comparison is written ``literal(...)``."""
    if isinstance(node, Trait):
        return f"trait({quote(node.name)})"
    if isinstance(node, Property):
        return f"property({'parent: ' if node.parent else ''}{quote(node.name)})"
    if isinstance(node, Context):
        return f"context({quote(node.name)})"
    if isinstance(node, Literal_):
        text = value_text(node.value)
        return f"literal({text})" if left else text
    return _reduce_text(node)


def _reduce_text(node: Reduce) -> str:
    stream = event_text(node.stream)
    prop = f"property({quote(node.property)})" if node.property is not None else ""
    if node.fn == "count":
        return f"{stream}.unique({prop}).count()" if prop else f"{stream}.count()"
    typed = f"{prop} as {node.as_}" if node.as_ else prop
    if node.fn == "mode":
        return f"{stream}.mode({typed}, {node.min_frequency})"
    return f"{stream}.{node.fn}({typed})"


def event_text(node: Event) -> str:
    return f"event({quote(node.name)})" + "".join(f".{filter_text(f)}" for f in node.filters)


def filter_text(node: Filter) -> str:
    if isinstance(node, Where):
        return f"where({condition_text(node.condition)})"
    if isinstance(node, Within):
        parent = "parent: " if node.parent else ""
        return f"within({parent}{duration_text(node.duration)})"
    if isinstance(node, Between):
        return f"between({duration_text(node.start)}, {duration_text(node.end)})"
    assert isinstance(node, Sources)
    return f"sources(exclude: {', '.join(quote(s) for s in node.exclude)})"


def duration_text(node: Duration) -> str:
    return f"{node.amount} {node.unit}"


def value_text(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote(value)


def quote(text: str) -> str:
    """A single-quoted string; quotes, backslashes and invisible or control characters escaped."""
    out = []
    for char in text:
        if char in ("\\", "'"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif not char.isprintable() and char != " ":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"
