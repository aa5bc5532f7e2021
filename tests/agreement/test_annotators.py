"""Annotator quality against values computed by hand: leave-one-out agreement, time, gold pairs, concerns."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from judge.agreement.annotators import AnnotatorQuality, annotator_quality

NAN = math.nan

# pair: {annotator: score}; seconds per (annotator, pair) where given
SCORES = {1: {"ana": 4, "bo": 4, "cy": 2}, 2: {"ana": 5, "bo": 3, "cy": 3}, 3: {"ana": 1, "bo": 2},
          4: {"ana": 3}, 5: {"bo": 5, "cy": 1}, 6: {"cy": 4}}  # fmt: skip
SECONDS = {("ana", 1): 2.0, ("ana", 2): 10.0, ("ana", 3): 3.0}
EARLY, ADJUDICATED, LATE = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-03")


def gold(scores: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"score": pd.Series(scores, dtype=int)}).assign(since=ADJUDICATED)


GOLD = gold({2: 4, 5: 5})


def frame(
    scores: dict[int, dict[str, int]], seconds: dict[tuple[str, int], float], when: pd.Timestamp = LATE
) -> pd.DataFrame:
    return pd.DataFrame(
        [{"pair_id": p, "annotator": a, "score": s, "seconds": seconds.get((a, p), NAN), "kind": "blind",
          "created_at": when} for p, given in scores.items() for a, s in given.items()]
    )  # fmt: skip


def by_name(excluded: frozenset[str] = frozenset()) -> dict[str, AnnotatorQuality]:
    return {a.annotator: a for a in annotator_quality(frame(SCORES, SECONDS), GOLD, set(excluded), 4.0)}


def test_leave_one_out_sets_each_person_against_the_lower_median_of_the_others() -> None:
    people = by_name()
    ana, bo, cy = people["ana"], people["bo"], people["cy"]
    # ana: pair 1 others {4, 2} -> 2 (gap 2); pair 2 {3, 3} -> 3 (gap 2); pair 3 {2} (gap -1); pair 4 alone
    assert (ana.ratings, ana.shared, ana.exact, ana.within_one, ana.bias) == (4, 3, 0.0, 1 / 3, 1.0)
    # bo: pair 1 {4, 2} -> 2 (2); pair 2 {5, 3} -> 3 (0); pair 3 {1} (1); pair 5 {1} (4)
    assert (bo.shared, bo.exact, bo.within_one, bo.bias) == (4, 0.25, 0.5, 1.75)
    # cy: pair 1 {4, 4} -> 4 (-2); pair 2 {5, 3} -> 3 (0); pair 5 {5} (-4); pair 6 alone
    assert (cy.shared, cy.exact, cy.within_one, cy.bias) == (3, 1 / 3, 1 / 3, -2.0)


def test_time_per_pair_counts_the_ratings_under_the_too_fast_time() -> None:
    ana, bo = by_name()["ana"], by_name()["bo"]
    assert (ana.timed, ana.too_fast, ana.median_seconds) == (3, 2, 3.0)
    assert (bo.timed, bo.too_fast, bo.median_seconds) == (0, 0, None)


def test_accuracy_on_gold_pairs_is_against_the_adjudicated_score() -> None:
    people = by_name()
    # gold: pair 2 -> 4, pair 5 -> 5. ana gave 5 on pair 2; bo 3 and 5; cy 3 and 1.
    assert [(people[a].gold, people[a].gold_exact, people[a].gold_within_one) for a in ("ana", "bo", "cy")] == [
        (1, 0.0, 1.0), (2, 0.5, 1.0), (2, 0.0, 0.5)]  # fmt: skip


def test_a_person_left_out_is_not_among_the_others_but_is_still_measured() -> None:
    people = by_name(frozenset({"bo"}))
    ana, bo, cy = people["ana"], people["bo"], people["cy"]
    # without bo: ana pair 1 {2} (gap 2), pair 2 {3} (gap 2), pair 3 has nobody else
    assert (ana.shared, ana.exact, ana.bias) == (2, 0.0, 2.0)
    assert (cy.shared, cy.bias) == (2, -2.0)
    assert bo.excluded and (bo.shared, bo.bias) == (4, 1.75)


def test_concerns_name_who_needs_a_look_and_why() -> None:
    scores = {p: {"ana": 3, "bo": 3, "cy": 5} for p in range(1, 7)}
    seconds = {("cy", p): 1.0 for p in range(1, 7)} | {("ana", p): 20.0 for p in range(1, 7)}
    rows = annotator_quality(frame(scores, seconds), gold({1: 2, 2: 2, 3: 2}), set(), 4.0)
    assert rows[0].annotator == "cy"
    # people among themselves: per pair (3, 3) agree, (3, 5) twice do not -> within one 1/3; cy within one 0
    assert rows[0].concerns == [
        "often too fast: 6 of 6 ratings in under 4 s",
        "far from the others: within one point on 0% of 6 shared pairs (people among themselves: 33%)",
        "rates 2.0 points higher than the others on average",
        "misses gold pairs: within one point of the adjudicated score on 0 of 3",
    ]
    assert [r.concerns for r in rows[1:]] == [[], []]


@pytest.mark.parametrize("count", [1, 4])
def test_too_little_data_raises_no_concern(count: int) -> None:
    scores = {p: {"ana": 1, "bo": 5} for p in range(1, count + 1)}
    seconds = {("ana", p): 0.5 for p in range(1, count + 1)}
    assert all(
        not r.concerns for r in annotator_quality(frame(scores, seconds), gold({}), set(), 4.0)
    )


def test_a_gold_pair_tests_only_ratings_given_blind_after_it_became_gold() -> None:
    scores = {p: {"ana": 5, "bo": 5} for p in range(1, 4)}
    before = frame(scores, {}, when=EARLY)  # rated, then the pair was adjudicated 1: no test of anyone
    assert all(
        a.gold == 0 and not a.concerns
        for a in annotator_quality(before, gold({1: 1, 2: 1, 3: 1}), set(), 4.0)
    )
    after = frame(scores, {})
    after.loc[after["annotator"] == "bo", "kind"] = "after_reveal"  # bo saw the judge first: no test either
    people = {a.annotator: a for a in annotator_quality(after, gold({1: 1, 2: 1, 3: 1}), set(), 4.0)}
    assert (people["ana"].gold, people["ana"].gold_within_one) == (3, 0.0) and people["bo"].gold == 0
