"""Where people's time goes next: how much more rating would narrow the headline, and which pairs first.

The headline interval narrows about as the square root of the pairs it rests on: ``half * sqrt(n / (n +
more))`` for ``more`` newly rated pairs (a second rating of a pair already rated adds none). The
"rate next" order puts first the pairs where a rating tells most: people disagree on them (spread of two
or more points), the judge's own samples disagree or straddle the pass threshold, the judge and a single
rating are two or more points apart, then the pairs the judge scored that nobody rated.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["narrowed", "rate_next"]


def narrowed(half_width: float, rated: int, more: int) -> float:
    """The headline's half-width after ``more`` newly rated pairs (now ``half_width`` on ``rated``)."""
    if rated <= 0 or more < 0:
        raise ValueError("needs pairs rated now and a number of pairs to add")
    return half_width * math.sqrt(rated / (rated + more))


def rate_next(ratings: pd.DataFrame, results: pd.DataFrame, per_pair: int = 3, limit: int = 50) -> pd.DataFrame:
    """Pairs in the order to rate them next, with the judge's scores (as text) and why: ``ratings``
    (``pair_id``, ``score``) and the run's ``results`` (``pair_id``, ``score`` per sample); a pair with
    ``per_pair`` ratings already is left out (the queue serves it to nobody)."""
    scored = results.dropna(subset=["score"])
    judged = scored.groupby("pair_id")["score"]
    judge = pd.DataFrame({"judge_low": judged.min(), "judge_high": judged.max(), "judge": judged.median()})
    people = ratings.groupby("pair_id")["score"]
    human = pd.DataFrame({"ratings": people.size(), "low": people.min(), "high": people.max()})
    rows = judge.join(human, how="left").fillna({"ratings": 0}).astype({"ratings": int})
    people_spread = (rows["high"] - rows["low"]).fillna(0)
    judge_spread = rows["judge_high"] - rows["judge_low"]
    straddles = (rows["judge_low"] < 4) & (rows["judge_high"] >= 4)
    lone_gap = ((rows["judge"] - rows["low"]).abs() >= 2) & (rows["ratings"] == 1)
    priority = (3 * (people_spread >= 2) + 2 * lone_gap + 2 * straddles + (judge_spread > 0)
                + (rows["ratings"] == 0)) * 10 - rows["ratings"]  # fmt: skip
    rows = rows.assign(priority=priority, people_spread=people_spread, lone=lone_gap, straddles=straddles,
                       judge_spread=judge_spread)  # fmt: skip
    rows = rows[(rows["priority"] > 0) & (rows["ratings"] < per_pair)].sort_values(["priority", "ratings"], ascending=[False, True], kind="stable")
    top = rows.head(limit).reset_index()
    top["why"] = [_why(r) for r in top.to_dict("records")]
    given = scored[scored["pair_id"].isin(top["pair_id"])].astype({"score": int}).groupby("pair_id")["score"]
    top["judge"] = top["pair_id"].map(given.agg(lambda v: ", ".join(map(str, v))))
    return top[["pair_id", "ratings", "judge", "why"]]


def _why(row: dict[str, Any]) -> str:
    reasons = []
    if row["people_spread"] >= 2:
        reasons.append(f"people are {int(row['people_spread'])} points apart")
    if row["lone"]:
        reasons.append("the judge and the one rating are 2+ points apart")
    if row["straddles"]:
        reasons.append("the judge's samples fall on both sides of pass")
    elif row["judge_spread"] > 0:
        reasons.append("the judge's samples differ")
    if row["ratings"] == 0:
        reasons.append("nobody has rated it")
    return "; ".join(reasons)
