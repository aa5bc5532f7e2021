"""Every statistic equals a reference implementation on random data, and the edge cases are defined."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy import stats as sp
from sklearn.metrics import cohen_kappa_score

from judge.agreement import stats as s

SEEDS = range(25)


def random_pairs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    human = rng.integers(1, 6, n)
    noise = rng.choice([-2, -1, 0, 0, 0, 1, 2], n) if seed % 2 else rng.integers(-4, 5, n)
    return human, np.clip(human + noise, 1, 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_judge_vs_human_figures_equal_the_references(seed: int) -> None:
    human, judge = random_pairs(seed)
    t = s.table_of(human, judge)
    labels = [1, 2, 3, 4, 5]
    assert s.kappa(t) == pytest.approx(cohen_kappa_score(human, judge, labels=labels), abs=1e-9)
    for w in ("linear", "quadratic"):
        assert s.kappa(t, w) == pytest.approx(cohen_kappa_score(human, judge, labels=labels, weights=w), abs=1e-9)
    assert s.spearman(t) == pytest.approx(sp.spearmanr(human, judge).statistic, abs=1e-9)
    assert s.kendall_tau_b(t) == pytest.approx(sp.kendalltau(human, judge, variant="b").statistic, abs=1e-9)
    assert s.pearson(t) == pytest.approx(sp.pearsonr(human, judge).statistic, abs=1e-9)
    reference = krippendorff.alpha(np.vstack([human, judge]).astype(float), level_of_measurement="ordinal")
    assert s.alpha_ordinal_table(t) == pytest.approx(reference, abs=1e-9)
    assert s.exact(t) == pytest.approx(np.mean(human == judge), abs=1e-12)
    assert s.within_one(t) == pytest.approx(np.mean(np.abs(human - judge) <= 1), abs=1e-12)
    assert s.pass_fail(t) == pytest.approx(np.mean((human >= 4) == (judge >= 4)), abs=1e-12)
    assert s.mae(t) == pytest.approx(np.mean(np.abs(human - judge)), abs=1e-12)
    assert s.bias(t) == pytest.approx(np.mean(judge - human), abs=1e-12)


def rater_counts(matrix: np.ndarray) -> np.ndarray:
    """units x 5 counts from a raters x units matrix with NaN for missing."""
    return np.stack([(matrix == c).sum(0) for c in range(1, 6)], axis=1).astype(float)


@pytest.mark.parametrize("seed", SEEDS)
def test_inter_annotator_alpha_equals_the_krippendorff_package_with_missing_ratings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raters, units = int(rng.integers(2, 6)), int(rng.integers(5, 200))
    truth = rng.integers(1, 6, units)
    matrix = np.clip(truth + rng.integers(-1, 2, (raters, units)), 1, 5).astype(float)
    matrix[rng.random((raters, units)) < 0.3] = np.nan
    reference = krippendorff.alpha(matrix, level_of_measurement="ordinal")
    assert s.alpha_ordinal(rater_counts(matrix)) == pytest.approx(reference, abs=1e-9)


def test_gwet_ac1_on_a_worked_example() -> None:
    # two raters, yes/no: 40 both yes, 30 both no, 20 and 10 disagreements (Gwet 2014, chapter 4 style)
    counts = np.array([[2, 0]] * 40 + [[0, 2]] * 30 + [[1, 1]] * 30, dtype=float)
    pa = 0.7
    pi_yes = (40 * 1 + 30 * 0.5) / 100
    pe = 2 * pi_yes * (1 - pi_yes) / 1
    assert s.gwet_ac1(counts) == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)


def test_pairwise_agreement_counts_every_pair_of_ratings() -> None:
    counts = np.array([[0, 0, 3, 0, 0], [1, 1, 0, 0, 0], [1, 0, 0, 0, 1]], dtype=float)
    exact, within = s.pairwise_agreement(counts)
    assert exact == pytest.approx(3 / 5) and within == pytest.approx(4 / 5)


def test_edge_cases_are_none_not_numbers() -> None:
    empty = s.table_of(np.array([], dtype=int), np.array([], dtype=int))
    assert all(fn(empty) is None for _, fn in s.FIGURES.values())
    one = s.table_of(np.array([3]), np.array([3]))
    assert s.exact(one) == 1.0 and s.spearman(one) is None and s.kendall_tau_b(one) is None
    assert s.pearson(one) is None
    single_class = s.table_of(np.array([4, 4, 4]), np.array([4, 4, 4]))
    assert s.kappa(single_class) is None and s.alpha_ordinal_table(single_class) is None
    assert s.exact(single_class) == 1.0
    no_spread = s.table_of(np.array([1, 2, 3]), np.array([5, 5, 5]))
    assert s.spearman(no_spread) is None and s.pearson(no_spread) is None
    assert s.kappa(no_spread) == pytest.approx(cohen_kappa_score([1, 2, 3], [5, 5, 5], labels=[1, 2, 3, 4, 5]))
    assert s.alpha_ordinal(np.array([[0, 0, 1, 0, 0]], dtype=float)) is None  # one rating per unit: nothing pairs
    assert s.gwet_ac1(np.array([[0, 1]], dtype=float)) is None


def test_intervals_are_seeded_and_hold_the_estimate() -> None:
    human, judge = random_pairs(3)
    t = s.table_of(human, judge)
    first, again = s.figures(t, resamples=300, seed=7), s.figures(t, resamples=300, seed=7)
    assert first == again
    for f in first:
        if f.value is not None and f.low is not None and f.high is not None:
            assert f.low <= f.high
            assert f.low - 0.05 <= f.value <= f.high + 0.05
