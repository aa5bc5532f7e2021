"""The Annotate page in AppTest: sign in, rate, skip, edit, blind, queue order."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.demo.store import store_demo
from judge.judgment import Judgment
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "annotate.py")


def signed_in(name: str = "ana") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.text_input[0].input(name)
    at.button[0].click().run()
    return at


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def shown_pair(at: AppTest) -> int:
    return int(at.session_state.pair_id)


def test_asks_who_is_rating_first(db_path: Path) -> None:
    store_demo(opened(db_path), count=8)
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert any("Who is rating?" in m.value for m in at.markdown)
    assert "pair_id" not in at.session_state


def test_an_allowlist_refuses_other_names(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_ANNOTATORS", "ana,bo")
    store_demo(opened(db_path), count=8)
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert at.selectbox[0].options == ["ana", "bo"]
    at.button[0].click().run()
    assert "not on the list of annotators" in at.error[0].value


def test_rate_then_the_next_pair_is_shown_and_the_rating_is_stored(db_path: Path) -> None:
    db = opened(db_path)
    store_demo(db, count=8)
    at = signed_in()
    first = shown_pair(at)
    at.text_input(key=f"note-{at.session_state.token}").input("window is right")
    button(at, "4 · Good").click().run()
    assert not at.exception
    assert shown_pair(at) != first
    assert at.success[0].value.startswith("Saved: 4")
    ratings = rating_store.ratings_frame(db)
    assert list(
        zip(ratings["pair_id"], ratings["annotator"], ratings["score"], ratings["note"], strict=True)
    ) == [(first, "ana", 4, "window is right")]


def test_skip_moves_on_without_a_rating(db_path: Path) -> None:
    db = opened(db_path)
    store_demo(db, count=8)
    at = signed_in()
    first = shown_pair(at)
    button(at, "Skip").click().run()
    assert shown_pair(at) != first
    assert rating_store.rating_count(db) == 0


def test_back_edits_a_rating_as_a_new_event(db_path: Path) -> None:
    db = opened(db_path)
    store_demo(db, count=8)
    at = signed_in()
    first = shown_pair(at)
    button(at, "2 · Poor").click().run()
    button(at, "Back").click().run()
    assert shown_pair(at) == first
    assert at.session_state.score == 2
    assert any("changing an earlier rating" in i.value for i in at.info)
    button(at, "5 · Perfect").click().run()
    events = rating_store.ratings_frame(db, current_only=False)
    assert list(events["score"]) == [2, 5]
    assert list(rating_store.ratings_frame(db)["score"]) == [5]


def test_blind_no_judge_score_or_mutation_is_shown(db_path: Path) -> None:
    db = opened(db_path)
    store_demo(db, count=8)
    run = run_store.create_run(db, name="gpt", judge_kind="external", status="imported")
    result_store.add_judgments(
        db, run, [Judgment("external", 1, reasoning="JUDGE-SECRET-REASONING").of(p) for p in range(1, 9)]
    )
    at = signed_in()
    pair = pair_store.pair(db, shown_pair(at))
    assert pair is not None
    page_text = " ".join(
        str(e.value) for e in [*at.markdown, *at.text, *at.caption, *at.info] if hasattr(e, "value")
    )
    page_text += " ".join(str(h.proto) for h in at.get("html"))
    for hidden in ("JUDGE-SECRET-REASONING", pair.metadata["mutation"], pair.metadata["effect"], "mutation"):
        assert hidden not in page_text
    assert pair.request is not None and pair.request in page_text


def test_queue_serves_pairs_with_fewest_ratings_first(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_OVERLAP", "0")  # no pair everyone rates first: the fewest ratings decide alone
    db = opened(db_path)
    store_demo(db, count=6)
    for pair_id in range(1, 6):
        rating_store.record_rating(db, rating_store.NewRating(pair_id, "other", 3, None, None, f"o{pair_id}"), first_only=True)
    at = signed_in()
    assert shown_pair(at) == 6  # the only pair nobody rated


def test_nothing_left_says_so(db_path: Path) -> None:
    db = opened(db_path)
    store_demo(db, count=1)
    at = signed_in()
    button(at, "3 · Acceptable").click().run()
    assert any("Nothing left for you to rate" in s.value for s in at.success)
