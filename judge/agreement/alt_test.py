"""Can the judge stand in for an annotator? The alternative annotator test.

Calderon, Reichart and Dror, "The Alternative Annotator Test for LLM-as-a-Judge: How to Statistically
Justify Replacing Human Annotators with LLMs" (ACL 2025). Leave one annotator out at a time; on each pair
that annotator rated together with at least one other person, score how well the judge and how well the
left-out annotator match the others (negative RMSE for scores, as the paper does for rating scales; exact
match for labels). The judge "wins" a pair when it matches the others at least as well (ties count for
both sides). Per annotator, a one-sided t-test of H0: rho_judge <= rho_human - epsilon on the paired
indicators (human wins - judge wins), epsilon being the cost-benefit allowance the judge gets for being
cheaper. Benjamini-Yekutieli across annotators controls the false discovery rate; the winning rate is the
share of annotators whose null is rejected, and the judge passes at a winning rate of 0.5 or more. The
advantage probability is the mean over annotators of how often the judge wins a pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sp

__all__ = ["EPSILONS", "MIN_ANNOTATORS", "MIN_PAIRS", "AltTest", "AnnotatorTest", "alt_test", "by_rejections"]

EPSILONS = {"experts": 0.2, "skilled": 0.15, "crowd": 0.1}  # the paper's rule of thumb
MIN_ANNOTATORS = 3  # the paper: two work, but give no consensus to stand for
MIN_PAIRS = 30  # per annotator, for the t-test's normality (the paper's minimum)
Q_FDR = 0.05


@dataclass(frozen=True)
class AnnotatorTest:
    annotator: str
    pairs: int  # pairs this person rated together with someone else, and the judge scored
    judge_wins: float | None  # share of those pairs where the judge matched the others at least as well
    person_wins: float | None
    p_value: float | None
    judge_replaces: bool = False  # H0 rejected after Benjamini-Yekutieli
    skipped: str | None = None  # why this person is not tested


@dataclass(frozen=True)
class AltTest:
    epsilon: float
    annotators: list[AnnotatorTest]
    winning_rate: float | None
    advantage: float | None
    passed: bool | None  # None: cannot tell on this data
    answer: str
    scoring: str = "neg_rmse"
    tested: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "scoring": self.scoring, "winning_rate": self.winning_rate,
                "advantage_probability": self.advantage, "passed": self.passed, "answer": self.answer,
                "annotators": [a.__dict__ for a in self.annotators]}  # fmt: skip


def by_rejections(p_values: list[float], q: float = Q_FDR) -> list[bool]:
    """Benjamini-Yekutieli: which nulls are rejected at false discovery rate ``q`` under any dependence."""
    m = len(p_values)
    if not m:
        return []
    order = np.argsort(p_values, kind="stable")
    harmonic = float(np.sum(1.0 / np.arange(1, m + 1)))
    thresholds = np.arange(1, m + 1) / m * q / harmonic
    below = np.nonzero(np.asarray(p_values, dtype=float)[order] <= thresholds)[0]
    rejected = [False] * m
    if len(below):
        for i in order[: below[-1] + 1]:
            rejected[int(i)] = True
    return rejected


def _one_sided_p(differences: np.ndarray, epsilon: float) -> float:
    """p of H0: mean(human wins - judge wins) >= epsilon against 'less' (the judge is within epsilon)."""
    mean, sd = float(differences.mean()), float(differences.std(ddof=1))
    if sd == 0:  # every pair went the same way: the t statistic is infinite (or undefined at the boundary)
        return 0.0 if mean < epsilon else 1.0
    return float(sp.ttest_1samp(differences, epsilon, alternative="less").pvalue)


def alt_test(
    ratings: pd.DataFrame, judge: pd.Series, epsilon: float, *, scoring: str = "neg_rmse",
    min_pairs: int = MIN_PAIRS, q: float = Q_FDR,
) -> AltTest:  # fmt: skip
    """The test on current ratings (``pair_id``, ``annotator``, ``score``; one per person and pair) and the
    judge's score per pair (indexed by pair id)."""
    if scoring not in ("neg_rmse", "accuracy"):
        raise ValueError(f"scoring is neg_rmse or accuracy, not {scoring!r}")
    wide = ratings.pivot_table(index="pair_id", columns="annotator", values="score", aggfunc="last")
    wide = wide[wide.index.isin(judge.index) & (wide.notna().sum(axis=1) >= 2)]
    machine = judge.reindex(wide.index).to_numpy(dtype=float)
    rows: list[AnnotatorTest] = []
    for person in sorted(ratings["annotator"].unique(), key=str):
        mine = wide[person].notna().to_numpy() if person in wide else np.zeros(len(wide), bool)
        n = int(mine.sum())
        if n < min_pairs:
            rows.append(AnnotatorTest(str(person), n, None, None, None,
                                      skipped=f"{n} pairs shared with others, {min_pairs} needed"))  # fmt: skip
            continue
        part = wide[mine]
        own = part[person].to_numpy(dtype=float)
        others = [part[o].to_numpy(dtype=float) for o in part.columns if o != person]
        # each pair against the people who rated it: a missing rating drops out of that pair's mean
        human_score, judge_score = _pairwise(own, machine[mine], others, scoring)
        judge_win = (judge_score >= human_score).astype(int)
        person_win = (human_score >= judge_score).astype(int)
        p = _one_sided_p((person_win - judge_win).astype(float), epsilon)
        rows.append(AnnotatorTest(str(person), n, float(judge_win.mean()), float(person_win.mean()), p))
    tested = [r for r in rows if r.skipped is None]
    rejected = by_rejections([float(r.p_value) for r in tested if r.p_value is not None], q)
    done = {r.annotator: hit for r, hit in zip(tested, rejected, strict=True)}
    rows = [AnnotatorTest(r.annotator, r.pairs, r.judge_wins, r.person_wins, r.p_value, done.get(r.annotator, False),
                          r.skipped) for r in rows]  # fmt: skip
    if not tested:
        return AltTest(epsilon, rows, None, None, None, _needs(rows, min_pairs), scoring)
    winning = sum(done.values()) / len(tested)
    advantage = float(np.mean([r.judge_wins for r in tested]))
    if len(tested) < MIN_ANNOTATORS:
        answer = (f"Cannot tell yet: {len(tested)} annotator(s) have {min_pairs} or more pairs shared with others; "
                  f"the test needs at least {MIN_ANNOTATORS}. " + _needs(rows, min_pairs))  # fmt: skip
        return AltTest(epsilon, rows, winning, advantage, None, answer, scoring, [r.annotator for r in tested])
    passed = winning >= 0.5
    beaten = sum(done.values())
    answer = (
        f"The judge can stand in for an annotator here: against {beaten} of {len(tested)} annotators it matches "
        f"the other people about as well as that person does, trailing by less than epsilon = {epsilon:g} "
        f"(winning rate {winning:.0%}, 50% needed)."
        if passed
        else f"The judge cannot stand in for an annotator yet: it is shown to match the other people about as "
        f"well as the person left out (within epsilon = {epsilon:g}) for only {beaten} of {len(tested)} "
        f"annotators (winning rate {winning:.0%}, 50% needed)."
    )
    return AltTest(epsilon, rows, winning, advantage, passed, answer, scoring, [r.annotator for r in tested])


def _pairwise(
    own: np.ndarray, machine: np.ndarray, others: list[np.ndarray], scoring: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: how well the person and the judge match the other raters of that pair (NaN: did not rate)."""
    stack = np.vstack(others) if others else np.zeros((0, len(own)))
    present = ~np.isnan(stack)
    count = present.sum(axis=0)

    def against(values: np.ndarray) -> np.ndarray:
        gap = np.where(present, stack - values, 0.0)
        if scoring == "accuracy":
            return np.where(present, gap == 0, False).sum(axis=0) / count
        return -np.sqrt((gap**2).sum(axis=0) / count)

    return against(own), against(machine)


def _needs(rows: list[AnnotatorTest], min_pairs: int) -> str:
    counts = ", ".join(f"{r.annotator} {r.pairs}" for r in rows) or "nobody has rated yet"
    return (f"It needs at least {MIN_ANNOTATORS} annotators with {min_pairs} pairs each that someone else rated "
            f"too and the judge scored (now: {counts}).")  # fmt: skip

