"""Judge scores that are not points: a probability on a binary scale, a mean of samples on 1-5. Stored as given
beside the nearest point; correlations, the mean absolute error and the bias are of the numbers, agreement and
kappa of the points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats as sp

from judge.agreement.report import report
from judge.data import import_judgments, import_ratings
from judge.data.importer import ImportRejected, import_pairs
from judge.dataset_rubric import set_rules
from judge.judgment import Judgment
from judge.scale import FIVE, ScaleError, parse_scale
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from tests.conftest import csv_file

BINARY = parse_scale("binary:wrong,right")


@given(st.floats(min_value=1, max_value=5), st.sampled_from([FIVE, parse_scale("0-4"), BINARY]))
@example(2.5, FIVE).via("a half goes down")
@example(0.5, BINARY).via("a half goes down")
def test_the_nearest_point_is_within_half_a_point_and_a_half_goes_down(number: float, scale: object) -> None:
    from judge.scale import Scale

    assert isinstance(scale, Scale)
    value = min(max(number, scale.low), scale.high)
    point = scale.nearest(value)
    assert point in scale.points and abs(point - value) <= 0.5
    if value - int(value) == 0.5:
        assert point == int(value)


@pytest.mark.parametrize(("given_value", "expected"), [
    (0.97, 0.97), ("0.5", 0.5), ("true", 1.0), ("wrong", 0.0), (1, 1.0), ("0", 0.0),
])  # fmt: skip
def test_a_judge_number_on_the_range_is_read_as_given(given_value: object, expected: float) -> None:
    assert BINARY.value_of(given_value) == expected


@pytest.mark.parametrize("off", [1.2, -0.1, "nan", "inf", "maybe", None])
def test_a_number_off_the_range_is_refused_saying_the_range(off: object) -> None:
    with pytest.raises(ScaleError, match="outside the scale.s range 0 to 1|not a number|not a whole number|empty: a score is needed"):
        BINARY.value_of(off)


def test_a_judgments_value_must_round_to_its_score() -> None:
    assert Judgment("j", 1, value=0.97).value == 0.97
    with pytest.raises(ValueError, match="nearest point is its score"):
        Judgment("j", 0, value=0.97)


@pytest.fixture
def binary_pairs(db: Database, tmp_path: Path) -> Database:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(f'{{"external_id": "q{i}", "kind": "sql", "ground_truth": "SELECT {i}", '
                            f'"generated": "SELECT {i + i % 3}"}}\n' for i in range(40)))  # fmt: skip
    import_pairs(db, path, "sql", BINARY)
    return db


def test_probabilities_import_with_their_point_and_a_bad_one_names_row_and_field(
    binary_pairs: Database, tmp_path: Path
) -> None:
    db = binary_pairs
    bad = csv_file(tmp_path / "bad.csv", [{"external_id": "q0", "score": 0.4}, {"external_id": "q1", "score": 1.3}])
    with pytest.raises(ImportRejected, match=r"row 2, field 'score': the score '1.3' is outside the scale's range 0 to 1"):
        import_judgments(db, bad, "sql")
    assert result_store.results_frame(db).empty
    good = csv_file(tmp_path / "p.csv", [{"external_id": "q0", "score": 0.97}, {"external_id": "q1", "score": 0.5},
                                     {"external_id": "q2", "score": "true"}])  # fmt: skip
    run = import_judgments(db, good, "sql").run_id
    frame = result_store.results_frame(db, run)
    assert list(frame["score"]) == [1, 0, 1] and list(frame["value"]) == [0.97, 0.5, 1.0]


def test_correlations_mae_and_bias_are_of_the_numbers_and_agreement_of_the_points(
    binary_pairs: Database, tmp_path: Path
) -> None:
    db = binary_pairs
    rng = np.random.default_rng(7)
    people = [{"external_id": f"q{i}", "annotator": who, "score": int(rng.integers(0, 2))}
              for i in range(40) for who in ("ana", "ben", "cy")]  # fmt: skip
    import_ratings(db, csv_file(tmp_path / "r.csv", people), "sql")
    chance = np.round(rng.uniform(0, 1, 40), 3)
    run = import_judgments(db, csv_file(tmp_path / "j.csv", [{"external_id": f"q{i}", "score": p}
                                                          for i, p in enumerate(chance)]), "sql").run_id  # fmt: skip
    assert run is not None
    set_rules(db, "sql", "mean", "median")  # people's mean of three, not rounded, is what correlations see
    found = report(db, run, resamples=100)
    ids = pair_store.pairs_frame(db, "sql").set_index("external_id")["pair_id"]
    by_pair = {int(ids[f"q{i}"]): i for i in range(40)}
    human = np.array([np.mean([r["score"] for r in people if r["external_id"] == f"q{by_pair[p]}"])
                      for p in found.pair_ids])  # fmt: skip
    judge = np.array([chance[by_pair[p]] for p in found.pair_ids])
    assert found.figure("pearson").value == pytest.approx(sp.pearsonr(human, judge).statistic)
    assert found.figure("mae").value == pytest.approx(np.abs(judge - human).mean())
    assert found.figure("bias").value == pytest.approx((judge - human).mean())
    points_h = np.ceil(human - 0.5).astype(int)
    points_j = np.ceil(judge - 0.5).astype(int)
    assert found.figure("exact").value == pytest.approx((points_h == points_j).mean())
    low, high = found.figure("pearson").low, found.figure("pearson").high
    assert low is not None and high is not None and low < found.figure("pearson").value < high  # type: ignore[operator]


def test_a_judge_mean_of_samples_on_one_to_five_is_correlated_as_a_mean(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(f'{{"external_id": "s{i}", "kind": "text", "ground_truth": "t{i}", '
                            f'"generated": "g{i}"}}\n' for i in range(30)))  # fmt: skip
    import_pairs(db, path, "stories")
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, 30)
    import_ratings(db, csv_file(tmp_path / "r.csv", [{"external_id": f"s{i}", "annotator": "ana", "score": int(s)}
                                                 for i, s in enumerate(truth)]), "stories")  # fmt: skip
    means = np.clip(truth + rng.choice([-1, 0, 1], 30) / 3, 1, 5).round(4)
    run = import_judgments(db, csv_file(tmp_path / "j.csv", [{"external_id": f"s{i}", "score": m}
                                                          for i, m in enumerate(means)]), "stories").run_id  # fmt: skip
    found = report(db, int(run or 0), resamples=100)
    order = [int(p) - int(min(found.pair_ids)) for p in found.pair_ids]
    assert found.figure("spearman").value == pytest.approx(sp.spearmanr(truth[order], means[order]).statistic)
    assert found.figure("kendall_tau_b").value == pytest.approx(sp.kendalltau(truth[order], means[order]).statistic)


@pytest.mark.parametrize("rule", ["median", "mean", "majority", "rater:ana"])
def test_a_person_is_set_against_the_others_by_the_datasets_rule(rule: str) -> None:
    import pandas as pd

    from judge.agreement.report import consensus
    from judge.agreement.verdict import people_share

    rng = np.random.default_rng(11)
    rows = [(p, who, int(rng.integers(1, 6))) for p in range(60) for who in ("ana", "ben", "cy", "dee")
            if rng.random() < 0.8]  # fmt: skip
    ratings = pd.DataFrame(rows, columns=["pair_id", "annotator", "score"]).assign(consensus_rule=rule)
    hits, units = 0, 0
    for (pair, who), mine in ratings.groupby(["pair_id", "annotator"]):
        others = ratings[(ratings["pair_id"] == pair) & (ratings["annotator"] != who)]
        if others.empty or (rule.startswith("rater:") and (who == "ana" or "ana" not in set(others["annotator"]))):
            continue
        target = int(consensus(others, rule=rule).iloc[0])
        hits += int(abs(int(mine["score"].iloc[0]) - target) <= 1)
        units += 1
    found = people_share(ratings, "within_one", resamples=50)
    assert found.units == units and found.value == pytest.approx(hits / units)


def test_probabilities_end_to_end_import_agreement_gate(binary_pairs: Database, tmp_path: Path) -> None:
    """A binary dataset judged with probabilities: imported, agreement of the points and correlation of the
    numbers, and the gate decides on either from a calibration set."""
    from judge.calibration import decide, human, snapshot

    db = binary_pairs
    truth = np.array([i % 2 for i in range(40)])
    people = [{"external_id": f"q{i}", "annotator": who, "score": int(truth[i])} for i in range(40) for who in "ab"]
    import_ratings(db, csv_file(tmp_path / "r.csv", people), "sql")
    chance = [0.9 - 0.8 * (1 - t) if i % 5 else 0.45 + 0.1 * (1 - t) for i, t in enumerate(truth)]
    run = import_judgments(db, csv_file(tmp_path / "j.csv", [{"external_id": f"q{i}", "score": round(p, 2)}
                                                          for i, p in enumerate(chance)]), "sql").run_id  # fmt: skip
    assert run is not None
    found = report(db, run, resamples=200)
    points = np.ceil(np.array(chance) - 0.5).astype(int)
    assert found.figure("exact").value == pytest.approx(np.mean(points == truth))
    assert found.figure("pearson").value == pytest.approx(sp.pearsonr(truth, chance).statistic)
    calibration = snapshot(db, "cal", "sql", dev_share=0.0)
    decided = decide("cal", calibration.sha256, human(calibration, calibration.test_pairs), run,
                     result_store.results_frame(db, run), {"pearson": 0.5, "exact": 0.6}, None, scale=BINARY)  # fmt: skip
    assert decided.code == 0, decided.reason
    refused = decide("cal", calibration.sha256, human(calibration, calibration.test_pairs), run,
                     result_store.results_frame(db, run), {"exact": 0.95}, None, scale=BINARY)  # fmt: skip
    assert refused.code == 1, refused.reason
