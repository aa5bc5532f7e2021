"""Annotator quality: per person, agreement with the others (leave one out), time per pair, gold pairs.

Leave one out: on each pair a person rated that someone else (not left out of the consensus) also
rated, their score is set against the consensus of the others (the lower median, as everywhere).
Gold pairs are pairs with an adjudicated score; a person's accuracy is how often they gave it, on
the gold pairs they rated blind after the score was given (earlier ratings were no test).
A concern is raised only on enough data (``MIN_RATINGS`` shared or timed ratings, ``GOLD_MIN`` gold
pairs), so a person with two ratings is not called careless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from judge.agreement.report import ceiling, consensus
from judge.scale import FIVE, Scale

__all__ = ["MIN_RATINGS", "AnnotatorQuality", "annotator_quality"]

MIN_RATINGS = 5  # fewer shared, timed or gold ratings than this raise no concern
TOO_FAST_SHARE = 0.25  # more than this share of ratings under the too-fast time is a concern
FAR_FROM_OTHERS = 0.20  # within-one agreement this far below people's own is a concern
BIAS = 1.0  # rating this many points above or below the others on average is a concern
GOLD_MISSES = 2 / 3  # within one point of the adjudicated score less often than this is a concern
GOLD_MIN = 3


@dataclass(frozen=True)
class AnnotatorQuality:
    annotator: str
    ratings: int
    shared: int  # pairs someone else rated too
    exact: float | None  # same score as the others' consensus
    within_one: float | None
    bias: float | None  # mean of (this person - the others' consensus)
    median_seconds: float | None
    timed: int  # ratings with a time
    too_fast: int  # of them, under the too-fast time
    gold: int  # gold pairs rated
    gold_exact: float | None
    gold_within_one: float | None
    excluded: bool
    concerns: list[str] = field(default_factory=list)


def _share(mask: pd.Series) -> float | None:
    return float(mask.mean()) if len(mask) else None


def annotator_quality(
    ratings: pd.DataFrame, gold: pd.Series, excluded: set[str], too_fast_seconds: float, scale: Scale = FIVE
) -> list[AnnotatorQuality]:
    """One row per annotator, most concerns first. ``ratings``: the current rating of everyone
    (``pair_id``, ``annotator``, ``score``, ``seconds``, ``kind``, ``created_at``), those left out of the
    consensus included; ``gold``: by pair id, the adjudicated ``score`` and ``since`` when it was given.
    A gold pair tests a person only when they rated it blind after it became gold. Where the scale has no
    within one (fewer than four points), the "within one" shares are exact agreement."""
    counted = ratings[~ratings["annotator"].isin(excluded)]
    among = ceiling(counted, scale) if not counted.empty else None
    people = None if among is None else among.within_one if scale.within_one_applies else among.exact
    reach = scale.tolerance
    rows = []
    for who, mine in ratings.groupby("annotator", sort=True):
        name = str(who)
        others = counted[(counted["annotator"] != name) & counted["pair_id"].isin(mine["pair_id"])]
        theirs = (
            consensus(others).rename("others") if not others.empty else pd.Series(dtype=int, name="others")
        )
        both = mine.set_index("pair_id")[["score"]].join(theirs, how="inner")
        gap = both["score"] - both["others"]
        seconds = mine["seconds"].dropna()
        seconds = seconds[seconds >= 0]
        on_gold = mine.set_index("pair_id").join(gold.rename(columns={"score": "gold"}), how="inner")
        after = pd.to_datetime(on_gold["created_at"]) > pd.to_datetime(on_gold["since"])
        tested = on_gold[(on_gold["kind"] == "blind") & after]
        miss = (tested["score"] - tested["gold"]).abs()
        row = AnnotatorQuality(
            annotator=name, ratings=len(mine), shared=len(both),
            exact=_share(gap == 0), within_one=_share(gap.abs() <= reach),
            bias=float(gap.mean()) if len(gap) else None,
            median_seconds=float(np.median(seconds)) if len(seconds) else None,
            timed=len(seconds), too_fast=int((seconds < too_fast_seconds).sum()),
            gold=len(tested), gold_exact=_share(miss == 0), gold_within_one=_share(miss <= reach),
            excluded=name in excluded,
        )  # fmt: skip
        row.concerns.extend(_concerns(row, people, too_fast_seconds, scale))
        rows.append(row)
    return sorted(rows, key=lambda a: (-len(a.concerns), a.annotator))


def _concerns(a: AnnotatorQuality, people: float | None, too_fast_seconds: float, scale: Scale) -> list[str]:
    close = "within one point" if scale.within_one_applies else "the same score"
    found = []
    if a.timed >= MIN_RATINGS and a.too_fast / a.timed > TOO_FAST_SHARE:
        found.append(f"often too fast: {a.too_fast} of {a.timed} ratings in under {too_fast_seconds:g} s")
    far = a.within_one is not None and people is not None and a.within_one < people - FAR_FROM_OTHERS
    if a.shared >= MIN_RATINGS and far:
        found.append(f"far from the others: {close} on {a.within_one:.0%} of {a.shared} shared "
                     f"pairs (people among themselves: {people:.0%})")  # fmt: skip
    if a.shared >= MIN_RATINGS and a.bias is not None and abs(a.bias) >= BIAS:
        side = "higher" if a.bias > 0 else "lower"
        found.append(f"rates {abs(a.bias):.1f} points {side} than the others on average")
    if a.gold >= GOLD_MIN and a.gold_within_one is not None and a.gold_within_one < GOLD_MISSES:
        hits = round(a.gold_within_one * a.gold)
        found.append(
            f"misses gold pairs: {close} as the adjudicated score on {hits} of {a.gold}"
            if not scale.within_one_applies
            else f"misses gold pairs: within one point of the adjudicated score on {hits} of {a.gold}"
        )
    return found
