"""The figures in words: a headline a person can read, one line per figure, and the base rates that
chance-corrected numbers rest on.

Kappa bands are Landis and Koch's (1977); alpha's are Krippendorff's (0.8 to rely on, 0.667 for tentative
conclusions); correlation bands are the usual rough ones. Every reading names the number it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from judge.agreement.report import Report
from judge.agreement.stats import FIGURES, PASS_AT, Figure, pairwise_agreement

__all__ = ["SHARES", "PeopleShare", "base_rates", "chance_agreement", "headline_sentence", "people_share",
           "reading", "share"]  # fmt: skip

SHARES = ("exact", "within_one", "pass_fail")
CHANCE_CORRECTED = ("kappa", "kappa_linear", "kappa_quadratic", "alpha_ordinal")
_WHAT = {"exact": "the same score as people's", "within_one": "within one point of people's",
         "pass_fail": f"on the same side of pass ({PASS_AT}+) as people's"}  # fmt: skip


def share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _band(value: float, bands: list[tuple[float, str]]) -> str:
    return next((word for limit, word in bands if value < limit), bands[-1][1])


def headline_sentence(report: Report, key: str) -> str:
    """"27 of 36 judge scores within one point of people's: 75%, 95% interval 61-89%"."""
    f = report.figure(key)
    if f.value is None:
        return f"{FIGURES[key][0]} cannot be computed on these {report.n} pairs."
    if key in SHARES:
        hits = round(f.value * report.n)
        interval = "" if f.low is None or f.high is None else f", 95% interval {f.low:.0%}-{f.high:.0%}"
        return f"{hits} of {report.n} judge scores {_WHAT[key]}: {f.value:.0%}{interval}"
    interval = "" if f.low is None or f.high is None else f", 95% interval {f.low:.2f} to {f.high:.2f}"
    return f"{FIGURES[key][0]} {f.value:.2f} on {report.n} pairs{interval}"


def chance_agreement(report: Report) -> float | None:
    """How often judge and people would give the same score by chance, from how often each gives each."""
    t = np.asarray(report.confusion, dtype=float)
    n = t.sum()
    return float((t.sum(1) / n) @ (t.sum(0) / n)) if n else None


def reading(f: Figure, chance: float | None = None) -> str:
    """One line saying what the figure means here."""
    v = f.value
    if v is None:
        return "Cannot be computed on these pairs (for example when one side gives a single score only)."
    if f.key in SHARES:
        return f"The judge's score is {_WHAT[f.key]} on {v:.0%} of pairs."
    if f.key.startswith("kappa"):
        words = _band(v, [(0, "worse than chance"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                          (0.8, "substantial"), (2, "almost perfect")])  # fmt: skip
        base = "" if chance is None else f"; chance alone would give {chance:.0%} exact agreement"
        return f"{words.capitalize()} agreement beyond chance (0 = chance, 1 = perfect{base})."
    if f.key == "alpha_ordinal":
        words = _band(v, [(0.667, "too low to draw conclusions from (0.667 is the usual minimum)"),
                          (0.8, "enough for tentative conclusions"), (2, "reliable (0.8 or more)")])  # fmt: skip
        return f"Judge and people as two raters: {words}."
    if f.key in ("spearman", "kendall_tau_b", "pearson"):
        words = _band(abs(v), [(0.3, "weak"), (0.6, "moderate"), (0.8, "strong"), (2, "very strong")])
        return f"{words.capitalize()} {'agreement' if v >= 0 else 'disagreement'} on which pairs are better (-1 to 1)."
    if f.key == "mae":
        return f"On average the judge is {v:.2f} points from people's score."
    if f.key == "bias":
        if abs(v) < 0.05:
            return "The judge is neither harsher nor kinder than people on average."
        return f"The judge scores {abs(v):.2f} points {'above' if v > 0 else 'below'} people on average."
    return ""


def base_rates(report: Report) -> pd.DataFrame:
    """How often each side gives each score (1-5), as shares: what chance agreement is made of."""
    t = np.asarray(report.confusion, dtype=float)
    n = t.sum() or 1.0
    return pd.DataFrame({"score": range(1, 6), "people (consensus)": t.sum(1) / n, "judge": t.sum(0) / n})


@dataclass(frozen=True)
class PeopleShare:
    value: float | None
    low: float | None
    high: float | None
    pairs: int


def people_share(ratings: pd.DataFrame, key: str, resamples: int = 1000, seed: int = 0) -> PeopleShare:
    """People among themselves on ``exact`` or ``within_one``, every two ratings of a pair, with a 95%
    bootstrap interval over pairs (pairs with the same ratings are drawn together: fast at any size)."""
    counts = ratings.groupby(["pair_id", "score"]).size().unstack(fill_value=0).reindex(columns=range(1, 6),
                                                                                        fill_value=0)  # fmt: skip
    matrix = counts.to_numpy(dtype=float)
    matrix = matrix[matrix.sum(1) >= 2]
    which = 0 if key == "exact" else 1
    value = pairwise_agreement(matrix)[which] if len(matrix) else None
    if value is None or len(matrix) < 2:
        return PeopleShare(value, None, None, len(matrix))
    patterns, weight = np.unique(matrix, axis=0, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(matrix), weight / weight.sum(), size=resamples)
    r = patterns.sum(1)
    pairs = r * (r - 1) / 2
    same = (patterns * (patterns - 1) / 2).sum(1)
    near = same + (patterns[:, :-1] * patterns[:, 1:]).sum(1)
    hit = same if which == 0 else near
    values = (draws @ hit) / (draws @ pairs)
    low, high = np.percentile(values, [2.5, 97.5])
    return PeopleShare(value, float(low), float(high), len(matrix))
