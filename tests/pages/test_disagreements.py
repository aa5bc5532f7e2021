"""The Disagreements page in AppTest: largest gap first, both sides shown, adjudication stored with who."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.agreement.disagreements import disagreements
from judge.data.files import safe_csv
from storage import runs as r
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
    assert any("Score **5**" in m.value for m in at.markdown)
    at.radio[1].set_value("humans_right")
    at.text_input[0].input("the window is wrong")
    next(b for b in at.button if b.label == "Save verdict").click().run()
    saved = r.adjudications_frame(db, run)
    assert list(saved["verdict"]) == ["humans_right"] and list(saved["adjudicator"]) == ["lee"]
    assert any("The people are right - by lee" in i.value for i in at.info)


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
