"""Overlap: every annotator gets the same pairs first, so people's agreement exists from the first ratings."""

from __future__ import annotations

import pytest

from judge import annotation
from judge.agreement.report import ceiling
from judge.config import Settings
from judge.demo.store import store_demo
from judge.errors import JudgeError
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store


def rate(db: Database, settings: Settings, who: str, count: int, dataset: int) -> list[int]:
    rated = []
    for n in range(count):
        pair = annotation.next_pair(db, settings, who, dataset, [])
        assert pair is not None
        annotation.submit_rating(db, settings, pair_id=pair, annotator=who, score=1 + (pair + n) % 5, note="",
                                 seconds=3.0, token=f"{who}-{n}", editing=False, dataset=dataset)  # fmt: skip
        rated.append(pair)
    return rated


def test_three_annotators_rating_ten_each_on_200_pairs_give_people_among_themselves(db: Database) -> None:
    store_demo(db, count=200)
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    settings = Settings.from_env({})  # the default overlap: 10% of a dataset
    picks = [rate(db, settings, who, 10, dataset) for who in ("ana", "ben", "cy")]
    assert picks[0] == picks[1] == picks[2]  # the same pairs first, in the same order
    figures = ceiling(rating_store.ratings_frame(db, "demo"))
    assert figures.pairs == 10 and figures.exact is not None and figures.alpha_ordinal is not None


def test_without_overlap_the_first_ratings_spread_out(db: Database) -> None:
    store_demo(db, count=200)
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    settings = Settings.from_env({"JUDGE_OVERLAP": "0"})
    picks = [set(rate(db, settings, who, 10, dataset)) for who in ("ana", "ben", "cy")]
    assert not (picks[0] & picks[1] & picks[2])
    assert ceiling(rating_store.ratings_frame(db, "demo")).pairs == 0


def test_the_cap_per_pair_still_holds_for_overlap_pairs(db: Database) -> None:
    store_demo(db, count=24)
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    settings = Settings.from_env({"JUDGE_OVERLAP": "5", "JUDGE_ANNOTATORS_PER_PAIR": "2"})
    first = [rate(db, settings, who, 1, dataset)[0] for who in ("ana", "ben", "cy")]
    assert first[0] == first[1] != first[2]  # two on the first overlap pair, then the third moves on


@pytest.mark.parametrize("bad", ["lots", "150%", "-3", "1.5"])
def test_a_bad_overlap_setting_names_the_variable(bad: str) -> None:
    with pytest.raises(JudgeError, match="JUDGE_OVERLAP must be a number of pairs"):
        Settings.from_env({"JUDGE_OVERLAP": bad})


def test_a_rating_for_a_pair_of_another_dataset_is_refused(db: Database) -> None:
    store_demo(db, count=4)
    other = pair_store.dataset_id(db, "other", create=True)
    pair = annotation.next_pair(db, Settings(), "ana", pair_store.dataset_id(db, "demo"), [])  # type: ignore[arg-type]
    with pytest.raises(JudgeError, match="not in the dataset on your screen"):
        annotation.submit_rating(db, Settings(), pair_id=pair, annotator="ana", score=4, note="", seconds=1.0,  # type: ignore[arg-type]
                                 token="t", editing=False, dataset=other)  # fmt: skip
    assert rating_store.ratings_frame(db, "demo").empty
