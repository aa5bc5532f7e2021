"""The structural diff names what the generated definition adds, removes or changes."""

from __future__ import annotations

from judge.audience import diff, parse


def summaries(a: str, b: str) -> list[str]:
    return [str(c) for c in diff(parse(a), parse(b))]


def test_identical_and_reordered_definitions_have_no_changes() -> None:
    assert summaries("trait('a') = 1 AND trait('b') = 2", "trait('b') = 2 AND trait('a') = 1") == []


def test_changed_operator_and_window_inside_a_reordered_junction() -> None:
    a = "event('Order Completed').where(property('total') >= 100).within(7 days).count() >= 1 AND trait('plan') = 'pro'"
    b = "trait('plan') = 'pro' AND event('Order Completed').where(property('total') > 100).within(30 days).count() >= 1"
    changes = diff(parse(a), parse(b))
    assert [str(c) for c in changes] == [
        "changed operator of property('total') > 100: >= -> >",
        "changed within filter: within(7 days) -> within(30 days)",
    ]
    assert changes[0].path_a == "$.root.children[0].left.stream.filters[0].condition.op"
    assert changes[0].path_b == "$.root.children[1].left.stream.filters[0].condition.op"


def test_swapped_junction() -> None:
    assert summaries("trait('a') = 1 AND trait('b') = 2", "trait('a') = 1 OR trait('b') = 2") == [
        "changed junction: AND -> OR"
    ]


def test_dropped_and_added_conditions() -> None:
    assert summaries(
        "trait('a') = 1 AND trait('b') = 2 AND trait('c') = 3", "trait('a') = 1 AND trait('b') = 2"
    ) == ["removed condition: trait('c') = 3"]
    assert summaries(
        "trait('a') = 1 AND trait('b') = 2", "trait('a') = 1 AND trait('b') = 2 AND trait('zz') = 9"
    ) == ["added condition: trait('zz') = 9"]


def test_dropped_not() -> None:
    assert summaries("NOT trait('a') = 1", "trait('a') = 1") == ["removed NOT: NOT trait('a') = 1"]


def test_wrong_event_and_extra_where() -> None:
    assert summaries("event('X').count() >= 1", "event('Y').where(property('p') = 1).count() >= 1") == [
        "changed event: X -> Y",
        "added filter on event('Y').where(property('p') = 1): where(property('p') = 1)",
    ]


def test_threshold_off_by_one() -> None:
    changes = diff(parse("trait('total_spend') > 200"), parse("trait('total_spend') > 201"))
    assert [(c.kind, c.before, c.after, c.path_b) for c in changes] == [
        ("changed", "200", "201", "$.root.right")
    ]
