"""The Agreement page in AppTest: figures with intervals, the ceiling, a comparison, the trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.agreement.test_report import rated_db
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "agreement.py")


def test_figures_ceiling_comparison_and_trend(db_path: Path) -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, 120)
    rated_db(opened(db_path), truth.tolist(), np.clip(truth + rng.integers(-2, 3, 120), 1, 5).tolist(),
             truth.tolist())  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.metric[0].label == "Agreement within one point"
    table = at.dataframe[0].value
    assert "Cohen's kappa, quadratic weights" in list(table["figure"])
    assert all("–" in cell for cell in table["95% interval"])
    assert at.dataframe[1].value["pairs"].sum() == 120  # the breakdown (one dataset here)
    at.selectbox(key="agreement_run").set_value(2)
    at.selectbox(key="agreement_vs").set_value(1).run()
    assert not at.exception
    compared = at.dataframe[2].value
    exact = compared[compared["figure"] == "Exact agreement"].iloc[0]
    assert exact["after"] == "1.000" and exact["beyond noise"] == "yes"
    assert any("McNemar" in c.value for c in at.caption)


def test_without_runs_the_page_says_where_to_start(db_path: Path) -> None:
    opened(db_path)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert "No judge runs yet" in at.info[0].value
