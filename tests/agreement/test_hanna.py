"""The real HANNA ratings: the published Gwet AC1 figures, people's alpha, judges loaded or refused."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from judge.agreement.report import report
from judge.agreement.stats import gwet_ac1
from judge.data.hanna import SCORES_FILE, _rows, load_hanna, user_study_flags
from storage import Database

HANNA = Path(__file__).parents[3] / "shared" / "data" / "hanna"
pytestmark = pytest.mark.skipif(not HANNA.exists(), reason="shared/data/hanna is not next to the project")


def test_the_published_gwet_ac1_figures_come_out_the_same() -> None:
    flags = user_study_flags(HANNA)
    published = {"guidelines": 0.9023, "syntax": 0.9655, "superfluous": 0.6627, "unsubstantiated": 0.6019,
                 "incoherence": 0.8111}  # fmt: skip
    for flag, value in published.items():
        assert gwet_ac1(flags[flag]) == pytest.approx(value, abs=5e-5), flag


def test_ratings_and_judges_load_and_out_of_scale_judges_are_refused(db: Database) -> None:
    load = load_hanna(db, HANNA, criterion="CH")
    assert load.pairs == 1056 and load.ratings == 3 * 1056
    assert set(load.runs) | set(load.refused) == {"Beluga-13B", "OrcaPlatypus", "Mistral-7B", "Llama-13B", "ChatGPT"}
    for judge, why in load.refused.items():
        assert "outside the scale 1-5" in why and "hanna_metric_scores_llm.csv row" in why, judge
    assert load.runs, "some judges are on the scale"
    again = load_hanna(db, HANNA, criterion="CH")
    assert again.pairs == 0 and again.ratings == 0  # loading twice adds nothing
    result = report(db, next(iter(load.runs.values())), resamples=200)
    assert result.n == 1056 and result.ceiling.pairs == 1056
    people = np.array([sum((json.loads(r[f"Human {k} CH"]) for r in _rows(HANNA / SCORES_FILE)), [])
                       for k in (1, 2, 3)], dtype=float)  # fmt: skip
    assert result.ceiling.alpha_ordinal == pytest.approx(krippendorff.alpha(people, level_of_measurement="ordinal"))
    print({j: report(db, r, resamples=50).figure("kendall_tau_b").value for j, r in load.runs.items()},
          "people alpha", result.ceiling.alpha_ordinal, "refused", load.refused)
