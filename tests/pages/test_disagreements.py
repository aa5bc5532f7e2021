"""The Disagreements page in AppTest: largest gap first, both sides shown, adjudication stored with who."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.agreement.disagreements import disagreements, next_unadjudicated
from judge.data.files import safe_csv
from storage import adjudications as adjudication_store
from storage import labels
from storage import ratings as rating_store
from tests.agreement.test_report import rated_db
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "disagreements.py")


def test_gaps_sorted_filtered_and_exported_safely(db_path: Path) -> None:
    db = opened(db_path)
    run, _ = rated_db(db, [1, 5, 3, 2, 4], [5, 4, 1, 2, 1], [1, 5, 3, 2, 4])
    found = disagreements(db, run, min_gap=2)
    assert list(found["gap"]) == [4, -3, -2]
    assert list(disagreements(db, run, 2, "judge_higher")["gap"]) == [4]
    assert list(disagreements(db, run, 1)["gap"]) == [4, -3, -2, -1]
    assert "'=HYPERLINK" in safe_csv(found.assign(dataset="=HYPERLINK(1)"))


def test_a_disagreement_is_shown_and_adjudicated(db_path: Path) -> None:
    db = opened(db_path)
    run, _ = rated_db(db, [1, 5, 3], [5, 5, 3], [1, 5, 3])
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "lee"
    at.run()
    at.selectbox(key="disagree_run").set_value(run).run()
    assert not at.exception
    assert list(at.dataframe[0].value["gap"]) == [4]
    assert list(at.dataframe[0].value["verdict"]) == ["not yet"]
    assert any("Score **5**" in m.value for m in at.markdown)
    verdict = next(w for w in at.radio if w.label == "Verdict")
    assert verdict.value is None  # nothing leans: no verdict is chosen for anyone
    at.text_input[0].input("the window is wrong")
    next(b for b in at.button if b.label == "Save verdict").click().run()
    assert any("Pick a verdict first; nothing was saved." in e.value for e in at.error)
    assert adjudication_store.adjudications_frame(db, run).empty
    next(w for w in at.radio if w.label == "Verdict").set_value("humans_right")
    next(w for w in at.radio if w.label.startswith("The score this pair deserves")).set_value(1)
    next(b for b in at.button if b.label == "Save verdict").click().run()
    saved = adjudication_store.adjudications_frame(db, run)
    assert list(saved["verdict"]) == ["humans_right"] and list(saved["adjudicator"]) == ["lee"]
    assert list(saved["score"]) == [1]
    assert any("The people are right; the pair deserves 1 - by lee" in i.value for i in at.info)
    assert list(at.dataframe[0].value["verdict"]) == ["The people are right"]
    assert list(labels.gold_scores(db)["score"]) == [1]


def test_next_not_adjudicated_and_the_filter_walk_the_open_pairs(db_path: Path) -> None:
    db = opened(db_path)
    run, _ = rated_db(db, [1, 5, 3, 2, 4], [5, 1, 1, 4, 1], [1, 5, 3, 2, 4])
    found = disagreements(db, run, min_gap=2)
    order = list(found["pair_id"])  # gaps 4, -4, -3, -2, 2
    adjudication_store.add_adjudication(db, run, order[1], "judge_right", None, "lee")
    assert next_unadjudicated(disagreements(db, run), order[0]) == order[2]
    assert next_unadjudicated(disagreements(db, run), order[4]) == order[0]  # wraps round
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "lee"
    at.run()
    at.selectbox(key="disagree_run").set_value(run).run()
    assert at.selectbox(key="disagree_pair").value == order[0]  # opens on the first pair without a verdict
    next(b for b in at.button if b.label.startswith("Next not adjudicated")).click().run()
    assert at.selectbox(key="disagree_pair").value == order[2]  # order[1] has a verdict: passed over
    at.radio(key="adjudicated").set_value("done").run()
    assert list(at.dataframe[0].value["verdict"]) == ["The judge is right"]
    at.radio(key="adjudicated").set_value("open").run()
    assert len(at.dataframe[0].value) == 4


def test_whoever_sees_the_list_has_seen_the_judge_and_a_visitor_is_asked_who_they_are(db_path: Path) -> None:
    db = opened(db_path)
    run, _ = rated_db(db, [1, 5, 3, 1], [5, 5, 3, 4], [1, 5, 3, 1])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.dataframe and any(
        "Who is looking?" in m.value for m in at.markdown
    )  # no score before a name
    at.session_state["annotator"] = "ana"
    at.run()
    at.selectbox(key="disagree_run").set_value(run).run()
    listed = list(disagreements(db, run)["pair_id"])
    assert len(listed) == 2
    for n, pair_id in enumerate(listed):  # listed, opened or not: each rating of them is no longer blind
        rating_store.record_rating(db, rating_store.NewRating(int(pair_id), "ana", 4, None, 3.0, f"after{n}"), first_only=False)
    assert list(rating_store.ratings_frame(db, current_only=False)["kind"])[-2:] == ["after_reveal", "after_reveal"]
    shown = at.dataframe[1].value
    assert {"score", "note", "given", "counts"} <= set(shown.columns)


def test_with_an_admin_list_others_cannot_adjudicate(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    db = opened(db_path)
    run, _ = rated_db(db, [1, 5, 3], [5, 5, 3], [1, 5, 3])
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "sam"
    at.run()
    at.selectbox(key="disagree_run").set_value(run).run()
    assert not at.exception
    assert not any(b.label == "Save verdict" for b in at.button)
    assert any("Only the admins listed in JUDGE_ADMINS can adjudicate; sam is not one of them." in w.value
               for w in at.warning)  # fmt: skip
