"""Does the judge give the same score twice? Repeatability of a run with several samples per pair.

Per pair with two or more scored samples: the modal score (the lower one on a tie), the spread (highest
minus lowest sample) and whether the samples straddle the pass threshold (one says pass, another fail).
The run's flip rate is the share of those pairs whose samples are not all the same score; it is measured
at any temperature, 0 included, never assumed. Agreement with people is given on all pairs and on the
stable ones (every sample the same), so a judge that is right only when it is sure can be seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from judge.agreement.report import consensus
from judge.judgment import FAILED_GENERATION
from judge.scale import FIVE, Scale

__all__ = ["Repeatability", "repeatability"]

SHOWN = 500  # pairs whose changing scores are listed, as text


@dataclass(frozen=True)
class Repeatability:
    pairs: int  # pairs with two or more scored samples
    samples: int  # scored samples on them
    flip_rate: float | None
    straddle_rate: float | None  # share of those pairs whose samples fall on both sides of pass
    within_one_all: float | None  # judge (median of samples) within one of people, pairs people rated
    within_one_stable: float | None  # the same, on pairs whose samples all agree
    stable_rated: int
    missing: str | None  # why the figures are not there, in words
    per_pair: pd.DataFrame = field(default_factory=pd.DataFrame)  # pair_id, samples, mode, spread, straddles,
    # scores (in sample order, as text; for the first SHOWN pairs whose score changed)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "per_pair"}


def repeatability(results: pd.DataFrame, human: pd.Series, scale: Scale = FIVE) -> Repeatability:
    """``results``: a run's judgments (``pair_id``, ``score`` per sample, None for a failure); ``human``:
    people's consensus per pair (indexed by pair id). A pair straddles the pass mark when its samples fall on
    both sides (on a binary scale: gives both points); "within one" is "the same" where the scale has no
    within one."""
    threshold = scale.pass_mark or scale.high
    reach = scale.tolerance
    scored = results.dropna(subset=["score"])
    if "reasoning" in scored:  # a failed generation scores 1 without asking the judge: not a repeat of it
        scored = scored[~scored["reasoning"].fillna("").str.startswith(FAILED_GENERATION)]
    grouped = scored.groupby("pair_id")["score"]
    count = grouped.size()
    several = count[count >= 2].index
    if not len(several):
        why = ("Every pair has one judgment so far, so repeatability cannot be measured: use 'Repeat on N pairs' "
               "on the Judge page (each repeat is a real call, never the cached first answer), or start a run "
               "with 2 or more judgments per pair.")  # fmt: skip
        return Repeatability(0, 0, None, None, None, None, 0, why)
    part = scored[scored["pair_id"].isin(several)].astype({"score": int})
    g = part.groupby("pair_id")["score"]
    low, high = g.min(), g.max()
    tally = part.groupby(["pair_id", "score"]).size().unstack(fill_value=0)
    mode = tally.idxmax(axis=1)  # the first of the most common: the lower score on a tie
    per_pair = pd.DataFrame({"samples": g.size(), "mode": mode.astype(int), "spread": (high - low).astype(int),
                             "straddles": (low < threshold) & (high >= threshold)})  # fmt: skip
    shown = per_pair.index[per_pair["spread"] > 0][:SHOWN]  # the scores, in sample order, of the pairs shown
    listed = part[part["pair_id"].isin(shown)]
    listed = listed.sort_values(["pair_id", "sample"] if "sample" in listed else ["pair_id"], kind="stable")
    per_pair["scores"] = listed.groupby("pair_id")["score"].agg(lambda v: ", ".join(map(str, v)))
    median = consensus(scored.astype({"score": int}))
    rated = median.index.intersection(human.index)
    stable = per_pair.index[per_pair["spread"] == 0].intersection(human.index)
    # pairs judged once are stable as far as anyone knows: "all" is every rated pair, "stable" only the proven
    gap_all = (median.loc[rated] - human.loc[rated]).abs()
    gap_stable = (median.loc[stable] - human.loc[stable]).abs()
    return Repeatability(
        pairs=len(per_pair), samples=int(per_pair["samples"].sum()),
        flip_rate=float((per_pair["spread"] > 0).mean()), straddle_rate=float(per_pair["straddles"].mean()),
        within_one_all=float((gap_all <= reach).mean()) if len(gap_all) else None,
        within_one_stable=float((gap_stable <= reach).mean()) if len(gap_stable) else None,
        stable_rated=len(stable), missing=None, per_pair=per_pair.reset_index(),
    )  # fmt: skip

