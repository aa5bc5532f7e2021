"""The judge by how much people agreed on a pair (the stratification of Elangovan et al., "Beyond
Correlation: The Impact of Human Uncertainty in Measuring the Effectiveness of Automatic Evaluation and
LLM-as-a-Judge", ICLR 2025).

A pair rated by two or more people is *unanimous* when every rating is the same score, *split* when they
differ by one point at most, and *contested* when two ratings are two or more points apart; a pair with
one rating cannot be placed and is counted apart. On each stratum the judge's exact and within-one
agreement with people's consensus sits beside people's own agreement (every two ratings of a pair) on it:
a judge that only matches people where they all agree looks better overall than it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from judge.agreement.stats import pairwise_agreement
from judge.scale import FIVE, Scale

__all__ = ["STRATA", "Stratum", "strata"]

STRATA = {
    "unanimous": "People unanimous (every rating the same)",
    "split": "People split by one point",
    "contested": "People contested (two or more points apart)",
    "single": "One rating only (cannot tell)",
}


@dataclass(frozen=True)
class Stratum:
    key: str
    label: str
    pairs: int
    judge_exact: float | None
    judge_within_one: float | None
    people_exact: float | None  # every two ratings of a pair on this stratum
    people_within_one: float | None


def strata(ratings: pd.DataFrame, both: pd.DataFrame, scale: Scale = FIVE) -> list[Stratum]:
    """``ratings``: current ratings (``pair_id``, ``score``); ``both``: judge and human consensus per pair
    (columns ``judge``, ``human``, indexed by pair id), as :func:`judge.agreement.report.match` gives. The
    within-one shares are None where the scale has no such figure."""
    ratings = ratings[ratings["pair_id"].isin(both.index)]
    counts = ratings.groupby(["pair_id", "score"]).size().unstack(fill_value=0).reindex(columns=list(scale.points),
                                                                                        fill_value=0)  # fmt: skip
    grouped = ratings.groupby("pair_id")["score"]
    spread = (grouped.max() - grouped.min()).reindex(counts.index)
    raters = counts.sum(axis=1)
    kind = pd.Series(np.select([raters < 2, spread == 0, spread == 1], ["single", "unanimous", "split"],
                               "contested"), index=counts.index)  # fmt: skip
    out = []
    for key, label in STRATA.items():
        members = kind.index[kind == key]
        part = both.loc[both.index.intersection(members)]
        gap = (part["judge"] - part["human"]).abs()
        people = pairwise_agreement(counts.loc[members].to_numpy(dtype=float)) if key != "single" else (None, None)
        within = float((gap <= 1).mean()) if len(part) and scale.within_one_applies else None
        out.append(Stratum(key, label, len(part), float((gap == 0).mean()) if len(part) else None, within,
                           people[0], people[1] if scale.within_one_applies else None))  # fmt: skip
    return out
