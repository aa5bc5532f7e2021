"""Pairs where a judge and people differ: largest gap first, with what explains each side."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from judge.agreement.report import match, ratings_of_run
from storage import Database
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import results as result_store

__all__ = ["disagreements", "next_unadjudicated"]

Direction = Literal["any", "judge_higher", "judge_lower"]


def disagreements(db: Database, run_id: int, min_gap: int = 2, direction: Direction = "any") -> pd.DataFrame:
    """One row per pair: consensus, judge score, gap (judge - people), the pair's dataset, generator, verdict."""
    results = result_store.results_frame(db, run_id)
    columns = ["pair_id", "external_id", "dataset", "generator_model", "human", "judge", "gap", "verdict",
               "adjudicator"]  # fmt: skip
    if results.empty:
        return pd.DataFrame(columns=columns)
    both, _, _ = match(results, ratings_of_run(db, run_id))
    both["gap"] = both["judge"] - both["human"]
    chosen = both[both["gap"].abs() >= min_gap]
    if direction == "judge_higher":
        chosen = chosen[chosen["gap"] > 0]
    elif direction == "judge_lower":
        chosen = chosen[chosen["gap"] < 0]
    pairs = pair_store.pairs_frame(db).set_index("pair_id")[["external_id", "dataset", "generator_model"]]
    verdicts = adjudication_store.adjudications_frame(db, run_id).set_index("pair_id")[["verdict", "adjudicator"]]
    out = chosen.join(pairs).join(verdicts).reset_index(names="pair_id")
    out = out.reindex(columns=columns)
    return out.sort_values(["gap", "pair_id"], key=lambda c: -c.abs() if c.name == "gap" else c).reset_index(
        drop=True
    )


def next_unadjudicated(found: pd.DataFrame, current: int | None) -> int | None:
    """The first pair after ``current`` in the list (wrapping round) that has no verdict yet; None when every
    pair listed has one."""
    ids = [int(p) for p in found["pair_id"]]
    open_ = [int(p) for p in found.loc[found["verdict"].isna(), "pair_id"]]
    if not open_:
        return None
    start = ids.index(current) + 1 if current in ids else 0
    for pair_id in ids[start:] + ids[:start]:
        if pair_id in open_:
            return pair_id
    return None
