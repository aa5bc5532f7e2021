"""A version against its parent on the same test pairs: the paired figures equal an independent SciPy
computation, and the sentence says better / worse / within noise as the interval does."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from judge.calibration import load_set, snapshot
from judge.comparison import compare_versions, p_value
from judge.errors import JudgeError
from judge.judgment import Judgment
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.conftest import text_pair


def people(db: Database, scores: np.ndarray) -> str:
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(len(scores))])
    for i, s in enumerate(scores):
        rating_store.record_rating(db, rating_store.NewRating(i + 1, "ana", int(s), None, 5.0, f"t{i}"), first_only=True)
    return snapshot(db, "cal", "d").sha256


def judged(db: Database, version: str, sha: str, scores: dict[int, int], model: str = "m") -> int:
    run = run_store.create_run(db, name=version, judge_kind="llm", status="finished", model=model,
                               prompt_name="judge-cot", prompt_version=version, calibration_sha256=sha,
                               planned=len(scores))  # fmt: skip
    result_store.add_judgments(db, run, [Judgment("llm", s, "r").of(p) for p, s in scores.items()])
    return run


@pytest.mark.parametrize("seed", range(4))
def test_the_paired_comparison_equals_scipy_on_random_data(db: Database, seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, 240)
    sha = people(db, truth)
    pairs = load_set(db, "cal").pairs
    ids = pairs["pair_id"].to_numpy()
    human = pairs["consensus"].to_numpy()
    base = np.clip(human + rng.choice([-2, -1, 0, 1, 2], len(ids), p=[0.15, 0.2, 0.3, 0.2, 0.15]), 1, 5)
    new = np.clip(human + rng.choice([-2, -1, 0, 1, 2], len(ids), p=[0.05, 0.2, 0.5, 0.2, 0.05]), 1, 5)
    judged(db, "3", sha, dict(zip(ids.tolist(), base.tolist(), strict=True)))
    judged(db, "4", sha, dict(zip(ids.tolist(), new.tolist(), strict=True)))
    result = compare_versions(db, "cal", "judge-cot@3", "judge-cot@4")

    test = pairs["split"].to_numpy() == "test"
    h, a, b = human[test], base[test], new[test]
    wa, wb = (np.abs(a - h) <= 1).astype(float), (np.abs(b - h) <= 1).astype(float)
    assert result.n == test.sum()
    assert result.figure.difference == pytest.approx(wb.mean() - wa.mean())
    boot = stats.bootstrap((wa, wb), lambda x, y, axis=-1: y.mean(axis) - x.mean(axis), paired=True,
                           vectorized=True, n_resamples=20_000, method="percentile", random_state=seed)  # fmt: skip
    assert result.figure.low == pytest.approx(boot.confidence_interval.low, abs=0.02)
    assert result.figure.high == pytest.approx(boot.confidence_interval.high, abs=0.02)
    only_a, only_b = int(((a == h) & (b != h)).sum()), int(((a != h) & (b == h)).sum())
    assert (result.base_only_exact, result.new_only_exact) == (only_a, only_b)
    expected_p = min(1.0, 2 * stats.binom.cdf(min(only_a, only_b), only_a + only_b, 0.5))
    assert result.mcnemar_p == pytest.approx(expected_p)
    assert sorted(result.now_within) == sorted(int(p) for p in ids[test][(wb > wa)])
    assert sorted(result.no_longer_within) == sorted(int(p) for p in ids[test][(wa > wb)])
    low, high = result.figure.low, result.figure.high
    assert low is not None and high is not None
    expected = "better, beyond noise" if low > 0 else "worse, beyond noise" if high < 0 else "within noise"
    assert result.sentence.endswith(expected) and f"on the same {result.n} pairs" in result.sentence


def test_the_sentence_reads_as_the_issue_asks_and_same_versions_are_within_noise(db: Database) -> None:
    truth = np.array([1, 2, 3, 4, 5] * 40)
    sha = people(db, truth)
    pairs = load_set(db, "cal").pairs
    same = dict(zip(pairs["pair_id"].tolist(), pairs["consensus"].tolist(), strict=True))
    judged(db, "3", sha, same)
    judged(db, "4", sha, same)
    result = compare_versions(db, "cal", "judge-cot@3", "judge-cot@4")
    assert result.call == "within noise" and result.sentence.startswith("Within one point of people: 100.0% -> 100.0% (+0.0 points") and "no change" in result.sentence
    worse = {p: (5 if s < 3 else 1) for p, s in same.items()}
    judged(db, "5", sha, worse)
    down = compare_versions(db, "cal", "judge-cot@3", "judge-cot@5")
    assert down.call == "worse" and down.sentence.endswith("worse, beyond noise")
    assert "test pairs of cal" in down.split
    with pytest.raises(JudgeError, match="no run of judge-cot@3 by other"):
        judged(db, "6", sha, same, model="other")
        compare_versions(db, "cal", "judge-cot@3", "judge-cot@6")


def test_p_values_are_written_as_a_person_reads_them() -> None:
    assert p_value(0.0000001) == "p < 0.001" and p_value(0.0123) == "p = 0.012" and "no pair" in p_value(None)
