"""The English rendering reads the way a marketer would say it."""

from __future__ import annotations

import pytest

from judge.audience import parse, to_english

CASES = [
    ("event('Shoes Bought').where( property('price') >= 100 ).within(7 days).count() >= 1",
     "Users who did Shoes Bought at least once in the last 7 days, where price is at least 100"),
    ("event('Order Completed').count() >= 2", "Users who did Order Completed at least twice"),
    ("event('Order Completed').within(1 day).count() > 3", "Users who did Order Completed more than 3 times in the last 1 day"),
    ("event('Signed Up').count() = 0", "Users who never did Signed Up"),
    ("NOT event('Signed Up').count() >= 1", "Users who never did Signed Up"),
    ("trait('plan') = 'pro' AND trait('country') != 'US'",
     "Users whose plan is 'pro' and whose country is set and is not 'US'"),
    ("trait('plan').one_of('pro', 'team') OR trait('plan').absent()",
     "Users whose plan is one of 'pro', 'team' or whose plan is not set"),
    ("event('Email Opened').between(7 days, 30 days).count() >= 1",
     "Users who did Email Opened at least once between 7 and 30 days ago"),
    ("event('Order Completed').within(30 days).sum(property('revenue')) > 500",
     "Users whose total revenue of Order Completed in the last 30 days is greater than 500"),
    ("ANY event('Shoes Bought').count() >= 1", "Accounts with at least one user who did Shoes Bought at least once"),
    ("ALL NOT event('Shoes Bought').count() >= 1", "Accounts with no user who did Shoes Bought at least once"),
    ("event('Shoes Bought').within(30 days).avg(property('spend'))",
     "For each of the users: average spend of Shoes Bought in the last 30 days"),
    ("event('Product Viewed').where(event('Product Added').within(parent: 2 hours).count() >= 1).count() >= 1",
     "Users who did Product Viewed at least once, where the user did Product Added at least once within 2 hours of the enclosing event"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "english"), CASES)
def test_english_rendering(text: str, english: str) -> None:
    assert to_english(parse(text)) == english


def test_names_with_control_characters_are_shown_escaped() -> None:
    assert to_english(parse(r"trait('a\nb') = 1")) == r"Users whose 'a\nb' is 1"
