"""The spec's equivalent pairs share a canonical form; its 'different' pairs never do."""

from __future__ import annotations

import pytest

from judge.audience import canonical, equivalent, parse

E = "event('Shoes Bought')"

EQUIVALENT = [
    (f"{E}.count() >= 1", f"{E}.count() > 0"),
    (f"{E}.count() >= 1", f"NOT {E}.count() = 0"),
    (f"{E}.count() > 0", f"NOT {E}.count() = 0"),
    (f"{E}.within(7 days).count() >= 1", f"{E}.within(168 hours).count() >= 1"),
    ("trait('size').one_of('a', 'b')", "trait('size') = 'a' OR trait('size') = 'b'"),
    ("trait('size').one_of('a')", "trait('size') = 'a'"),
    ("trait('a') = 1 AND trait('b') = 2", "trait('b') = 2 AND trait('a') = 1"),
    ("NOT (trait('a') = 1 OR trait('b') = 2)", "NOT trait('a') = 1 AND NOT trait('b') = 2"),
    (f"ALL NOT {E}.count() >= 1", f"NOT ANY {E}.count() >= 1"),
    # beyond the spec's list, from the reference's own statements
    ("NOT NOT trait('a') = 1", "trait('a') = 1"),
    ("trait('a').absent()", "NOT trait('a').exists()"),
    ("trait('a').omits('x')", "NOT trait('a').contains('x')"),
    ("literal(100) <= trait('a')", "trait('a') >= 100"),
    ("trait('a') = 100.0", "trait('a') = 100"),
    (f"{E}.count() <= 2", f"{E}.count() < 3"),
    (f"{E}.where(property('p') = 1).where(property('q') = 2).count() >= 1",
     f"{E}.where(property('q') = 2 AND property('p') = 1).count() >= 1"),
    (f"{E}.within(7 days).where(property('p') = 1).count() >= 1",
     f"{E}.where(property('p') = 1).within(7 days).count() >= 1"),
    ("(trait('a') = 1 AND trait('b') = 2) AND trait('c') = 3", "trait('a') = 1 AND (trait('b') = 2 AND trait('c') = 3)"),
    ("trait('a') = 1 OR trait('a') = 1", "trait('a') = 1"),
]  # fmt: skip

DIFFERENT = [
    ("trait('total_spend') > 100", "trait('total_spend') >= 100"),
    (f"{E}.count() > 1", f"{E}.count() >= 1"),
    ("trait('total_spend') >= 100", "trait('total_spend') >= 101"),
    (f"{E}.count() >= 2", f"{E}.count() >= 3"),
    (f"{E}.count() >= 1", "event('Shoes Returned').count() >= 1"),
    ("trait('total_spend') > 100", "trait('lifetime_spend') > 100"),
    (f"{E}.where(property('price') > 1).count() >= 1", f"{E}.where(property('cost') > 1).count() >= 1"),
    (f"{E}.where(property('price') > 1).count() >= 1", f"{E}.count() >= 1"),
    (f"{E}.within(7 days).count() >= 1", f"{E}.within(30 days).count() >= 1"),
    (f"{E}.within(7 days).count() >= 1", f"{E}.count() >= 1"),
    (f"{E}.where(event('R').within(parent: 5 days).count() >= 1).count() >= 1",
     f"{E}.where(event('R').within(5 days).count() >= 1).count() >= 1"),
    ("trait('a') = 1 AND trait('b') = 2", "trait('a') = 1 OR trait('b') = 2"),
    ("NOT trait('a') = 1", "trait('a') = 1"),
    ("NOT (trait('a') = 1 AND trait('b') = 2)", "NOT trait('a') = 1 AND trait('b') = 2"),
    ("trait('a') != 1", "NOT trait('a') = 1"),
]  # fmt: skip


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse(text, "ACCOUNTS" if any(w in text for w in ("ALL", "ANY")) else None)


@pytest.mark.parametrize(("a", "b"), EQUIVALENT)
def test_equivalent_pairs_have_equal_canonical_forms(a: str, b: str) -> None:
    assert canonical(_parse(a)) == canonical(_parse(b))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_pairs_have_different_canonical_forms(a: str, b: str) -> None:
    assert not equivalent(_parse(a), _parse(b))


def test_count_comparisons_become_at_least_or_fewer_than() -> None:
    assert canonical(parse(f"{E}.count() > 0")) == parse(f"{E}.count() >= 1")
    assert canonical(parse(f"{E}.count() = 0")) == parse(f"{E}.count() < 1")
    assert canonical(parse(f"{E}.count() != 0")) == parse(f"{E}.count() >= 1")


def test_not_in_front_of_a_non_count_comparison_stays() -> None:
    # trait('a') > 1 is false for a missing value, and so is trait('a') <= 1: NOT cannot flip it
    assert canonical(parse("NOT trait('a') > 1")) == parse("NOT trait('a') > 1")


def test_one_hundred_and_sixty_nine_hours_stay_hours() -> None:
    assert canonical(parse(f"{E}.within(169 hours).count() >= 1")) == parse(
        f"{E}.within(169 hours).count() >= 1"
    )
