"""The figures a team acts on, each against an independent oracle: hand-computed cases, statsmodels and
ppi_py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ppi_py import ppi_mean_ci, ppi_mean_pointestimate
from scipy import stats as sp
from statsmodels.api import OLS, add_constant
from statsmodels.stats.multitest import multipletests

from judge.agreement.alt_test import EPSILONS, alt_test, by_rejections
from judge.agreement.bias import order_shift, size_slope
from judge.agreement.budget import narrowed, rate_next
from judge.agreement.insights import insights_from
from judge.agreement.ppi import difference, ppi_mean
from judge.agreement.repeatability import repeatability
from judge.agreement.report import report_from
from judge.agreement.strata import strata
from judge.agreement.verdict import headline_sentence, people_share, reading


def _ratings(table: dict[str, dict[int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"pair_id": p, "annotator": a, "score": s} for a, row in table.items() for p, s in row.items()])


# Three annotators, four pairs; worked by hand in the comments of each assertion.
HAND = {"A": {1: 5, 2: 4, 3: 2, 4: 1}, "B": {1: 5, 2: 4, 3: 3, 4: 1}, "C": {1: 4, 2: 4, 3: 2, 4: 2}}
JUDGE = pd.Series({1: 5, 2: 4, 3: 2, 4: 1})


def test_alt_test_on_a_case_worked_by_hand() -> None:
    result = alt_test(_ratings(HAND), JUDGE, 0.15, min_pairs=4)
    rows = {r.annotator: r for r in result.annotators}
    # A: the judge gives A's very scores, every pair a tie: both sides win all, d = 0 everywhere, p = 0
    assert (rows["A"].judge_wins, rows["A"].person_wins, rows["A"].p_value) == (1.0, 1.0, 0.0)
    # B: only pair 3 differs (B 3 against {2, 2}: RMSE 1; the judge's 2: RMSE 0): d = [0, 0, -1, 0],
    # mean -0.25, sd 0.5, t = (-0.25 - 0.15) / (0.5 / 2) = -1.6 on 3 degrees of freedom
    assert rows["B"].judge_wins == 1.0 and rows["B"].person_wins == 0.75
    assert rows["B"].p_value == pytest.approx(sp.t.cdf(-1.6, 3))
    # C: pairs 1 and 4 go to the judge: d = [-1, 0, 0, -1], mean -0.5, sd sqrt(1/3), t = -0.65 / (sqrt(1/3) / 2)
    assert rows["C"].p_value == pytest.approx(sp.t.cdf(-0.65 / (np.sqrt(1 / 3) / 2), 3))
    # BY, m = 3: thresholds k / 3 * 0.05 / (1 + 1/2 + 1/3) = 0.0091, 0.018, 0.027; p sorted 0, 0.055, 0.104
    assert [rows[a].judge_replaces for a in "ABC"] == [True, False, False]
    assert result.winning_rate == pytest.approx(1 / 3) and result.advantage == 1.0
    assert result.passed is False and "cannot stand in" in result.answer


def test_alt_test_with_accuracy_scoring_counts_matches() -> None:
    rows = {r.annotator: r for r in alt_test(_ratings(HAND), JUDGE, 0.1, scoring="accuracy", min_pairs=4).annotators}
    # C against {A, B}: pair 1 C=4 matches none of {5, 5}, the judge's 5 both: the judge wins; pair 3 C=2
    # matches A, the judge's 2 too: a tie; pair 4 the judge again: judge 1.0, C 0.5
    assert rows["C"].judge_wins == 1.0 and rows["C"].person_wins == 0.5


def test_alt_test_says_what_it_needs() -> None:
    two = {"A": HAND["A"], "B": HAND["B"]}
    result = alt_test(_ratings(two), JUDGE, EPSILONS["experts"], min_pairs=4)
    assert result.passed is None and "at least 3" in result.answer
    few = alt_test(_ratings(HAND), JUDGE, 0.2)  # 4 pairs each, 30 needed
    assert few.passed is None and few.winning_rate is None
    assert "30 pairs each" in few.answer and "A 4" in few.answer


def test_alt_test_passes_a_judge_that_matches_people_better_than_they_match_each_other() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, 60)
    people = {f"p{k}": {i: int(np.clip(t + rng.choice([-1, 0, 1]), 1, 5)) for i, t in enumerate(truth)} for k in range(4)}
    result = alt_test(_ratings(people), pd.Series(truth, index=range(60)), EPSILONS["skilled"])
    assert result.passed is True and result.winning_rate == 1.0 and "can stand in" in result.answer


@pytest.mark.parametrize("seed", range(5))
def test_benjamini_yekutieli_matches_statsmodels(seed: int) -> None:
    p = np.random.default_rng(seed).uniform(0, 0.05, 8).tolist() + [0.5, 0.9]
    assert by_rejections(p) == multipletests(p, alpha=0.05, method="fdr_by")[0].tolist()


def test_benjamini_yekutieli_by_hand() -> None:
    # m = 4, H = 2.0833: thresholds 0.006, 0.012, 0.018, 0.024: the first two pass, 0.02 does not
    assert by_rejections([0.02, 0.001, 0.5, 0.01]) == [False, True, False, True]


def test_strata_by_hand() -> None:
    ratings = _ratings({"A": {1: 5, 2: 4, 3: 1, 4: 3}, "B": {1: 5, 2: 3, 3: 4}})
    both = pd.DataFrame({"human": [5, 3, 1, 3], "judge": [5, 5, 2, 3]}, index=[1, 2, 3, 4])
    got = {s.key: s for s in strata(ratings, both)}
    assert (got["unanimous"].pairs, got["unanimous"].judge_exact, got["unanimous"].people_exact) == (1, 1.0, 1.0)
    assert (got["split"].pairs, got["split"].judge_within_one, got["split"].people_within_one) == (1, 0.0, 1.0)
    assert (got["contested"].pairs, got["contested"].judge_within_one, got["contested"].people_within_one) == (1, 1.0, 0.0)
    assert got["single"].pairs == 1 and got["single"].people_exact is None


def test_repeatability_by_hand() -> None:
    results = pd.DataFrame({"pair_id": [1, 1, 1, 2, 2, 3, 3, 4],
                            "score": [4, 4, 3, 2, 2, 5, None, 1]})  # fmt: skip
    human = pd.Series({1: 4, 2: 4, 4: 1})
    r = repeatability(results, human)
    # pair 1: 4, 4, 3 (mode 4, spread 1, straddles 4); pair 2: 2, 2 (stable); 3 and 4 have one scored sample
    assert (r.pairs, r.samples, r.flip_rate, r.straddle_rate) == (2, 5, 0.5, 0.5)
    per = r.per_pair.set_index("pair_id")
    assert per.loc[1, "mode"] == 4 and bool(per.loc[1, "straddles"]) and per.loc[2, "spread"] == 0
    # all rated: 1 (median 4, people 4), 2 (2 vs 4), 4 (1 vs 1): 2 of 3 within one; stable and rated: pair 2
    assert r.within_one_all == pytest.approx(2 / 3) and r.within_one_stable == 0.0 and r.stable_rated == 1


def test_repeatability_with_one_sample_says_how_to_measure_it() -> None:
    r = repeatability(pd.DataFrame({"pair_id": [1, 2], "score": [3, 4]}), pd.Series({1: 3}))
    assert r.flip_rate is None and "Repeat on N pairs" in (r.missing or "")


def test_order_shift_by_hand() -> None:
    normal = {1: 3, 2: 4, 3: 2, 4: 5, 5: 1, 6: 2}
    flipped = {1: 4, 2: 5, 3: 3, 4: 5, 5: 2, 6: 3}  # shifts 1, 1, 1, 0, 1, 1
    shift = order_shift(pd.Series({**normal, **{k + 6: v for k, v in normal.items()}}),
                        pd.Series({**flipped, **{k + 6: v for k, v in flipped.items()}, 99: 1}))  # fmt: skip
    # twelve shifts, ten of 1 and two of 0: mean 5/6, variance (10 (1/6)^2 + 2 (5/6)^2) / 11 = 60 / 396
    half = sp.t.ppf(0.975, 11) * np.sqrt(60 / 396) / np.sqrt(12)
    assert (shift.pairs, shift.moved) == (12, 10)
    assert shift.mean == pytest.approx(5 / 6) and shift.low == pytest.approx(5 / 6 - half)
    assert "Order matters" in shift.reading and "higher" in shift.reading
    few = order_shift(pd.Series(normal), pd.Series(flipped))  # six pairs: too few to claim anything
    assert few.mean is None and "10 or more needed" in few.reading
    calm = order_shift(pd.Series({i: 3 for i in range(12)}), pd.Series({i: 3 + (i % 3 == 0) - (i % 3 == 1) for i in range(12)}))
    assert "does not move the score" in calm.reading and "8 of 12 pairs got another score" in calm.reading


@pytest.mark.parametrize("seed", range(3))
def test_size_slope_matches_statsmodels_least_squares(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = pd.Series(rng.integers(3, 40, 50).astype(float))
    gap = pd.Series(0.05 * size + rng.normal(0, 1, 50)).round()
    ours = size_slope(gap, size)
    fit = OLS(gap.to_numpy(), add_constant(size.to_numpy())).fit()
    low, high = fit.conf_int(0.05)[1]
    assert ours.slope == pytest.approx(fit.params[1]) and ours.low == pytest.approx(low) and ours.high == pytest.approx(high)


def test_size_slope_says_why_when_it_cannot() -> None:
    assert "two sizes" in size_slope(pd.Series([1.0, 0.0, 1.0] * 4), pd.Series([5.0] * 12)).reading
    assert "(3 now)" in size_slope(pd.Series([1.0, 0.0, 1.0]), pd.Series([5.0, 6.0, 7.0])).reading


@pytest.mark.parametrize("seed", range(6))
def test_ppi_mean_matches_ppi_py(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, big_n = int(rng.integers(5, 60)), int(rng.integers(20, 500))
    truth = rng.integers(1, 6, n + big_n).astype(float)
    judge = np.clip(truth + rng.choice([-1, 0, 0, 1, 2], n + big_n), 1, 5)
    y, yhat, unrated = truth[:n], judge[:n], judge[n:]
    ours = ppi_mean(y, yhat, unrated)
    assert ours.mean == pytest.approx(float(np.ravel(ppi_mean_pointestimate(y, yhat, unrated))[0]))
    low, high = ppi_mean_ci(y, yhat, unrated, alpha=0.05)
    assert (ours.low, ours.high) == (pytest.approx(float(np.ravel(low)[0])), pytest.approx(float(np.ravel(high)[0])))


def test_ppi_by_hand() -> None:
    # y = [4, 2], yhat = [5, 3], unrated [5, 5]: cov_n(y, yhat) = 1, var(all yhat, ddof 1) = 1, n / N = 1:
    # lam = 1 / (2 * 1) = 0.5; estimate 0.5 * 5 + mean([4 - 2.5, 2 - 1.5]) = 2.5 + 1.0 = 3.5
    e = ppi_mean(np.array([4, 2]), np.array([5, 3]), np.array([5, 5]))
    assert e.lam == pytest.approx(0.5) and e.mean == pytest.approx(3.5)
    # variance: var(0.5 * [5, 5]) / 2 = 0 plus var([1.5, 0.5]) / 2 = 0.125
    assert e.se == pytest.approx(np.sqrt(0.125))
    assert "needs 2 or more" in (ppi_mean(np.array([4]), np.array([5]), np.array([5])).missing or "")


def test_difference_of_two_generators() -> None:
    a = ppi_mean(np.array([4, 2]), np.array([5, 3]), np.array([5, 5]))
    b = ppi_mean(np.array([1, 3, 2]), np.array([1, 3, 2]), np.array([]))  # all rated: people's mean
    assert b.lam == 0 and b.mean == pytest.approx(2.0)
    diff, low, high = difference(a, b) or (0, 0, 0)
    assert diff == pytest.approx(1.5) and high - diff == pytest.approx(1.959964 * np.hypot(a.se, b.se), rel=1e-5)


def test_budget_narrows_as_the_square_root_of_pairs() -> None:
    assert narrowed(0.14, 36, 108) == pytest.approx(0.07)
    ratings = pd.DataFrame({"pair_id": [1, 1, 2, 3], "score": [1, 5, 3, 3]})
    results = pd.DataFrame({"pair_id": [1, 2, 3, 4, 4], "score": [3, 5, 3, 3, 4]})
    order = rate_next(ratings, results)
    # 1: people 4 apart; 4: unrated and the judge straddles pass; 2: the judge 2 away from the one rating
    assert order["pair_id"].tolist() == [4, 1, 2]
    assert "both sides of pass" in order.iloc[0]["why"] and "4 points apart" in order.iloc[1]["why"]


def test_headline_sentence_and_readings() -> None:
    ratings = pd.DataFrame({"pair_id": [1, 2, 3, 4], "score": [5, 4, 1, 2]})
    results = pd.DataFrame({"pair_id": [1, 2, 3, 4], "score": [5.0, 3.0, 4.0, 2.0]})
    report = report_from(1, results, ratings, resamples=200)
    assert headline_sentence(report, "within_one").startswith("3 of 4 judge scores within one point of people's: 75%")
    assert reading(report.figure("exact")) == "The judge's score is the same as people's on 50% of pairs."
    assert "above" in reading(report.figure("bias")) or "below" in reading(report.figure("bias"))


def test_a_person_and_the_judge_against_the_others_by_hand() -> None:
    # pair 1: 5, 5, 4: leaving out each, the others' lower median is 4 (of 5, 4), 4, 5: person exact 1 of 3
    # (the 4 against {5, 5}: no; each 5 against {5, 4}: lower median 4, no... see below), pair 2: 2, 4
    ratings = pd.DataFrame({"pair_id": [1, 1, 1, 2, 2, 3], "score": [5, 5, 4, 2, 4, 1]})
    judge = pd.Series({1: 5, 2: 3, 3: 1})
    exact = people_share(ratings, "exact", judge)
    within = people_share(ratings, "within_one", judge)
    # targets: pair 1: the first 5 against {5, 4} -> 4; the second 5 -> 4; the 4 against {5, 5} -> 5;
    #          pair 2: the 2 against {4} -> 4; the 4 against {2} -> 2. Pair 3 has one rating: left out.
    # person exact: 5~4 no, 5~4 no, 4~5 no, 2~4 no, 4~2 no -> 0 of 5; within one: yes, yes, yes, no, no -> 3 of 5
    # judge 5 on pair 1 against 4, 4, 5: exact 1, within 3; judge 3 on pair 2 against 4, 2: within 2 -> 5 of 5
    assert (exact.value, exact.judge, exact.units, exact.pairs) == (0.0, pytest.approx(1 / 5), 5, 2)
    assert within.value == pytest.approx(3 / 5) and within.judge == 1.0
    assert within.low is not None and within.low <= within.value <= (within.high or 0)


def test_insights_from_frames_carry_every_figure() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, 40)
    ratings = pd.DataFrame([{"pair_id": i, "annotator": a, "score": int(np.clip(t + rng.choice([-1, 0, 1]), 1, 5))}
                            for i, t in enumerate(truth) for a in ("ann", "bo", "cy")])  # fmt: skip
    results = pd.DataFrame({"pair_id": np.repeat(np.arange(50), 2), "score": np.repeat(np.r_[truth, [3] * 10], 2)})
    found = insights_from(7, results, ratings, resamples=100)
    blob = found.to_json()
    assert blob["alternative_annotator_test"]["passed"] is True
    assert blob["repeatability"]["flip_rate"] == 0.0 and blob["budget"]["unrated_judged_pairs"] == 10
    assert {s["key"] for s in blob["by_human_agreement"]} == {"unanimous", "split", "contested", "single"}
    assert blob["rate_next"] and blob["order"] is None


def test_repeatability_leaves_out_failed_generations() -> None:
    from judge.judgment import FAILED_GENERATION

    results = pd.DataFrame({"pair_id": [1, 1, 2, 2], "score": [3, 4, 1, 1],
                            "reasoning": ["a", "b", f"{FAILED_GENERATION}: x", f"{FAILED_GENERATION}: x"]})  # fmt: skip
    r = repeatability(results, pd.Series(dtype=int))
    assert (r.pairs, r.flip_rate) == (1, 1.0)  # pair 2 was never asked: it says nothing of repeating


def test_rate_next_leaves_out_pairs_rated_as_often_as_a_pair_takes() -> None:
    ratings = pd.DataFrame({"pair_id": [1, 1, 1, 2, 2], "score": [1, 5, 3, 1, 5]})
    results = pd.DataFrame({"pair_id": [1, 2], "score": [3, 3]})
    assert rate_next(ratings, results, per_pair=3)["pair_id"].tolist() == [2]
    assert rate_next(ratings, results, per_pair=4)["pair_id"].tolist() == [2, 1]  # fewer ratings first


def test_a_figure_that_cannot_be_computed_says_why() -> None:
    ratings = pd.DataFrame({"pair_id": [1, 2, 3], "score": [1, 3, 5]})
    constant = report_from(1, pd.DataFrame({"pair_id": [1, 2, 3], "score": [4.0, 4.0, 4.0]}), ratings, resamples=50)
    assert reading(constant.figure("spearman"), report=constant) == (
        "Cannot be computed: the judge gave every pair the same score (4), so there is no spread."
    )
    one = report_from(1, pd.DataFrame({"pair_id": [1], "score": [4.0]}), ratings, resamples=50)
    assert "it needs 2 or more" in reading(one.figure("kappa"), report=one)
