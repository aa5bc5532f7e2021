"""The Agreement page in AppTest: figures with intervals, the ceiling, a comparison, the trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from judge.config import Settings
from judge.demo.store import store_demo
from storage import labels
from storage import pairs as pair_store
from tests.agreement.test_report import rated_db
from tests.pages.conftest import opened
from tests.test_overlap import rate

PAGE = str(Path(__file__).parents[2] / "pages" / "agreement.py")


def test_figures_ceiling_comparison_and_trend(db_path: Path) -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, 120)
    rated_db(opened(db_path), truth.tolist(), np.clip(truth + rng.integers(-2, 3, 120), 1, 5).tolist(),
             truth.tolist())  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert [m.label for m in at.metric][4] == "Agreement within one point"
    table = frame_with(at, "figure")
    assert "Cohen's kappa, quadratic weights" in list(table["figure"])
    assert all("–" in cell for cell in table["95% interval"])
    assert frame_with(at, "pairs")["pairs"].sum() == 120  # the breakdown (one dataset here)
    at.selectbox(key="agreement_run").set_value(2)
    at.selectbox(key="agreement_vs").set_value(1).run()
    assert not at.exception
    compared = frame_with(at, "beyond noise")
    exact = compared[compared["figure"] == "Exact agreement"].iloc[0]
    assert exact["after"] == "1.000" and exact["beyond noise"] == "yes"
    assert any("McNemar" in c.value for c in at.caption)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_without_data_the_page_says_where_to_start(db_path: Path) -> None:
    opened(db_path)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert "No pairs yet" in at.info[0].value


def test_people_among_themselves_need_no_judge_run(db_path: Path) -> None:
    """Three annotators rate ten pairs each of a fresh 200-pair demo: the overlap makes the figures exist."""
    db = opened(db_path)
    store_demo(db, count=200)
    settings = Settings.from_env({})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    rate(db, settings, "ana", 10, dataset)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "Only ana has rated so far" in at.info[0].value
    assert "No judge run on this dataset yet" in at.info[1].value
    for who in ("ben", "cy"):
        rate(db, settings, who, 10, dataset)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs rated by two or more"] == "10"
    assert metrics["Same score"] != "n/a" and metrics["Krippendorff's alpha"] != "n/a"
    assert "30 given blind" in next(
        c.value for c in at.caption if c.value.startswith("Ratings in the consensus")
    )
    assert set(frame_with(at, "needs a look")["annotator"]) == {"ana", "ben", "cy"}


def test_no_second_rating_yet_says_what_is_missing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_OVERLAP", "0")
    db = opened(db_path)
    store_demo(db, count=50)
    settings = Settings.from_env({"JUDGE_OVERLAP": "0"})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    for who in ("ana", "ben"):
        rate(db, settings, who, 3, dataset)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert (
        "No pair has two ratings yet (6 pairs have one each). There is no overlap (JUDGE_OVERLAP=0)"
        in at.info[0].value
    )


def test_an_admin_leaves_an_annotator_out_of_the_consensus(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = opened(db_path)
    store_demo(db, count=50)
    settings = Settings.from_env({})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    for who in ("ana", "ben", "cy"):
        rate(db, settings, who, 5, dataset)
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "ben"
    at.run()
    assert not any(b.label == "Leave out of the consensus" for b in at.button)  # ben is no admin
    at.session_state["annotator"] = "lee"
    at.run()
    at.selectbox(key="exclude_who").set_value("cy").run()
    at.text_input(key="exclude_why").input("rated without reading")
    next(b for b in at.button if b.label == "Leave out of the consensus").click().run()
    assert list(labels.excluded(db)["annotator"]) == ["cy"]
    assert "Left out of the consensus: cy (rated without reading)." in next(
        c.value for c in at.caption if "Ratings in the consensus" in c.value
    )
    assert "15 given blind" not in " ".join(c.value for c in at.caption)  # cy's five no longer count
    next(b for b in at.button if b.label == "Count cy again").click().run()
    assert labels.excluded(db).empty
    at.run()
    assert at.text_input(key="exclude_why").value == ""  # the reason went with cy; it is not left for the next one
