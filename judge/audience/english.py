"""AST -> English a marketer can read.

"Users who did Shoes Bought at least once in the last 7 days, where price is at
least 100". Used beside the raw forms in the annotation view and by the
offline question generator; it states the semantics that matter for judging
(``!=`` is false when the value is missing, so it says "is set and is not").
"""

from __future__ import annotations

from collections.abc import Callable

from judge.audience.model import (
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
from judge.audience.printer import quote, value_text

__all__ = ["to_english", "condition_english"]

_AGGREGATES = {
    "sum": "total", "avg": "average", "min": "smallest", "max": "largest",
    "first": "first", "last": "last", "mode": "most frequent", "unique": "distinct",
}  # fmt: skip


def to_english(definition: Definition) -> str:
    """One sentence (or a few clauses) describing who is in the audience."""
    root = definition.root
    who = "accounts" if definition.definition_type == "ACCOUNTS" else "users"
    if isinstance(root, Reduce):
        return f"For each of the {who}: {_aggregate(root)}"
    return f"{who.capitalize()} {condition_english(root)}"


def condition_english(node: Condition) -> str:
    """A relative clause about a user ("who did ...", "whose plan is 'pro'")."""
    if isinstance(node, (And, Or)):
        word = " and " if isinstance(node, And) else " or "
        return word.join(_grouped(c, condition_english) for c in node.children)
    if isinstance(node, Not):
        negated = _negated_count(node.child)
        return negated if negated else f"who are not among those {condition_english(node.child)}"
    if isinstance(node, AnyOf):
        return f"with at least one user {condition_english(node.child)}"
    if isinstance(node, AllOf):
        if isinstance(node.child, Not):
            return f"with no user {condition_english(node.child.child)}"
        return f"where every user is one {condition_english(node.child)}"
    return _user_compare(node)


def _name(name: str) -> str:
    """A name as is when it reads plainly, else quoted with its control characters escaped."""
    plain = name.strip() == name and all(c.isprintable() and c not in "'\\" for c in name)
    return name if plain else quote(name)


def _grouped(node: Condition, render: Callable[[Condition], str]) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, (And, Or)) else text


def _user_compare(node: Compare) -> str:
    left = node.left
    if isinstance(left, Reduce) and left.fn == "count" and left.property is None:
        return "who " + _did(left.stream, node)
    return f"whose {_subject(left, scope='user')} {_predicate(node)}"


def _negated_count(node: Condition) -> str | None:
    """``NOT count() >= 1`` reads "who never did ..."."""
    if (
        isinstance(node, Compare)
        and isinstance(node.left, Reduce)
        and node.left.fn == "count"
        and node.left.property is None
        and node.op == ">="
        and isinstance(node.right, Literal_)
        and node.right.value == 1
    ):
        return f"who never did {_stream(node.left.stream)}"
    return None


def _did(stream: Event, node: Compare) -> str:
    """'did Order Completed at least twice in the last 7 days, where ...'."""
    right = node.right
    if (
        isinstance(right, Literal_)
        and isinstance(right.value, (int, float))
        and not isinstance(right.value, bool)
    ):
        times = _times(node.op, right.value)
        if times is None:
            return f"never did {_stream(stream)}"
        name, rest = _stream_parts(stream)
        return f"did {name} {times}{rest}"
    return f"did {_stream(stream)} a number of times that {_predicate(node)}"


def _times(op: str, n: float) -> str | None:
    """How many times, or None for "never"."""
    count = int(n) if float(n).is_integer() else n

    def times(k: float) -> str:
        return {1: "once", 2: "twice"}.get(k, f"{k} times")  # type: ignore[call-overload]

    if op == ">=":
        return "at least once" if count <= 1 else f"at least {times(count)}"
    if op == ">":
        return "at least once" if count < 1 else f"more than {times(count)}"
    if op == "=":
        return None if count == 0 else f"exactly {times(count)}"
    if op == "<":
        return None if count <= 1 else f"fewer than {count} times"
    if op == "<=":
        return None if count < 1 else f"at most {times(count)}"
    return f"a number of times other than {count}"


def _stream(stream: Event) -> str:
    name, rest = _stream_parts(stream)
    return name + rest


def _stream_parts(stream: Event) -> tuple[str, str]:
    windows = [_window(f) for f in stream.filters if not isinstance(f, Where)]
    wheres = [_event_condition(f.condition) for f in stream.filters if isinstance(f, Where)]
    rest = "".join(f" {w}" for w in windows)
    if wheres:
        rest += ", where " + " and ".join(wheres)
    return _name(stream.name), rest


def _window(item: Within | Between | Sources | Where) -> str:
    if isinstance(item, Within):
        if item.parent:
            return f"within {_duration(item.duration)} of the enclosing event"
        return f"in the last {_duration(item.duration)}"
    if isinstance(item, Between):
        if item.start.unit == item.end.unit:
            return f"between {item.start.amount} and {_duration(item.end)} ago"
        return f"between {_duration(item.start)} and {_duration(item.end)} ago"
    assert isinstance(item, Sources)
    return "not from source " + ", ".join(quote(s) for s in item.exclude)


def _duration(duration: Duration) -> str:
    unit = duration.unit[:-1] if duration.amount == 1 else duration.unit
    return f"{duration.amount} {unit}"


def _event_condition(node: Condition) -> str:
    """A condition inside where(...): about one event ("price is at least 100")."""
    if isinstance(node, (And, Or)):
        word = " and " if isinstance(node, And) else " or "
        return word.join(_grouped(c, _event_condition) for c in node.children)
    if isinstance(node, Not):
        return f"not ({_event_condition(node.child)})"
    if isinstance(node, (AnyOf, AllOf)):
        return condition_english(node)
    left = node.left
    if isinstance(left, Reduce) and left.fn == "count" and left.property is None:
        return "the user " + _did(left.stream, node)
    return f"{_subject(left, scope='event')} {_predicate(node)}"


def _subject(node: Scalar, scope: str) -> str:
    if isinstance(node, Trait):
        return _name(node.name) if scope == "user" else f"the user's {_name(node.name)}"
    if isinstance(node, Property):
        return f"the enclosing event's {_name(node.name)}" if node.parent else _name(node.name)
    if isinstance(node, Context):
        return f"context {_name(node.name)}"
    if isinstance(node, Literal_):
        return value_text(node.value)
    return _aggregate(node)


def _aggregate(node: Reduce) -> str:
    stream = _stream(node.stream)
    if node.fn == "count":
        if node.property is None:
            return f"number of {stream} events"
        return f"number of distinct {_name(node.property)} values of {stream}"
    word = _AGGREGATES[node.fn]
    typed = " (compared as text)" if node.as_ == "string" else ""
    frequency = f" (seen at least {node.min_frequency} times)" if node.fn == "mode" else ""
    return f"{word} {_name(node.property or '')}{typed}{frequency} of {stream}"


def _predicate(node: Compare) -> str:
    op, right = node.op, node.right
    if op == "exists":
        return "is set"
    if op == "absent":
        return "is not set"
    if isinstance(right, tuple):
        values = " or ".join(value_text(v.value) for v in right)
        return (
            f"contains {values}"
            if op == "contains"
            else f"is one of {', '.join(value_text(v.value) for v in right)}"
        )
    if isinstance(right, Duration):
        phrase = {
            "within_last": "is within the last {}", "within_next": "is within the next {}",
            "before_last": "is more than {} ago", "after_next": "is more than {} from now",
        }[op]  # fmt: skip
        return phrase.format(_duration(right))
    assert right is not None
    value = _value(right)
    phrase = {
        "=": "is {}", "!=": "is set and is not {}", ">": "is greater than {}", ">=": "is at least {}",
        "<": "is less than {}", "<=": "is at most {}", "omits": "does not contain {}",
        "starts_with": "starts with {}", "ends_with": "ends with {}", "before_date": "is before {}",
        "after_date": "is after {}",
    }[op]  # fmt: skip
    return phrase.format(value)


def _value(node: Scalar) -> str:
    if isinstance(node, Literal_):
        return value_text(node.value)
    if isinstance(node, Trait):
        return f"their {_name(node.name)}"
    if isinstance(node, Property):
        return (
            f"the enclosing event's {_name(node.name)}" if node.parent else f"the event's {_name(node.name)}"
        )
    return f"the {_subject(node, scope='user')}"
