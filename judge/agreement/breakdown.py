"""Agreement broken down by dataset, generator model, mutation kind (where recorded) and AST size."""

from __future__ import annotations

import json

import pandas as pd

from judge.agreement.report import match, ratings_of_run
from judge.agreement.stats import figures, headline_for, table_of
from judge.audience import AudienceError
from judge.audience.edit import nodes
from judge.data.records import parse_side
from judge.dataset_rubric import run_scale
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store

__all__ = ["BREAKDOWNS", "ast_nodes", "breakdown"]

BREAKDOWNS = {"dataset": "Dataset", "generator_model": "Generator model", "mutation": "Mutation kind",
              "ast_size": "AST size (nodes of the ground truth)"}  # fmt: skip
SIZE_BUCKETS = ((5, "1-5"), (10, "6-10"), (20, "11-20"), (40, "21-40"))


def ast_nodes(kind: str, ground_truth: str) -> int | None:
    """Nodes of an audience pair's ground-truth AST; None for another kind of pair or an invalid one."""
    if kind != "audience":
        return None
    try:
        return sum(1 for _ in nodes(parse_side(ground_truth)))
    except AudienceError:
        return None


def _size(kind: str, ground_truth: str) -> str:
    if kind != "audience":
        return f"n/a ({kind})"
    count = ast_nodes(kind, ground_truth)
    if count is None:
        return "invalid"
    return next((label for limit, label in SIZE_BUCKETS if count <= limit), "41+")


def _mutation(metadata: object) -> str:
    try:
        value = json.loads(str(metadata)).get("mutation") if metadata else None
    except (json.JSONDecodeError, AttributeError):
        value = None
    return str(value) if value else "(not recorded)"


def breakdown(db: Database, run_id: int, by: str, key: str, resamples: int = 1000) -> pd.DataFrame:
    """One row per group: pairs, the ``key`` figure with its 95% interval, and exact agreement."""
    if by not in BREAKDOWNS:
        raise ValueError(f"break down by one of {', '.join(BREAKDOWNS)}, not {by!r}")
    both, _, _ = match(result_store.results_frame(db, run_id), ratings_of_run(db, run_id))
    pairs = pair_store.pairs_frame(db).set_index("pair_id")
    both = both.join(pairs)
    if by == "mutation":
        groups = both["metadata"].map(_mutation)
    elif by == "ast_size":
        groups = pd.Series([_size(k, g) for k, g in zip(both["kind"], both["ground_truth"], strict=True)],
                           index=both.index)  # fmt: skip
    else:
        groups = both[by].fillna("(none)")
    rows = []
    scale = run_scale(db, run_id)
    key = headline_for(key, scale)
    for group, part in both.groupby(groups):
        table = table_of(part["human"].to_numpy(), part["judge"].to_numpy(), scale)
        found = {f.key: f for f in figures(table, resamples, scale=scale)}
        chosen = found[key]
        rows.append({BREAKDOWNS[by]: group, "pairs": len(part), "value": chosen.value, "low": chosen.low,
                     "high": chosen.high, "exact": found["exact"].value})  # fmt: skip
    return (
        pd.DataFrame(rows).sort_values("pairs", ascending=False).reset_index(drop=True)
        if rows
        else pd.DataFrame()
    )
