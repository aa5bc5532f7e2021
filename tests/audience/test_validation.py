"""The JSON model rejects what is not a valid audience and says where and why."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from judge.audience import AudienceValidationError, load, parse

SHOES = {
    "definition_type": "USERS",
    "root": {
        "type": "compare", "op": ">=",
        "left": {"type": "reduce", "fn": "count", "property": None, "as": None, "min_frequency": None,
                 "stream": {"type": "event", "name": "Shoes Bought", "filters": [
                     {"type": "where", "condition": {"type": "compare", "op": ">=",
                                                     "left": {"type": "property", "name": "price", "parent": False},
                                                     "right": {"type": "literal", "value": 100}}},
                     {"type": "within", "amount": 7, "unit": "days", "parent": False}]}},
        "right": {"type": "literal", "value": 1},
    },
}  # fmt: skip


def problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(AudienceValidationError) as info:
        load(data)
    return [(p.path, p.message) for p in info.value.problems]


def edited(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SHOES)
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return data


def test_the_spec_example_is_valid() -> None:
    assert load(SHOES).root.op == ">="  # type: ignore[union-attr]


def test_unknown_key_is_an_error_at_its_path() -> None:
    data = edited(root__left__stream__filters__1__parnet=True)
    assert problems(data) == [
        (
            "$.root.left.stream.filters[1].parnet",
            "unknown key (a typo here would silently change the meaning)",
        )
    ]


def test_wrong_type_is_an_error_at_its_path() -> None:
    [(path, message)] = problems(edited(root__left__stream__filters__1__amount="7"))
    assert path == "$.root.left.stream.filters[1].amount"
    assert "integer" in message


def test_unknown_node_type_is_named() -> None:
    [(path, message)] = problems(edited(root__left__type="reducer"))
    assert path == "$.root.left"
    assert "'reducer'" in message


def test_missing_key_is_named() -> None:
    data = edited()
    del data["root"]["op"]
    assert problems(data) == [("$.root.op", "missing required key")]


def test_property_outside_where_is_rejected() -> None:
    data = edited(root__right={"type": "property", "name": "price", "parent": False})
    [(path, message)] = problems(data)
    assert path == "$.root.right"
    assert "only valid inside a where" in message


def test_context_outside_where_is_rejected_with_line_and_column_from_text() -> None:
    with pytest.raises(AudienceValidationError) as info:
        parse("trait('a') = 1 AND\n  context('page.url') = 'x'")
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (2, 3)
    assert "context('page.url')" in problem.message


def test_any_in_a_users_definition_is_rejected() -> None:
    data = {"definition_type": "USERS", "root": {"type": "any", "child": SHOES["root"]}}
    [(path, message)] = problems(data)
    assert path == "$.root"
    assert "ANY is only for ACCOUNTS" in message


def test_parent_window_needs_an_enclosing_event() -> None:
    [(path, message)] = problems(edited(root__left__stream__filters__1__parent=True))
    assert path == "$.root.left.stream.filters[1]"
    assert "enclosing event" in message


def test_parent_property_needs_two_event_scopes() -> None:
    data = edited(root__left__stream__filters__0__condition__left__parent=True)
    [(path, _)] = problems(data)
    assert path == "$.root.left.stream.filters[0].condition.left"


def test_more_than_fifty_primary_expressions_is_rejected() -> None:
    comparison = {"type": "compare", "op": "=", "left": {"type": "trait", "name": "t"},
                  "right": {"type": "literal", "value": 1}}  # fmt: skip
    data = {"root": {"type": "or", "children": [comparison] * 51}}
    assert problems(data) == [("$", "51 comparisons; a definition holds at most 50")]
    data["root"]["children"] = [comparison] * 50
    assert load(data).definition_type == "USERS"


@pytest.mark.parametrize(
    ("op", "right", "fragment"),
    [
        ("exists", {"type": "literal", "value": 1}, "takes no argument"),
        ("one_of", [], "non-empty list"),
        ("within_last", {"type": "literal", "value": 7}, "needs a duration"),
        (">=", None, "needs a scalar"),
        ("before_date", {"type": "literal", "value": "yesterday"}, "ISO 8601"),
    ],
)
def test_right_operand_must_fit_the_operator(op: str, right: Any, fragment: str) -> None:
    [(path, message)] = problems(edited(root__op=op, root__right=right))
    assert path == "$.root"
    assert fragment in message


def test_junction_needs_two_children() -> None:
    [(path, message)] = problems({"root": {"type": "and", "children": [SHOES["root"]]}})
    assert path == "$.root.children"
    assert "at least 2" in message


def test_reducer_arguments_are_checked() -> None:
    [(_, message)] = problems(edited(root__left__fn="sum"))
    assert "sum() needs a property" in message
    [(_, message)] = problems(edited(root__left__fn="mode", root__left__property="p"))
    assert "min_frequency" in message


def test_unique_cannot_be_compared() -> None:
    [(_, message)] = problems(edited(root__left__fn="unique", root__left__property="sku"))
    assert "only count() may follow" in message


def test_singular_units_are_accepted_and_written_plural() -> None:
    definition = load(edited(root__left__stream__filters__1__unit="day"))
    assert definition.to_json()["root"]["left"]["stream"]["filters"][1]["unit"] == "days"


def test_non_finite_numbers_are_rejected() -> None:
    [(path, message)] = problems(
        '{"root": {"type": "compare", "op": ">", "left": {"type": "trait", "name": "t"}, "right": {"type": "literal", "value": 1e999}}}'
    )
    assert path == "$.root.right.value"
    assert "finite" in message


def test_invalid_json_text_is_reported() -> None:
    [(path, message)] = problems('{"root": ')
    assert path == "$"
    assert message.startswith("not valid JSON")


def test_several_problems_are_all_listed() -> None:
    data = edited(root__left__stream__filters__1__parnet=True, root__op="≥")
    assert len(problems(data)) == 2
