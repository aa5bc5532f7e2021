"""Figures the meta-evaluation literature reports, to set a judge beside published numbers.

- **ICC** (Shrout and Fleiss 1979; McGraw and Wong 1996): from the two-way ANOVA of a complete targets x
  raters table, the six forms (single and average measures; one-way random, two-way random, two-way mixed),
  each with its 95% F interval.
- **Fleiss' kappa** (Fleiss 1971): chance-corrected agreement of many raters, from the subjects x scores
  tally, on subjects rated by the same number of people.
- **Correlations averaged over groups** (per dialogue, per request: a metadata field): the mean of the
  per-group Spearman, Kendall and Pearson correlations of judge and people, over groups with two or more
  pairs and spread on both sides; and **system level**: the correlation of the judge's and people's mean
  score per generator, over generators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sp

from judge.scale import FIVE, Scale

__all__ = [
    "ICC_FORMS",
    "Icc",
    "Literature",
    "fleiss_kappa",
    "grouped_correlations",
    "icc",
    "literature",
    "system_correlations",
]

ICC_FORMS = {
    "ICC1": "single rater, raters random per pair (one-way)", "ICC2": "single rater, raters random (two-way)",
    "ICC3": "single rater, these raters (two-way mixed)", "ICC1k": "mean of k raters (one-way)",
    "ICC2k": "mean of k raters, random (two-way)", "ICC3k": "mean of k raters, these raters (two-way mixed)",
}  # fmt: skip


@dataclass(frozen=True)
class Icc:
    form: str
    value: float | None
    low: float | None  # None where the F interval is undefined (no error variance: perfect agreement)
    high: float | None


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def icc(table: np.ndarray) -> list[Icc]:
    """The six ICC forms of a complete ``targets x raters`` table (no missing cell), with 95% intervals."""
    with np.errstate(divide="ignore", invalid="ignore"):  # no error variance: infinite F, undefined interval
        return _icc(np.asarray(table, dtype=float))


def _icc(x: np.ndarray) -> list[Icc]:
    n, k = x.shape
    if n < 2 or k < 2 or np.isnan(x).any():
        raise ValueError("an ICC needs a complete table of 2 or more targets by 2 or more raters")
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    df_rows, df_cols, df_error = n - 1, k - 1, (n - 1) * (k - 1)
    msb, msj, mse = ss_rows / df_rows, ss_cols / df_cols, ss_error / df_error
    msw = (ss_cols + ss_error) / (df_cols + df_error)  # within targets
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    icc3 = (msb - mse) / (msb + (k - 1) * mse)
    f1, f3 = msb / msw, msb / mse
    df_within = n * (k - 1)
    f1_low, f1_high = f1 / sp.f.ppf(0.975, df_rows, df_within), f1 * sp.f.ppf(0.975, df_within, df_rows)
    f3_low, f3_high = f3 / sp.f.ppf(0.975, df_rows, df_error), f3 * sp.f.ppf(0.975, df_error, df_rows)
    # ICC2's interval: McGraw and Wong's approximate degrees of freedom
    fj = msj / mse
    v = (df_error * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
         / (df_rows * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2))  # fmt: skip
    f2_upper, f2_lower = sp.f.ppf(0.975, n - 1, v), sp.f.ppf(0.975, v, n - 1)
    low2 = n * (msb - f2_upper * mse) / (f2_upper * (k * msj + (k * n - k - n) * mse) + n * msb)
    high2 = n * (f2_lower * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2_lower * msb)

    def one(f_low: float, f_high: float) -> tuple[float, float]:
        return (f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1)

    def mean_of_k(single: float) -> float:
        return single * k / (1 + single * (k - 1))

    forms = [
        ("ICC1", icc1, *one(f1_low, f1_high)), ("ICC2", icc2, low2, high2), ("ICC3", icc3, *one(f3_low, f3_high)),
        ("ICC1k", (msb - msw) / msb, 1 - 1 / f1_low, 1 - 1 / f1_high),
        ("ICC2k", (msb - mse) / (msb + (msj - mse) / n), mean_of_k(low2), mean_of_k(high2)),
        ("ICC3k", (msb - mse) / msb, 1 - 1 / f3_low, 1 - 1 / f3_high),
    ]  # fmt: skip
    return [Icc(form, _finite(v), _finite(lo), _finite(hi)) for form, v, lo, hi in forms]


def fleiss_kappa(tally: np.ndarray) -> float | None:
    """Fleiss' kappa of a ``subjects x scores`` tally with the same number of ratings (2 or more) per subject;
    None when every rating is the same score."""
    t = np.asarray(tally, dtype=float)
    m = t.sum(axis=1)
    if len(t) < 1 or m.min() < 2 or m.min() != m.max():
        raise ValueError("Fleiss' kappa needs the same number (2 or more) of ratings per subject")
    raters = m[0]
    p_j = t.sum(axis=0) / t.sum()
    p_i = ((t * (t - 1)).sum(axis=1)) / (raters * (raters - 1))
    chance = float((p_j**2).sum())
    if chance == 1:
        return None
    return float((p_i.mean() - chance) / (1 - chance))


def _correlations(judge: np.ndarray, human: np.ndarray) -> dict[str, float] | None:
    if len(judge) < 2 or np.ptp(judge) == 0 or np.ptp(human) == 0:
        return None
    return {"spearman": float(sp.spearmanr(judge, human).statistic),
            "kendall_tau_b": float(sp.kendalltau(judge, human).statistic),
            "pearson": float(sp.pearsonr(judge, human).statistic)}  # fmt: skip


@dataclass(frozen=True)
class Grouped:
    groups: int  # groups the mean is over
    left_out: int  # groups with one pair or no spread on a side
    spearman: float | None
    kendall_tau_b: float | None
    pearson: float | None


BIG_GROUP = 200  # a group larger than this is correlated on its own (pairs of pairs grow as its square)


def _pearson_by_group(frame: pd.DataFrame, x: str, y: str) -> pd.Series:
    """Pearson's r per group, from per-group moments (NaN where a side has no spread)."""
    g = frame.groupby("group")
    n = g.size()
    mx, my = g[x].mean(), g[y].mean()
    sxy = (frame[x] * frame[y]).groupby(frame["group"]).sum() - n * mx * my
    sxx = (frame[x] ** 2).groupby(frame["group"]).sum() - n * mx**2
    syy = (frame[y] ** 2).groupby(frame["group"]).sum() - n * my**2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = sxy / np.sqrt(sxx * syy)
    return r.where((sxx > 1e-12) & (syy > 1e-12)).clip(-1, 1)


def _kendall_by_group(frame: pd.DataFrame) -> pd.Series:
    """Kendall's tau-b per group from every two pairs of the group (NaN where a side has no spread)."""
    left = frame.reset_index(drop=True).assign(i=lambda f: f.index)
    both = left.merge(left, on="group", suffixes=("_a", "_b"))
    both = both[both["i_a"] < both["i_b"]]
    sx = np.sign(both["judge_a"] - both["judge_b"])
    sy = np.sign(both["human_a"] - both["human_b"])
    g = both["group"]
    s = (sx * sy).groupby(g).sum()
    px, py = (sx != 0).groupby(g).sum(), (sy != 0).groupby(g).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = s / np.sqrt(px * py)
    return tau.where((px > 0) & (py > 0))


def grouped_correlations(both: pd.DataFrame, groups: pd.Series) -> Grouped:
    """Per-group correlations of ``both`` (``judge``, ``human`` per pair) averaged over the groups of
    ``groups`` (a label per pair, e.g. a metadata field); groups with one pair or no spread on a side are
    left out and counted."""
    joined = both[["judge", "human"]].astype(float).join(groups.rename("group"), how="inner").dropna(subset=["group"])
    total = joined["group"].nunique()
    size = joined.groupby("group")["judge"].transform("size")
    small, big = joined[(size >= 2) & (size <= BIG_GROUP)], joined[size > BIG_GROUP]
    ranked = small.assign(judge=small.groupby("group")["judge"].rank(), human=small.groupby("group")["human"].rank())
    found = pd.DataFrame({"spearman": _pearson_by_group(ranked, "judge", "human"),
                          "kendall_tau_b": _kendall_by_group(small) if len(small) else pd.Series(dtype=float),
                          "pearson": _pearson_by_group(small, "judge", "human")})  # fmt: skip
    extra = [c for _, part in big.groupby("group") if (c := _correlations(part["judge"].to_numpy(),
                                                                          part["human"].to_numpy()))]  # fmt: skip
    found = pd.concat([found.dropna(), pd.DataFrame(extra, columns=found.columns)], ignore_index=True)
    if found.empty:
        return Grouped(0, total, None, None, None)
    means = found.mean()
    return Grouped(len(found), total - len(found), float(means["spearman"]), float(means["kendall_tau_b"]),
                   float(means["pearson"]))  # fmt: skip


def system_correlations(both: pd.DataFrame, systems: pd.Series) -> tuple[int, dict[str, float] | None]:
    """The correlations of the judge's and people's mean score per system (``systems``: the generator of each
    pair), over systems; the number of systems, and None with fewer than 3 or no spread."""
    joined = both.join(systems.rename("system"), how="inner").dropna(subset=["system"])
    means = joined.groupby("system")[["judge", "human"]].mean()
    if len(means) < 3:
        return len(means), None
    return len(means), _correlations(means["judge"].to_numpy(), means["human"].to_numpy())


@dataclass(frozen=True)
class Literature:
    judge_icc: list[Icc]  # the judge and people's consensus as two raters of every pair
    people_icc1: Icc | None  # two ratings of each pair rated twice or more (different people per pair: ICC1)
    people_icc_pairs: int
    fleiss: float | None  # people, on the pairs with the most common number of ratings
    fleiss_pairs: int
    fleiss_raters: int
    by_group: Grouped | None
    group_by: str
    systems: int
    by_system: dict[str, float] | None
    notes: list[str]

    def to_json(self) -> dict[str, object]:
        return {"judge_icc": [i.__dict__ for i in self.judge_icc],
                "people_icc1": None if self.people_icc1 is None else self.people_icc1.__dict__,
                "people_icc_pairs": self.people_icc_pairs, "fleiss_kappa": self.fleiss,
                "fleiss_pairs": self.fleiss_pairs, "fleiss_raters": self.fleiss_raters,
                "by_group": None if self.by_group is None else self.by_group.__dict__, "group_by": self.group_by,
                "systems": self.systems, "by_system": self.by_system, "notes": self.notes}  # fmt: skip


def literature(both: pd.DataFrame, ratings: pd.DataFrame, groups: pd.Series | None, group_by: str,
               systems: pd.Series | None, scale: Scale = FIVE) -> Literature:  # fmt: skip
    """Every figure above for a run: ``both`` (``judge``, ``human`` per pair), current ``ratings`` of those
    pairs (``pair_id``, ``score``), a group label and a system (generator) per pair where known."""
    notes = []
    judge_icc: list[Icc] = []
    table = both[["judge", "human"]].to_numpy(dtype=float)
    if len(table) >= 2 and np.ptp(table) > 0:
        judge_icc = icc(table)
    else:
        notes.append("The judge's ICC needs 2 or more pairs with some spread in the scores.")
    order = ratings.groupby("pair_id").cumcount()
    many = ratings.groupby("pair_id")["score"].transform("size") >= 2
    keep = many & (order < 2)
    first_two = ratings[keep].assign(k=order[keep].to_numpy())  # an aligned Series would add rows to an empty frame
    twice = first_two.pivot(index="pair_id", columns="k", values="score") if len(first_two) else pd.DataFrame()
    people_icc1 = None
    if len(twice) >= 2 and np.ptp(twice.to_numpy(dtype=float)) > 0:
        people_icc1 = icc(twice.to_numpy(dtype=float))[0]
    else:
        notes.append("People's ICC needs 2 or more pairs rated twice, with some spread.")
    tally = ratings.groupby(["pair_id", "score"]).size().unstack(fill_value=0).reindex(columns=list(scale.points),
                                                                                       fill_value=0)  # fmt: skip
    counts = tally.sum(axis=1)
    several = counts[counts >= 2]
    fleiss, fleiss_pairs, raters = None, 0, 0
    if len(several):
        raters = int(several.mode().max())
        chosen = tally.loc[counts == raters]
        fleiss_pairs = len(chosen)
        fleiss = fleiss_kappa(chosen.to_numpy())
        if fleiss is None:
            notes.append("Fleiss' kappa is n/a: on those pairs every rating is the same score.")
    else:
        notes.append("Fleiss' kappa needs pairs rated by two or more people.")
    by_group = grouped_correlations(both, groups) if groups is not None else None
    count, by_system = system_correlations(both, systems) if systems is not None else (0, None)
    if by_system is None:
        notes.append(f"System-level correlations need 3 or more generators with rated pairs ({count} now).")
    return Literature(judge_icc, people_icc1, len(twice), fleiss, fleiss_pairs, raters, by_group, group_by, count,
                      by_system, notes)  # fmt: skip
