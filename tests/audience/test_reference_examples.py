"""Every audience and computed-trait example of Segment's query-language reference."""

from __future__ import annotations

import pytest

from judge.audience import load, parse, to_text
from judge.audience.model import AllOf, AnyOf, Compare, Not, Reduce

AUDIENCES = [
    "event('Shoes Bought').where( property('price') >= 100 ).within(7 days).count() >= 1",
    """event('Shoes Bought').where(
property('price') >= trait('avg_spend')
AND
event('Shoes Returned').within(parent: 5 days).count() >= 1
).within(30 days).count() >= 1""",
    "NOT ( event('Shoes Bought').count() >= 1 AND trait('total_spend') > 200 )",
    "ALL ( event('Shoes Bought').count() >= 1 AND trait('total_spend') > 200 )",
    "ALL NOT event('Shoes Bought').count() >= 1",
    "ANY event('Shoes Bought').count() >= 1",
]
COMPUTED_TRAITS = [
    "event('Shoes Bought').within(30 days).avg(property('spend'))",
    "event('Shoes Bought').where( property('price') > 100 AND property('brand') = 'My Brand' ).min(property('spend'))",
    "event('Shoes Bought').within(30 days).first(property('spend'))",
    "event('Shoes Bought').within(30 days).mode(property('spend'), 2)",
]
# The examples of the reference's function tables, each placed in a whole definition.
FUNCTION_EXAMPLES = [
    "event('X').where({property('price_usd') > 100}).count() >= 1",
    "event('X').sources({exclude: 'QgRHeujRJBM9j18yChyC', '/;hSBZDqGDPvXCKHbikPm'}).count() >= 1",
    "event('X').between(7 days, 10 days).count() >= 1",
    "event('X').sum(property('spend')) > 10",
    "event('X').avg(property('spend')) > 10",
    "event('X').max(property('spend') as string) = 'z'",
    "event('X').min(property('spend') as string) = 'a'",
    "event('X').mode(property('spend') as array, 2) = 'a'",
    "event('X').last(property('spend')) = 3",
    "event('X').unique(property('spend')).count() >= 2",
    "trait('t').equals(500)",
    "trait('t') == 500",
    "trait('t').differs(500)",
    "trait('t').absent()",
    "trait('t').exists()",
    "trait('t').greater_than(500)",
    "trait('t').at_least(500)",
    "trait('t').less_than(500)",
    "trait('t').at_most(500)",
    "trait('t').contains('shoes','shirts')",
    "trait('t').omits('shoes')",
    "trait('t').starts_with('total')",
    "trait('t').ends_with('total')",
    "trait('t').one_of('shoes','shirts')",
    "trait('t').before_date('2023-12-07T18:50:00Z')",
    "trait('t').after_date('2023-12-07T18:50:00Z')",
    "trait('t').within_last(7 days)",
    "trait('t').within_next(7 days)",
    "trait('t').before_last(7 days)",
    "trait('t').after_next(7 days)",
    "literal(100) < trait('t')",
    "event('X').where(context('page.url').contains('shoes')).count() >= 1",
]


@pytest.mark.parametrize("text", AUDIENCES + COMPUTED_TRAITS + FUNCTION_EXAMPLES)
def test_example_round_trips_through_text_and_json(text: str) -> None:
    definition = parse(text)
    again = parse(to_text(definition), definition.definition_type)
    assert again == definition
    assert load(definition.to_json()) == definition


def test_account_examples_are_account_definitions() -> None:
    kinds = [parse(t).definition_type for t in AUDIENCES]
    assert kinds == ["USERS", "USERS", "USERS", "ACCOUNTS", "ACCOUNTS", "ACCOUNTS"]


def test_computed_traits_have_a_reducer_at_the_root() -> None:
    for text in COMPUTED_TRAITS:
        definition = parse(text)
        assert isinstance(definition.root, Reduce)
        assert not definition.is_audience


def test_first_example_matches_the_spec_ast() -> None:
    expected = {
        "definition_type": "USERS",
        "root": {
            "type": "compare", "op": ">=",
            "left": {
                "type": "reduce", "fn": "count", "property": None, "as": None, "min_frequency": None,
                "stream": {"type": "event", "name": "Shoes Bought", "filters": [
                    {"type": "where", "condition": {
                        "type": "compare", "op": ">=",
                        "left": {"type": "property", "name": "price", "parent": False},
                        "right": {"type": "literal", "value": 100}}},
                    {"type": "within", "amount": 7, "unit": "days", "parent": False}]},
            },
            "right": {"type": "literal", "value": 1},
        },
    }  # fmt: skip
    assert parse(AUDIENCES[0]).to_json() == expected


def test_all_not_nests_not_inside_all() -> None:
    root = parse("ALL NOT event('Shoes Bought').count() >= 1").root
    assert isinstance(root, AllOf) and isinstance(root.child, Not) and isinstance(root.child.child, Compare)
    assert isinstance(parse("ANY event('Shoes Bought').count() >= 1").root, AnyOf)


def test_sugar_and_named_comparisons_give_the_same_ast() -> None:
    for sugar, named in [("=", "equals"), ("!=", "differs"), (">", "greater_than"), (">=", "at_least"),
                         ("<", "less_than"), ("<=", "at_most")]:  # fmt: skip
        assert parse(f"trait('t') {sugar} 5") == parse(f"trait('t').{named}(5)")
    assert parse("trait('t') = 5") == parse("trait('t') = literal(5)")


def test_and_binds_tighter_than_or() -> None:
    root = parse("trait('a') = 1 OR trait('b') = 2 AND trait('c') = 3").root
    assert root.type == "or"
    assert [c.type for c in root.children] == ["compare", "and"]  # type: ignore[union-attr]
    grouped = parse("(trait('a') = 1 OR trait('b') = 2) AND trait('c') = 3").root
    assert grouped.type == "and"
