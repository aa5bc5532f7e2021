"""Hostile input gives a clear error or a correct AST: never a crash, a hang or a RecursionError."""

from __future__ import annotations

import json

import pytest

from judge.audience import AudienceError, AudienceSyntaxError, AudienceValidationError, load, parse, to_text
from judge.audience.model import Compare, Definition, Literal_, Trait

SIMPLE = "trait('plan') = 'pro'"


def test_ten_thousand_nested_parentheses_parse_to_the_plain_comparison() -> None:
    text = "(" * 10_000 + SIMPLE + ")" * 10_000
    assert parse(text) == parse(SIMPLE)


def test_ten_thousand_unbalanced_parentheses_are_a_syntax_error() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse("(" * 10_000 + SIMPLE)
    assert "ends too early" in str(info.value)


def test_ten_thousand_nots_are_refused_as_too_deep() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse("NOT " * 10_000 + SIMPLE)
    assert "nested too deeply" in str(info.value)


def test_ten_thousand_nested_where_scopes_are_refused_as_too_deep() -> None:
    text = "event('e').where(" * 10_000 + SIMPLE + ").count() >= 1" * 10_000
    with pytest.raises(AudienceError) as info:
        parse(text)
    assert "nested too deeply" in str(info.value)


def test_deeply_nested_json_is_refused() -> None:
    text = '{"root": ' + '{"type": "not", "child": ' * 10_000 + "null" + "}" * 10_001
    with pytest.raises(AudienceValidationError) as info:
        load(text)
    assert "deeper than" in str(info.value)


def test_json_nested_past_the_decoder_limit_is_refused() -> None:
    text = "[" * 200_000 + "]" * 200_000
    with pytest.raises(AudienceValidationError):
        load(text[:900_000])


def test_a_five_megabyte_definition_is_refused_with_its_size() -> None:
    text = f"trait('{'x' * 5_000_000}') = 1"
    with pytest.raises(AudienceSyntaxError) as info:
        parse(text)
    assert f"{len(text):,} characters; the limit is 1,000,000" in str(info.value)
    with pytest.raises(AudienceValidationError):
        load(
            json.dumps(
                {
                    "root": {
                        "type": "compare",
                        "op": "exists",
                        "left": {"type": "trait", "name": "x" * 5_000_000},
                    }
                }
            )
        )


def test_a_long_but_allowed_name_parses() -> None:
    name = "x" * 900_000
    assert parse(f"trait('{name}').exists()").root.left == Trait(name=name)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    ["it's", 'say "hi"', "back\\slash", "tab\there", "new\nline", "nul\x00byte", "bell\x07", "\u202eevil",
     "zero\u200bwidth", "x'); DROP TABLE events; --", "\\'", "emoji 😀"],
)  # fmt: skip
def test_quotes_backslashes_and_control_characters_in_names_round_trip(name: str) -> None:
    definition = Definition(root=Compare(op="=", left=Trait(name=name), right=Literal_(value=1)))
    text = to_text(definition)
    assert "\n" not in text and "\x00" not in text
    assert parse(text) == definition


def test_raw_control_characters_inside_a_quoted_name_are_kept() -> None:
    assert parse("trait('a\tb') = 1").root.left == Trait(name="a\tb")  # type: ignore[union-attr]


def test_control_characters_outside_strings_are_a_syntax_error_with_position() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse("trait('a') = 1\x00")
    assert (info.value.line, info.value.column) == (1, 15)


def test_unknown_escape_is_named() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse(r"trait('a\q') = 1")
    assert r"unknown escape \q" in str(info.value)


def test_escaped_surrogate_is_refused() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse(r"trait('\ud800') = 1")
    assert "not a character" in str(info.value)


def test_huge_numbers_are_refused() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse("trait('a') > 1e999")
    assert "too large" in str(info.value)


def test_empty_input_is_a_syntax_error() -> None:
    with pytest.raises(AudienceSyntaxError) as info:
        parse("   ")
    assert "ends too early" in str(info.value)
