"""Agreement of a stored judge run with the people who rated the same pairs; two runs compared.

The human consensus of a pair is the median of its current ratings; with an
even number of ratings whose median falls between two scores, the lower score
is taken (a judge is not credited with the benefit of the doubt). A judge
with several samples per pair is represented by the median of its samples,
ties broken the same way. Pairs without a human rating or a judge score (an
error) are left out and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sp

from judge.agreement.stats import (
    FIGURES,
    Figure,
    alpha_ordinal,
    applicable,
    figure_function,
    figure_label,
    figures,
    gwet_ac1,
    pairwise_agreement,
    table_of,
)
from judge.dataset_rubric import run_criterion, run_scale
from judge.errors import JudgeError
from judge.scale import FIVE, Scale
from storage import Database
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = [
    "HEADLINES",
    "ratings_of_run",
    "Ceiling",
    "Comparison",
    "Report",
    "ceiling",
    "compare_runs",
    "compare_runs_on",
    "compare_results",
    "consensus",
    "match",
    "report",
    "report_from",
    "tally",
]

HEADLINES = tuple(FIGURES)
RESAMPLES = 1000


RULES = ("median", "mean", "majority")
"""How several scores of a pair make one (besides ``rater:NAME``, one person's rating)."""
RULE_WORDS = {"median": "the median of the ratings (between two scores, the lower)",
              "mean": "the mean of the ratings, rounded to the nearest score (a half down)",
              "majority": "the most common rating (on a tie, the lower score)"}  # fmt: skip
SAMPLE_RULES = ("median", "mean")


def rule_words(rule: str) -> str:
    """People's side in words: "the median of the ratings ..." or "ana's rating (pairs ana did not rate are
    left out)"."""
    if rule.startswith("rater:"):
        name = rule.removeprefix("rater:")
        return f"{name}'s rating (pairs {name} did not rate are left out)"
    return RULE_WORDS.get(rule, rule)


def check_rule(rule: str, samples: bool = False) -> str:
    """``rule`` when it is one; else an error listing the ones there are."""
    allowed = SAMPLE_RULES if samples else RULES
    if rule in allowed or (not samples and rule.startswith("rater:") and rule.removeprefix("rater:").strip()):
        return rule
    more = "" if samples else ", or rater:NAME (one person's rating, such as an imported consensus)"
    raise JudgeError(f"{'a judge' if samples else 'people'}'s scores of a pair combine by "
                     f"{', '.join(allowed)}{more}; not {rule!r}")  # fmt: skip


def consensus(scores: pd.DataFrame, key: str = "pair_id", rule: str | None = None) -> pd.Series:
    """One score per pair by ``rule``, else the rule the frame carries (its ``consensus_rule`` column: the
    dataset's choice), else the median; a median between two scores and a mean on a half take the lower
    score (a judge is not credited with the benefit of the doubt)."""
    if scores.empty:
        return pd.Series(dtype=int)
    if "criterion" in scores and scores["criterion"].nunique() > 1 and (
        scores.groupby(key)["criterion"].nunique().max() > 1
    ):
        raise ValueError("ratings of several criteria of one pair were mixed: a figure is of one criterion")
    if rule is None and "consensus_rule" in scores:
        rules = scores["consensus_rule"].dropna().unique()
        if len(rules) > 1:  # datasets with different rules: each by its own
            return pd.concat([consensus(part, key, str(r)) for r, part in scores.groupby("consensus_rule")])
        rule = str(rules[0]) if len(rules) else None
    if rule == "mean":
        means = scores.groupby(key)["score"].mean()
        return np.ceil(means - 0.5).astype(int)
    if rule == "majority":
        return scores.groupby([key, "score"]).size().unstack(fill_value=0).idxmax(axis=1).astype(int)
    if rule is not None and rule.startswith("rater:"):
        own = scores[scores["annotator"] == rule.removeprefix("rater:")] if "annotator" in scores else scores[:0]
        return own.groupby(key)["score"].last().astype(int)
    counts = scores.groupby([key, "score"]).size().unstack(fill_value=0)
    cumulative = counts.cumsum(axis=1)
    totals = cumulative.iloc[:, -1]
    middle = (totals + 1) // 2  # the lower middle position, 1-based
    reached = cumulative.ge(middle, axis=0)
    return reached.idxmax(axis=1).astype(int)


@dataclass(frozen=True)
class Ceiling:
    """Agreement between people on pairs with two or more ratings: what a judge can be expected to reach."""

    pairs: int
    alpha_ordinal: float | None
    gwet_ac1: float | None
    exact: float | None
    within_one: float | None  # None where the scale has no within-one figure
    categories: int = 5  # the points of the scale AC1 and alpha count
    common: tuple[int, float] | None = None  # the most common point of these ratings, and its share


@dataclass(frozen=True)
class Report:
    run_id: int
    n: int
    no_human: int
    judge_errors: int
    figures: list[Figure]
    confusion: list[list[int]]  # rows: human consensus, columns: judge, the scale's points lowest first
    ceiling: Ceiling
    human_scores: list[int] = field(default_factory=list)
    judge_scores: list[int] = field(default_factory=list)
    pair_ids: list[int] = field(default_factory=list)  # the pairs compared, in the order of the scores
    scale: Scale = FIVE

    def figure(self, key: str) -> Figure:
        found = next((f for f in self.figures if f.key == key), None)
        if found is None:
            shown = ", ".join(f.key for f in self.figures)
            raise JudgeError(f"{key} is not a figure of the {self.scale.describe()} scale of this dataset; its "
                             f"figures are {shown}")  # fmt: skip
        return found

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.figures)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "n": self.n, "pairs_without_human_rating": self.no_human,
            "judge_errors": self.judge_errors,
            "figures": {f.key: {"label": f.label, "value": f.value, "ci95": [f.low, f.high]} for f in self.figures},
            "confusion": self.confusion, "human_ceiling": self.ceiling.__dict__,
            "scale": {"kind": self.scale.kind, "points": list(self.scale.points), "labels": list(self.scale.labels),
                      "pass_at": self.scale.pass_mark},
        }  # fmt: skip


def _results(db: Database, run_id: int) -> pd.DataFrame:
    results = result_store.results_frame(db, run_id)
    if results.empty:
        raise JudgeError(f"run {run_id} has no judgments (or no such run)")
    return results


def consensus_value(scores: pd.DataFrame, key: str = "pair_id", rule: str | None = None) -> pd.Series:
    """The number per pair before it is read as a point: the mean of the numbers given (``value`` where the frame
    has it: a judge's own number, else ``score``) where the rule is the mean, their median where it is the
    median of a judge's numbers that are not points, else :func:`consensus`'s point. Correlations, the mean
    absolute error and the bias are of these numbers."""
    if scores.empty:
        return pd.Series(dtype=float)
    if rule is None and "consensus_rule" in scores:
        rules = scores["consensus_rule"].dropna().unique()
        if len(rules) > 1:
            return pd.concat([consensus_value(part, key, str(r)) for r, part in scores.groupby("consensus_rule")])
        rule = str(rules[0]) if len(rules) else None
    numbers = scores["value"].astype(float) if "value" in scores else scores["score"].astype(float)
    if rule == "mean":
        return numbers.groupby(scores[key]).mean()
    points = consensus(scores, key, rule).astype(float)
    if "value" in scores and (numbers != scores["score"]).any():  # a judge's numbers: the median of them
        medians = numbers.groupby(scores[key]).median()
        return medians.where(numbers.groupby(scores[key]).size() > 0, points)
    return points


def match(results: pd.DataFrame, ratings: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Judge and human consensus per pair (columns ``judge``, ``human``: points; ``judge_value``,
    ``human_value``: the numbers before they are read as points), pairs without people, judge errors."""
    errors = int(results["score"].isna().groupby(results["pair_id"]).all().sum())
    scored = results.dropna(subset=["score"]).astype({"score": int})
    judge = consensus(scored).rename("judge")
    ratings = ratings[ratings["pair_id"].isin(judge.index)]
    human = consensus(ratings).rename("human") if not ratings.empty else pd.Series(dtype=int, name="human")
    both = pd.concat([human, judge], axis=1, join="inner")
    if both.empty:
        return both.assign(human_value=pd.Series(dtype=float), judge_value=pd.Series(dtype=float)), \
            int(len(judge) - len(both)), errors  # fmt: skip
    both["human_value"] = consensus_value(ratings).reindex(both.index).astype(float)
    both["judge_value"] = consensus_value(scored).reindex(both.index).astype(float)
    return both, int(len(judge) - len(both)), errors


def tally(ratings: pd.DataFrame, scale: Scale = FIVE) -> pd.DataFrame:
    """Pairs x points of the scale: how many people gave each point (``pair_id``, ``score`` columns)."""
    return ratings.groupby(["pair_id", "score"]).size().unstack(fill_value=0).reindex(columns=list(scale.points),
                                                                                      fill_value=0)  # fmt: skip


def ceiling(ratings: pd.DataFrame, scale: Scale = FIVE) -> Ceiling:
    """People among themselves; AC1 and alpha count the scale's categories (2 on a binary scale)."""
    matrix = tally(ratings, scale).to_numpy(dtype=float)
    several = matrix[matrix.sum(1) >= 2]
    exact, within = pairwise_agreement(several)
    given = several.sum(0)
    common = (scale.points[int(given.argmax())], float(given.max() / given.sum())) if given.sum() else None
    return Ceiling(
        len(several), alpha_ordinal(several), gwet_ac1(several) if len(several) else None, exact,
        within if scale.within_one_applies else None, scale.k, common,
    )  # fmt: skip


def report(db: Database, run_id: int, resamples: int = RESAMPLES, seed: int = 0) -> Report:
    results = result_store.results_frame(db, run_id)
    if results.empty:
        raise JudgeError(f"run {run_id} has no judgments (or no such run)")
    return report_from(run_id, results, ratings_of_run(db, run_id), resamples, seed, run_scale(db, run_id))


def ratings_of_run(db: Database, run_id: int) -> pd.DataFrame:
    """People's current ratings of the criterion a run scored: what its figures compare it with."""
    return rating_store.ratings_frame(db, criterion=run_criterion(db, run_id))


def report_from(
    run_id: int,
    results: pd.DataFrame,
    ratings: pd.DataFrame,
    resamples: int = RESAMPLES,
    seed: int = 0,
    scale: Scale = FIVE,
) -> Report:
    """The report from a run's results and the current ratings (``pair_id`` and ``score`` columns), with the
    figures of ``scale`` (the scale of the run's dataset)."""
    both, no_human, errors = match(results, ratings)
    t = table_of(both["human"].to_numpy(), both["judge"].to_numpy(), scale)
    ratings = ratings[ratings["pair_id"].isin(both.index)]
    values = (both["human_value"].to_numpy(dtype=float), both["judge_value"].to_numpy(dtype=float))
    return Report(run_id, len(both), no_human, errors, figures(t, resamples, seed, scale, values),
                  t.astype(int).tolist(),
                  ceiling(ratings, scale), both["human"].tolist(), both["judge"].tolist(),
                  [int(p) for p in both.index], scale)  # fmt: skip


@dataclass(frozen=True)
class Difference:
    key: str
    label: str
    a: float | None
    b: float | None
    difference: float | None  # b - a
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Comparison:
    """Run B against run A on the pairs both judged and people rated."""

    n: int
    differences: list[Difference]
    mcnemar_p: float | None  # exact McNemar test on exact agreement
    a_only_right: int
    b_only_right: int
    rubrics: str | None = None  # when the two runs graded by different rubrics: which, in words


def graded_by(settings: dict[str, Any] | None) -> str:
    """The rubric a run graded by, in words, from its stored settings."""
    rubric = (settings or {}).get("parameters", {}).get("rubric")
    if not rubric:
        return "an unrecorded rubric (the run was made before runs recorded theirs)"
    if "own" in rubric:
        return f"the rubric written into {rubric['own']}"
    return f"rubric {rubric.get('name')} v{rubric.get('version')}"


def rubric_note(db: Database, a: int, b: int) -> str | None:
    """None when runs ``a`` and ``b`` graded by the same rubric; else a sentence saying they did not."""
    first, second = (run_store.run_settings(db, r) for r in (a, b))
    rubrics = [(s or {}).get("parameters", {}).get("rubric") for s in (first, second)]
    if rubrics[0] and rubrics[0] == rubrics[1]:
        return None
    return (f"Run {a} graded by {graded_by(first)}, run {b} by {graded_by(second)}: a difference between them may "
            "come from the rubric, not the prompt or the model.")  # fmt: skip


def compare_runs(db: Database, a: int, b: int, resamples: int = RESAMPLES, seed: int = 0) -> Comparison:
    """Run B against run A on the pairs both judged, against people's current consensus."""
    if run_criterion(db, a) != run_criterion(db, b):
        raise JudgeError(f"runs {a} and {b} scored different criteria ({run_criterion(db, a) or 'the one score'} "
                         f"and {run_criterion(db, b) or 'the one score'}): compare runs of one criterion")  # fmt: skip
    return compare_runs_on(db, a, b, ratings_of_run(db, b), resamples, seed)


def compare_runs_on(
    db: Database, a: int, b: int, ratings: pd.DataFrame, resamples: int = RESAMPLES, seed: int = 0
) -> Comparison:
    """:func:`compare_runs` against the given ratings (a calibration set's consensus, one per pair)."""
    compared = compare_results(_results(db, a), _results(db, b), ratings, resamples, seed, run_scale(db, b))
    return replace(compared, rubrics=rubric_note(db, a, b))


def compare_results(
    results_a: pd.DataFrame,
    results_b: pd.DataFrame,
    ratings: pd.DataFrame,
    resamples: int = RESAMPLES,
    seed: int = 0,
    scale: Scale = FIVE,
) -> Comparison:
    """Judge results B against A (``pair_id``, ``score`` per sample) on the pairs both judged and ``ratings``
    hold, resampled pair by pair (a paired bootstrap)."""
    first, second = [match(results, ratings)[0] for results in (results_a, results_b)]
    both = first.join(second["judge"].rename("judge_b"), how="inner")
    human, ja, jb = (both[c].to_numpy() for c in ("human", "judge", "judge_b"))
    k, lowest = scale.k, scale.low
    cells = np.zeros((k, k, k))
    np.add.at(cells, (human - lowest, ja - lowest, jb - lowest), 1)
    n = len(both)
    rng = np.random.default_rng(seed)
    draws = (
        rng.multinomial(n, cells.ravel() / n, size=resamples).reshape(resamples, k, k, k)
        if n
        else np.zeros(0)
    )
    differences = []
    for key in applicable(scale):
        label, fn = figure_label(key, scale), figure_function(key, scale)
        va, vb = fn(cells.sum(2)), fn(cells.sum(1))
        deltas = [
            None if (x := fn(d.sum(2))) is None or (y := fn(d.sum(1))) is None else y - x for d in draws
        ]
        known = np.array([d for d in deltas if d is not None])
        low, high = (np.percentile(known, [2.5, 97.5]).tolist() if len(known) >= max(2, len(deltas) // 2)
                     else (None, None))  # fmt: skip
        diff = None if va is None or vb is None else vb - va
        differences.append(Difference(key, label, va, vb, diff, low, high))
    a_right, b_right = ja == human, jb == human
    only_a, only_b = int((a_right & ~b_right).sum()), int((~a_right & b_right).sum())
    p = float(sp.binomtest(only_a, only_a + only_b, 0.5).pvalue) if only_a + only_b else None
    return Comparison(n, differences, None if p is None or math.isnan(p) else p, only_a, only_b)
