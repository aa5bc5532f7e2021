"""The Audience language page: English and canonical form of a definition; the diff of two."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).parents[2] / "pages" / "language.py")


def test_shows_english_and_the_changes_between_two_definitions() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert any("Users who did Shoes Bought at least once" in m.value for m in at.markdown)
    at.text_area[1].input(
        "event('Shoes Bought').where(property('price') > 100).within(7 days).count() >= 1"
    ).run()
    assert any("changed" in m.value and "operator" in m.value for m in at.markdown)


def test_a_syntax_error_is_shown_with_its_position() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.text_area[0].input("event('Shoes Bought').count( >= 1").run()
    assert at.error and "Definition A: line 1, column" in at.error[0].value
