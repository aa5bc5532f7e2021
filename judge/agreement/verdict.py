"""The figures in words: a headline a person can read, one line per figure, and the base rates that
chance-corrected numbers rest on.

Kappa bands are Landis and Koch's (1977); alpha's are Krippendorff's (0.8 to rely on, 0.667 for tentative
conclusions); correlation bands are the usual rough ones. Every reading names the number it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from judge.agreement.report import Report, tally
from judge.agreement.stats import Figure
from judge.scale import FIVE, Scale

__all__ = ["SHARES", "PeopleShare", "base_rates", "chance_agreement", "headline_sentence", "people_share",
           "reading", "share", "why_missing"]  # fmt: skip

SHARES = ("exact", "within_one", "pass_fail")
CHANCE_CORRECTED = ("kappa", "kappa_linear", "kappa_quadratic", "alpha_ordinal")


def _what(key: str, scale: Scale) -> str:
    if key == "exact":
        return "the same as people's"
    if key == "within_one":
        return "within one point of people's"
    return f"on the same side of pass ({scale.pass_mark}+) as people's"


def share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _band(value: float, bands: list[tuple[float, str]]) -> str:
    return next((word for limit, word in bands if value < limit), bands[-1][1])


def headline_sentence(report: Report, key: str) -> str:
    """ "27 of 36 judge scores within one point of people's: 75%, 95% interval 61-89%"."""
    f = report.figure(key)
    if f.value is None:
        return f"{f.label} cannot be computed on these {report.n} pairs."
    if key in SHARES:
        hits = round(f.value * report.n)
        interval = "" if f.low is None or f.high is None else f", 95% interval {f.low:.0%}-{f.high:.0%}"
        return f"{hits} of {report.n} judge scores {_what(key, report.scale)}: {f.value:.0%}{interval}"
    interval = "" if f.low is None or f.high is None else f", 95% interval {f.low:.2f} to {f.high:.2f}"
    return f"{f.label} {f.value:.2f} on {report.n} pairs{interval}"


def chance_agreement(report: Report) -> float | None:
    """How often judge and people would give the same score by chance, from how often each gives each."""
    t = np.asarray(report.confusion, dtype=float)
    n = t.sum()
    return float((t.sum(1) / n) @ (t.sum(0) / n)) if n else None


def why_missing(report: Report) -> str:
    """Why a figure is n/a on a run's pairs, in words."""
    t = np.asarray(report.confusion, dtype=float)
    if t.sum() < 2:
        return f"Cannot be computed on {int(t.sum())} pair: it needs 2 or more."
    low = report.scale.low
    people, judge = np.nonzero(t.sum(1))[0] + low, np.nonzero(t.sum(0))[0] + low
    if len(judge) == 1:
        return f"Cannot be computed: the judge gave every pair the same score ({judge[0]}), so there is no spread."
    if len(people) == 1:
        return f"Cannot be computed: people gave every pair the same score ({people[0]}), so there is no spread."
    return "Cannot be computed on these pairs."


def reading(f: Figure, chance: float | None = None, report: Report | None = None) -> str:
    """One line saying what the figure means here (``report``: to say why it is missing, when it is)."""
    v = f.value
    if v is None:
        return why_missing(report) if report is not None else "Cannot be computed on these pairs."
    if f.key in SHARES:
        return f"The judge's score is {_what(f.key, report.scale if report else FIVE)} on {v:.0%} of pairs."
    holds_zero = f.low is not None and f.high is not None and f.low <= 0 <= f.high
    if f.key.startswith("kappa"):
        base = "" if chance is None else f"; chance alone would give {chance:.0%} exact agreement"
        if holds_zero:
            return f"Not clearly better than chance: the interval holds 0 (0 = chance, 1 = perfect{base})."
        if v < 0:
            return f"Worse than chance (0 = chance, 1 = perfect{base})."
        words = _band(v, [(0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"),
                          (2, "almost perfect")])  # fmt: skip
        return f"{words.capitalize()} agreement beyond chance (0 = chance, 1 = perfect{base})."
    if f.key == "alpha_ordinal":
        words = _band(v, [(0.667, "too low to draw conclusions from (0.667 is the usual minimum)"),
                          (0.8, "enough for tentative conclusions"), (2, "reliable (0.8 or more)")])  # fmt: skip
        return f"Judge and people taken as two raters: {words}."
    if f.key in ("spearman", "kendall_tau_b", "pearson"):
        if holds_zero:
            return "No clear relation between the judge's and people's ordering of pairs: the interval holds 0."
        words = _band(abs(v), [(0.3, "weak"), (0.6, "moderate"), (0.8, "strong"), (2, "very strong")])
        if v < 0:
            return f"{words.capitalize()} reversal: the judge tends to rank pairs the other way round from people."
        return f"{words.capitalize()} agreement on which pairs are better than others (-1 to 1)."
    scale = report.scale if report else FIVE
    unit = f" (on {scale.low} to {scale.high})" if scale.binary else " points"
    if f.key == "mae":
        return f"On average the judge is {v:.2f}{unit} from people's score."
    if f.key == "bias":
        if abs(v) < 0.05:
            return "The judge is neither harsher nor kinder than people on average."
        return f"The judge scores {abs(v):.2f}{unit} {'above' if v > 0 else 'below'} people on average."
    return ""


def base_rates(report: Report) -> pd.DataFrame:
    """How often each side gives each score of the scale, as shares: what chance agreement is made of."""
    t = np.asarray(report.confusion, dtype=float)
    n = t.sum() or 1.0
    scale = report.scale
    scores = [
        f"{p} · {scale.label(p)}" if scale.labels and scale.label(p) != str(p) else p for p in scale.points
    ]
    return pd.DataFrame({"score": scores, "people (consensus)": t.sum(1) / n, "judge": t.sum(0) / n})


@dataclass(frozen=True)
class PeopleShare:
    """The judge and a person against the same target: on each pair rated by two or more, each person's rating
    is set against the consensus of the *other* people on that pair, and so is the judge's score. Both shares
    rest on the same (pair, person left out) units, so a judge at the person's figure does as well as a person."""

    value: float | None  # a person against the others' consensus
    low: float | None
    high: float | None
    pairs: int  # pairs rated by two or more
    judge: float | None = None  # the judge against the same consensus
    judge_low: float | None = None
    judge_high: float | None = None
    units: int = 0  # (pair, person) units


def _lower_median_without(counts: np.ndarray, own: np.ndarray, low: int = 1, rule: str = "median") -> np.ndarray:
    """Per rating: the consensus of the other ratings of its pair by the dataset's ``rule`` (the lower median;
    the mean, a half down; the majority, a tie to the lower), from ``counts`` (the pair's tallies over the
    scale's points from ``low`` up) and ``own`` (the rating's score)."""
    others = counts.copy()
    others[np.arange(len(own)), own - low] -= 1
    if rule == "mean":
        points = np.arange(others.shape[1]) + low
        return np.ceil(others @ points / others.sum(axis=1) - 0.5).astype(int)  # type: ignore[no-any-return]
    if rule == "majority":
        return np.argmax(others, axis=1) + low  # type: ignore[no-any-return]
    cumulative = others.cumsum(axis=1)
    middle = (cumulative[:, -1] + 1) // 2
    return np.argmax(cumulative >= middle[:, None], axis=1) + low  # type: ignore[no-any-return]


def people_share(ratings: pd.DataFrame, key: str, judge: pd.Series | None = None, resamples: int = 1000,
                 seed: int = 0, scale: Scale = FIVE) -> PeopleShare:  # fmt: skip
    """A person, and the judge (``judge``: its score per pair), against the others' consensus on ``exact`` or
    ``within_one``, with 95% bootstrap intervals over pairs (pairs alike are drawn together: fast at any size).
    The others' consensus follows the dataset's rule (the ratings' ``consensus_rule``); where people's side is
    one named rater, each other person is set against that rater, and the rater against nobody."""
    rules = ratings["consensus_rule"].dropna().unique() if "consensus_rule" in ratings else []
    rule = str(rules[0]) if len(rules) == 1 else "median"
    if rule.startswith("rater:"):
        named = ratings[ratings["annotator"] == rule.removeprefix("rater:")].groupby("pair_id")["score"].last()
        ratings = ratings[(ratings["annotator"] != rule.removeprefix("rater:")) & ratings["pair_id"].isin(named.index)]
        ratings = pd.concat([ratings, ratings.drop_duplicates("pair_id").assign(
            annotator="\0named", score=lambda f: f["pair_id"].map(named))])  # fmt: skip
    counted = tally(ratings, scale)
    counted = counted[counted.sum(axis=1) >= 2]
    if judge is not None:
        counted = counted[counted.index.isin(judge.index)]
    part = ratings[ratings["pair_id"].isin(counted.index)]
    if part.empty:
        return PeopleShare(None, None, None, 0)
    row = counted.index.get_indexer(part["pair_id"])
    own = part["score"].to_numpy(dtype=int)
    if rule.startswith("rater:"):  # the named rater's own score is the target; the stand-in rows are no units
        target = part["pair_id"].map(ratings[ratings["annotator"] == "\0named"].set_index("pair_id")["score"])
        keep = (part["annotator"] != "\0named").to_numpy()
        part, row, own, target = part[keep], row[keep], own[keep], target.to_numpy(dtype=int)[keep]
        if part.empty:
            return PeopleShare(None, None, None, 0)
    else:
        target = _lower_median_without(counted.to_numpy()[row], own, scale.low, rule)
    reach = 0 if key == "exact" else 1
    person_hit = np.abs(own - target) <= reach
    machine = (
        judge.reindex(part["pair_id"]).to_numpy(dtype=float)
        if judge is not None
        else np.full(len(own), np.nan)
    )
    judge_hit = np.abs(machine - target) <= reach
    per_pair = pd.DataFrame({"row": row, "p": person_hit, "j": judge_hit, "u": 1}).groupby("row").sum()
    patterns, weight = np.unique(per_pair[["p", "j", "u"]].to_numpy(dtype=float), axis=0, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(per_pair), weight / weight.sum(), size=resamples)
    units = draws @ patterns[:, 2]

    def share(column: int) -> tuple[float, float, float]:
        value = float(patterns[:, column] @ weight / (patterns[:, 2] @ weight))
        low, high = np.percentile((draws @ patterns[:, column]) / units, [2.5, 97.5])
        return value, float(low), float(high)

    value, low, high = share(0)
    if judge is None:
        return PeopleShare(value, low, high, len(counted), units=len(own))
    j, j_low, j_high = share(1)
    return PeopleShare(value, low, high, len(counted), j, j_low, j_high, len(own))
