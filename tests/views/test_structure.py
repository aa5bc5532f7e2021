"""The structure-aware view of a pair: equivalent rewrites do not look broken, one-character changes show."""

from __future__ import annotations

import re

from judge.audience import parse
from judge.structure import marked_pair


def marks(html: str) -> list[str]:
    return re.findall(r"<mark class='\w+'>(.*?)</mark>", html)


def test_a_reordered_and_is_shown_unmarked_in_the_ground_truths_order() -> None:
    shown = marked_pair(
        parse("trait('plan') = 'pro' AND trait('country') = 'DE' AND event('Order').count() >= 1"),
        parse("event('Order').count() >= 1 AND trait('country') = 'DE' AND trait('plan') = 'pro'"),
    )
    assert shown.truth_html == shown.generated_html and "<mark" not in shown.generated_html
    assert shown.reordered and shown.changes == []


def test_one_of_and_an_or_of_equalities_are_shown_as_written_differently_not_as_errors() -> None:
    shown = marked_pair(parse("trait('plan').one_of('team', 'enterprise') AND trait('x') > 3"),
                        parse("trait('x') > 3 AND (trait('plan') = 'team' OR trait('plan') = 'enterprise')"))  # fmt: skip
    assert "<span class='rewritten'" in shown.truth_html and "<span class='rewritten'" in shown.generated_html
    assert "<mark" not in shown.truth_html + shown.generated_html and shown.changes == []


def test_a_lone_operator_is_marked_on_both_sides_and_named_old_to_new() -> None:
    shown = marked_pair(
        parse("event('A').within(7 days).count() >= 3"), parse("event('A').within(7 days).count() > 3")
    )
    assert marks(shown.truth_html) == ["&gt;="] and marks(shown.generated_html) == ["&gt;"]
    assert shown.changes == ["changed operator of event('A').within(7 days).count() > 3: >= -> >"]
    assert marks(shown.truth_english) == ["at", "least"] and marks(shown.generated_english) == [
        "more",
        "than",
    ]


def test_a_missing_where_and_a_changed_window_are_marked_and_nothing_is_struck_through() -> None:
    shown = marked_pair(parse("event('A').where(property('price') > 100).within(30 days).count() >= 1"),
                        parse("event('A').within(14 days).count() >= 1"))  # fmt: skip
    assert "where(property(&#x27;price&#x27;) &gt; 100)" in "".join(marks(shown.truth_html))
    assert marks(shown.generated_html) == ["14"]
    assert "<del" not in shown.truth_html + shown.generated_html and "line-through" not in shown.truth_html
    assert any("removed filter" in c for c in shown.changes) and any(
        "within(30 days) -> within(14 days)" in c for c in shown.changes
    )


def test_a_condition_on_one_side_only_is_boxed_on_that_side() -> None:
    shown = marked_pair(
        parse("trait('a') = 1 AND trait('b') = 2"),
        parse("trait('a') = 1 AND trait('b') = 2 AND trait('c') = 3"),
    )
    assert "<span class='extra'" in shown.generated_html and "<span class='extra'" not in shown.truth_html
    assert shown.changes == ["only in the generated definition: trait('c') = 3"]
    dropped = marked_pair(parse("trait('a') = 1 AND trait('b') = 2"), parse("trait('a') = 1"))
    assert "<span class='missing'" in dropped.truth_html


def test_pair_content_is_escaped() -> None:
    shown = marked_pair(parse("trait('<script>') = 1"), parse("trait('<script>') = 2"))
    assert (
        "<script>"
        not in shown.truth_html + shown.generated_html + shown.truth_english + shown.generated_english
    )


def test_a_whole_definition_written_another_way_is_shown_so() -> None:
    shown = marked_pair(parse("trait('plan').one_of('team', 'enterprise')"),
                        parse("trait('plan') = 'team' OR trait('plan') = 'enterprise'"))  # fmt: skip
    assert shown.truth_html.startswith("<span class='rewritten'") and shown.changes == []
