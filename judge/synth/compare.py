"""Comparing AST generators by a judge run's scores: the table a team picks a generator from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from storage import Database
from storage import results as result_store

__all__ = ["COLUMNS", "generator_table", "mean_interval"]

COLUMNS = ["generator", "prompt", "pairs", "judged", "mean", "low", "high", "share_5", "share_1_2", "invalid",
           "input_tokens", "output_tokens", "cost_usd", "human_mean", "rated"]  # fmt: skip


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
    """Per generator (and its prompt version): mean judge score with a bootstrap interval, the shares at 5 and
    at 1-2, the share of invalid definitions, tokens and cost of generating, and the people's mean score."""
    rows = result_store.generator_rows(db, dataset, run_id)
    out = []
    for (generator, prompt), part in rows.groupby(["generator", rows["prompt"].fillna("")], sort=False):
        scores = part["judge_score"].dropna().to_numpy(dtype=float)
        interval = mean_interval(scores, resamples, seed)
        known = part["valid"].dropna()
        humans = part["human_score"].dropna()
        out.append({
            "generator": generator, "prompt": prompt or None, "pairs": len(part), "judged": len(scores),
            "mean": float(scores.mean()) if len(scores) else None,
            "low": interval[0] if interval else None, "high": interval[1] if interval else None,
            "share_5": float((scores == 5).mean()) if len(scores) else None,
            "share_1_2": float((scores <= 2).mean()) if len(scores) else None,
            "invalid": float((~known.astype(bool)).mean()) if len(known) else None,
            "input_tokens": _total(part["input_tokens"]), "output_tokens": _total(part["output_tokens"]),
            "cost_usd": _total(part["cost_usd"]),
            "human_mean": float(humans.mean()) if len(humans) else None, "rated": len(humans),
        })  # fmt: skip
    table = pd.DataFrame(out, columns=COLUMNS)
    return table.sort_values("mean", ascending=False, na_position="last").reset_index(drop=True)


def _total(column: pd.Series) -> float | None:
    known = column.dropna()
    return float(known.sum()) if len(known) else None
