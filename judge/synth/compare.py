"""Comparing AST generators by a judge run's scores: the table a team picks a generator from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from judge.agreement.ppi import Estimate, difference, ppi_mean
from judge.agreement.report import consensus
from judge.dataset_rubric import run_criterion, scale_of
from judge.scale import FIVE
from storage import Database
from storage import ratings as rating_store
from storage import results as result_store

__all__ = ["COLUMNS", "generator_difference", "generator_name", "generator_table", "mean_interval"]

COLUMNS = ["generator", "prompt", "pairs", "judged", "mean", "low", "high", "share_5", "share_1_2", "invalid",
           "input_tokens", "output_tokens", "cost_usd", "human_mean", "rated", "people_mean", "people_low",
           "people_high", "people_se", "lam", "people_missing"]  # fmt: skip


def mean_interval(scores: np.ndarray, resamples: int = 1000, seed: int = 0) -> tuple[float, float] | None:
    """A 95% percentile bootstrap interval of the mean; None with fewer than two scores."""
    if len(scores) < 2:
        return None
    draws = (
        np.random.default_rng(seed).choice(scores, size=(resamples, len(scores)), replace=True).mean(axis=1)
    )
    low, high = np.percentile(draws, [2.5, 97.5])
    return float(low), float(high)


def generator_table(
    db: Database, dataset: str, run_id: int, resamples: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Per generator (and its prompt version): mean judge score with a bootstrap interval, the shares at the
    top of the scale and at its bottom (5 and 1-2 on 1-5), the share of invalid definitions, tokens and cost of generating, people's mean score on the pairs
    they rated, and people's mean estimated for all the generator's pairs (PPI++) with its interval."""
    rows = result_store.generator_rows(db, dataset)
    criterion = run_criterion(db, run_id)
    scale = scale_of(db, dataset, criterion)
    bottom = scale.low + 1 if scale.points == FIVE.points else scale.low  # 1-2 on 1-5, else the lowest point
    # per pair, as on the Agreement page: the judge's lower median of the samples it planned, and people's
    # consensus (the lower median of the current ratings of those counted in it)
    scored = result_store.results_frame(db, run_id).dropna(subset=["score"])
    judge = consensus(scored.astype({"score": int})) if len(scored) else pd.Series(dtype=int)
    people = consensus(rating_store.ratings_frame(db, dataset, criterion=criterion))
    rows = rows.assign(judge_score=rows["pair_id"].map(judge).astype(float),
                       human_score=rows["pair_id"].map(people).astype(float))  # fmt: skip
    out = []
    for (generator, prompt), part in rows.groupby(["generator", rows["prompt"].fillna("")], sort=False):
        scores = part["judge_score"].dropna().to_numpy(dtype=float)
        interval = mean_interval(scores, resamples, seed)
        known = part["valid"].dropna()
        humans = part["human_score"].dropna()
        both = part.dropna(subset=["judge_score", "human_score"])
        unrated = part.loc[part["human_score"].isna(), "judge_score"].dropna()
        people = ppi_mean(both["human_score"].to_numpy(), both["judge_score"].to_numpy(), unrated.to_numpy())
        out.append({
            "generator": generator, "prompt": prompt or None, "pairs": len(part), "judged": len(scores),
            "mean": float(scores.mean()) if len(scores) else None,
            "low": interval[0] if interval else None, "high": interval[1] if interval else None,
            "share_5": float((scores == scale.high).mean()) if len(scores) else None,  # at the top point
            "share_1_2": float((scores <= bottom).mean()) if len(scores) else None,  # at the bottom
            "invalid": float((~known.astype(bool)).mean()) if len(known) else None,
            "input_tokens": _total(part["input_tokens"]), "output_tokens": _total(part["output_tokens"]),
            "cost_usd": _total(part["cost_usd"]),
            "human_mean": float(humans.mean()) if len(humans) else None, "rated": len(humans),
            "people_mean": people.mean, "people_low": people.low, "people_high": people.high, "people_se": people.se,
            "lam": people.lam, "people_missing": people.missing,
        })  # fmt: skip
    table = pd.DataFrame(out, columns=COLUMNS)
    return table.sort_values("mean", ascending=False, na_position="last").reset_index(drop=True)


def _estimate(row: pd.Series) -> Estimate:
    """A table row's estimate back (a frame holds a missing number as NaN)."""
    known = {k: (None if pd.isna(row[k]) else row[k]) for k in ("people_mean", "people_low", "people_high",
                                                                 "people_se", "lam", "people_missing")}  # fmt: skip
    return Estimate(known["people_mean"], known["people_low"], known["people_high"], known["people_se"],
                    known["lam"], int(row["rated"]), int(row["judged"]) - int(row["rated"]), known["people_missing"])  # fmt: skip


def generator_name(row: pd.Series) -> str:
    return str(row["generator"]) + (f" · {row['prompt']}" if row["prompt"] else "")


def generator_difference(table: pd.DataFrame, a: int, b: int) -> str:
    """Generator row ``a`` against row ``b`` on people's estimated mean, in one sentence."""
    first, second = table.iloc[a], table.iloc[b]
    name = generator_name
    a_estimate, b_estimate = _estimate(first), _estimate(second)
    found = difference(a_estimate, b_estimate)
    if found is None:
        why = a_estimate.missing or b_estimate.missing
        return f"Cannot tell {name(first)} from {name(second)} yet: {why}."
    diff, low, high = found
    verdict = ("within noise: the interval holds 0, rate more of their pairs to tell them apart" if low <= 0 <= high
               else f"{name(first) if diff > 0 else name(second)} is better, beyond noise")  # fmt: skip
    return (f"People's mean, {name(first)} minus {name(second)}: {diff:+.2f} points (95% interval {low:+.2f} to "
            f"{high:+.2f}): {verdict}.")  # fmt: skip


def _total(column: pd.Series) -> float | None:
    known = column.dropna()
    return float(known.sum()) if len(known) else None
