"""Agreement statistics of a judge against people on a dataset's scale, and between people.

Every judge-vs-human figure is a function of the k x k table of (human, judge)
counts, k the points of the scale (5 on 1-5, 2 on a binary scale); rows and
columns are the points from the lowest up. Which figures a scale has is
:func:`applicable`: no agreement within one point on fewer than four points,
no pass/fail without a pass mark, one kappa on a binary scale. Shares (exact, within one, pass/fail) get the exact binomial interval; for the
others a bootstrap resample of the pairs is a multinomial draw of that
table: 1,000 resamples cost the same for a hundred pairs or a million.

Figures that are undefined on the data (a kappa when both sides use one score
only, a correlation when one side has no spread, anything with n < 2) are
``None``, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sp

from judge.scale import FIVE, Scale

__all__ = [
    "CATEGORIES",
    "FIGURES",
    "Figure",
    "alpha_ordinal",
    "applicable",
    "bootstrap",
    "figure_function",
    "figure_label",
    "figures",
    "gwet_ac1",
    "headline_for",
    "pairwise_agreement",
    "table_of",
]

CATEGORIES = np.arange(1, 6)
Table = NDArray[np.float64]  # k x k: rows human score, columns judge score, lowest point first
PASS_AT = 4


def table_of(human: NDArray[np.int_], judge: NDArray[np.int_], scale: Scale = FIVE) -> Table:
    """Counts of (human, judge) pairs; both arrays hold points of ``scale``."""
    table = np.zeros((scale.k, scale.k))
    np.add.at(table, (np.asarray(human, dtype=int) - scale.low, np.asarray(judge, dtype=int) - scale.low), 1)
    return table


def _grid(t: NDArray[np.float64]) -> NDArray[np.int_]:
    """The categories of a table as 0, 1, ... k-1: every figure but pass/fail depends on differences only."""
    return np.arange(t.shape[-1])


def _n(t: Table) -> float:
    return float(t.sum())


def exact(t: Table) -> float | None:
    return float(np.trace(t) / _n(t)) if _n(t) else None


def within_one(t: Table) -> float | None:
    c = _grid(t)
    near = np.abs(c[:, None] - c[None, :]) <= 1
    return float(t[near].sum() / _n(t)) if _n(t) else None


def pass_fail(t: Table, threshold: int = PASS_AT - 1) -> float | None:
    """Share of pairs on which judge and humans agree about pass (category index >= ``threshold``, the pass
    mark less the scale's lowest point: 3 for pass at 4 on 1-5) or fail."""
    if not _n(t):
        return None
    passes = threshold <= _grid(t)
    same = passes[:, None] == passes[None, :]
    return float(t[same].sum() / _n(t))


def kappa(t: Table, weights: str | None = None) -> float | None:
    """Cohen's kappa; ``weights`` None, "linear" or "quadratic" (distance between scores 1-5); None on fewer than
    two pairs, where agreement beyond chance means nothing."""
    n = _n(t)
    if n < 2:
        return None
    c = _grid(t)
    distance = np.abs(c[:, None] - c[None, :]).astype(float)
    w = (distance > 0).astype(float) if weights is None else distance if weights == "linear" else distance**2
    expected = np.outer(t.sum(1), t.sum(0)) / n
    denominator = float((w * expected).sum())
    if denominator == 0:
        return None
    return float(1 - (w * t).sum() / denominator)


def _ordinal_delta(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Krippendorff's ordinal metric between categories, from the marginal counts n_c."""
    cumulative = np.cumsum(counts)
    c = np.arange(len(counts))
    low = np.minimum.outer(c, c)
    high = np.maximum.outer(c, c)
    between = cumulative[high] - np.where(low > 0, cumulative[np.maximum(low - 1, 0)], 0.0)
    return (between - (counts[:, None] + counts[None, :]) / 2) ** 2  # type: ignore[no-any-return]


def alpha_from_coincidence(o: NDArray[np.float64]) -> float | None:
    counts = o.sum(1)
    n = float(counts.sum())
    if n <= 1:
        return None
    delta = _ordinal_delta(counts)
    expected = float((np.outer(counts, counts) * delta).sum())
    if expected == 0:
        return None
    return float(1 - (n - 1) * (o * delta).sum() / expected)


def alpha_ordinal_table(t: Table) -> float | None:
    """Krippendorff's alpha (ordinal) with the judge and the human consensus as two raters."""
    return alpha_from_coincidence(t + t.T)


def alpha_ordinal(counts: NDArray[np.float64]) -> float | None:
    """Krippendorff's alpha (ordinal) from a units x k matrix of how many raters gave each point."""
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(1)
    usable = counts[m >= 2]
    mu = usable.sum(1)
    # coincidences within each unit: c != k pairs counts_c * counts_k, c == k pairs counts_c (counts_c - 1)
    o = np.einsum("uc,uk->ck", usable / (mu - 1)[:, None], usable) - np.diag(
        (usable / (mu - 1)[:, None]).sum(0)
    )
    return alpha_from_coincidence(o)


def gwet_ac1(counts: NDArray[np.float64]) -> float | None:
    """Gwet's AC1 from a units x categories matrix of rater counts (any number of raters, missing allowed)."""
    counts = np.asarray(counts, dtype=float)
    r = counts.sum(1)
    q = counts.shape[1]
    two = r >= 2
    if not two.any() or q < 2:
        return None
    pa = float(np.mean((counts[two] * (counts[two] - 1)).sum(1) / (r[two] * (r[two] - 1))))
    rated = r >= 1
    pi = (counts[rated] / r[rated][:, None]).mean(0)
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    return None if pe == 1 else (pa - pe) / (1 - pe)


def pairwise_agreement(counts: NDArray[np.float64]) -> tuple[float | None, float | None]:
    """Exact and within-one agreement over every pair of ratings of the same unit (columns: the points)."""
    counts = np.asarray(counts, dtype=float)
    r = counts.sum(1)
    pairs = float((r * (r - 1) / 2).sum())
    if not pairs:
        return None, None
    same = float((counts * (counts - 1) / 2).sum())
    neighbours = float((counts[:, :-1] * counts[:, 1:]).sum())
    return same / pairs, (same + neighbours) / pairs


def _moments(t: Table) -> tuple[float, float, float, float, float]:
    n = _n(t)
    x = _grid(t).astype(float)
    mh, mj = t.sum(1) @ x / n, t.sum(0) @ x / n
    vh, vj = t.sum(1) @ (x - mh) ** 2, t.sum(0) @ (x - mj) ** 2
    cov = float(((x - mh)[:, None] * (x - mj)[None, :] * t).sum())
    return n, float(vh), float(vj), cov, float(mj - mh)


def pearson(t: Table) -> float | None:
    if _n(t) < 2:
        return None
    n, vh, vj, cov, _ = _moments(t)
    return None if n < 2 or vh == 0 or vj == 0 else cov / math.sqrt(vh * vj)


def _midranks(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    before = np.cumsum(counts) - counts
    return before + (counts + 1) / 2  # type: ignore[no-any-return]


def spearman(t: Table) -> float | None:
    """Pearson correlation of the midranks (what SciPy's spearmanr computes with ties)."""
    n = _n(t)
    if n < 2:
        return None
    rh, rj = _midranks(t.sum(1)), _midranks(t.sum(0))
    mh, mj = t.sum(1) @ rh / n, t.sum(0) @ rj / n
    vh, vj = t.sum(1) @ (rh - mh) ** 2, t.sum(0) @ (rj - mj) ** 2
    if vh == 0 or vj == 0:
        return None
    return float(((rh - mh)[:, None] * (rj - mj)[None, :] * t).sum() / math.sqrt(vh * vj))


def kendall_tau_b(t: Table) -> float | None:
    n = _n(t)
    if n < 2:
        return None
    # concordant: cells strictly below-right; discordant: strictly below-left
    below_right = np.zeros_like(t)
    below_left = np.zeros_like(t)
    k = t.shape[0]
    for i in range(k):
        for j in range(k):
            below_right[i, j] = t[i + 1 :, j + 1 :].sum()
            below_left[i, j] = t[i + 1 :, :j].sum()
    concordant, discordant = float((t * below_right).sum()), float((t * below_left).sum())
    pairs = n * (n - 1) / 2
    ties_h = float((t.sum(1) * (t.sum(1) - 1) / 2).sum())
    ties_j = float((t.sum(0) * (t.sum(0) - 1) / 2).sum())
    denominator = math.sqrt((pairs - ties_h) * (pairs - ties_j))
    return None if denominator == 0 else (concordant - discordant) / denominator


def mae(t: Table) -> float | None:
    c = _grid(t)
    distance = np.abs(c[:, None] - c[None, :])
    return float((distance * t).sum() / _n(t)) if _n(t) else None


def bias(t: Table) -> float | None:
    """Mean of judge minus human."""
    return _moments(t)[4] if _n(t) else None


FIGURES: dict[str, tuple[str, Callable[[Table], float | None]]] = {
    "exact": ("Exact agreement", exact),
    "within_one": ("Agreement within one point", within_one),
    "pass_fail": (f"Pass/fail agreement (pass: {PASS_AT}+)", pass_fail),
    "kappa": ("Cohen's kappa", kappa),
    "kappa_linear": ("Cohen's kappa, linear weights", lambda t: kappa(t, "linear")),
    "kappa_quadratic": ("Cohen's kappa, quadratic weights", lambda t: kappa(t, "quadratic")),
    "alpha_ordinal": ("Krippendorff's alpha (ordinal)", alpha_ordinal_table),
    "spearman": ("Spearman rho", spearman),
    "kendall_tau_b": ("Kendall tau-b", kendall_tau_b),
    "pearson": ("Pearson r", pearson),
    "mae": ("Mean absolute error", mae),
    "bias": ("Mean bias (judge - human)", bias),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | None
    low: float | None  # 95% bootstrap interval
    high: float | None


def bootstrap(t: Table, resamples: int = 1000, seed: int = 0) -> NDArray[np.float64]:
    """``resamples`` tables drawn as resamples of the pairs (a multinomial draw of the table)."""
    n, k = int(_n(t)), t.shape[0]
    if n == 0:
        return np.zeros((0, k, k))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, t.ravel() / n, size=resamples)
    return draws.reshape(resamples, k, k).astype(float)


def interval(values: list[float | None]) -> tuple[float | None, float | None]:
    known = np.array([v for v in values if v is not None], dtype=float)
    if len(known) < max(2, len(values) // 2):  # undefined on most resamples: no interval
        return None, None
    low, high = np.percentile(known, [2.5, 97.5])
    return float(low), float(high)


SHARE_FIGURES = ("exact", "within_one", "pass_fail")


def exact_interval(hits: int, n: int) -> tuple[float, float]:
    """The exact (Clopper-Pearson) 95% interval of a share: unlike a bootstrap, it does not collapse to a point
    at 0% or 100%."""
    found = sp.binomtest(hits, n).proportion_ci(0.95, method="exact")
    return float(found.low), float(found.high)


def applicable(scale: Scale = FIVE) -> list[str]:
    """The figures that mean something on ``scale``, in the order of FIGURES. Within one point needs four
    points or more (on 1-3 nearly everything is within one; on a binary scale everything is); pass/fail needs
    a pass mark; on a binary scale the weighted kappas equal the plain one and the rank correlations equal
    Pearson's (the phi coefficient), so only those are shown."""
    keys = list(FIGURES)
    if not scale.within_one_applies:
        keys.remove("within_one")
    if scale.pass_mark is None:
        keys.remove("pass_fail")
    if scale.binary:
        keys = [k for k in keys if k not in ("kappa_linear", "kappa_quadratic", "spearman", "kendall_tau_b")]
    return keys


def headline_for(key: str, scale: Scale = FIVE) -> str:
    """``key`` where the scale has that figure; else exact agreement (within one on a binary scale, say)."""
    return key if key in applicable(scale) else "exact"


def figure_label(key: str, scale: Scale = FIVE) -> str:
    if key == "pass_fail":
        return f"Pass/fail agreement (pass: {scale.pass_mark}+)"
    if key == "alpha_ordinal" and scale.binary:
        return "Krippendorff's alpha"
    return FIGURES[key][0]


def figure_function(key: str, scale: Scale = FIVE) -> Callable[[Table], float | None]:
    if key == "pass_fail":
        mark = (scale.pass_mark or scale.high) - scale.low
        return lambda t: pass_fail(t, mark)
    return FIGURES[key][1]


CONTINUOUS_FIGURES = ("spearman", "kendall_tau_b", "pearson", "mae", "bias")
"""Figures of the numbers themselves: where a side's number is not a point (a judge's probability or mean of
samples, people's mean), they are computed on the numbers, the others on the points nearest them."""


def _raw(key: str, human: NDArray[np.float64], judge: NDArray[np.float64]) -> float | None:
    if len(human) < (1 if key in ("mae", "bias") else 2):
        return None
    if key == "mae":
        return float(np.abs(judge - human).mean())
    if key == "bias":
        return float((judge - human).mean())
    if np.ptp(human) == 0 or np.ptp(judge) == 0:
        return None
    if key == "pearson":
        return float(np.corrcoef(human, judge)[0, 1])
    if key == "spearman":
        return float(sp.spearmanr(human, judge).statistic)
    return float(sp.kendalltau(human, judge, variant="b").statistic)


def _raw_figure(key: str, human: NDArray[np.float64], judge: NDArray[np.float64], resamples: int,
                seed: int) -> tuple[float | None, float | None, float | None]:  # fmt: skip
    """The figure on the numbers with a seeded bootstrap over pairs."""
    value = _raw(key, human, judge)
    if not len(human):
        return value, None, None
    draws = np.random.default_rng(seed).integers(0, len(human), size=(resamples, len(human)))
    low, high = interval([_raw(key, human[d], judge[d]) for d in draws])
    return value, low, high


def figures(t: Table, resamples: int = 1000, seed: int = 0, scale: Scale = FIVE,
            values: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None) -> list[Figure]:  # fmt: skip
    """Every judge-vs-human figure of ``scale`` with a 95% interval over pairs: exact (Clopper-Pearson) for
    the shares, a seeded bootstrap for the rest. ``values``: people's and the judge's number per pair, where
    either is not always a point; the figures of :data:`CONTINUOUS_FIGURES` are then of those numbers."""
    tables = bootstrap(t, resamples, seed)
    n = int(_n(t))
    raw = values is not None and any(np.any(v != np.round(v)) for v in values)
    out = []
    for key in applicable(scale):
        label, fn = figure_label(key, scale), figure_function(key, scale)
        low: float | None
        high: float | None
        if raw and key in CONTINUOUS_FIGURES and values is not None:
            value, low, high = _raw_figure(key, values[0], values[1], resamples, seed)
            out.append(Figure(key, label, value, low, high))
            continue
        value = fn(t)
        if key in SHARE_FIGURES and value is not None and n:
            low, high = exact_interval(round(value * n), n)
        else:
            low, high = interval([fn(b) for b in tables]) if len(tables) else (None, None)
        out.append(Figure(key, label, value, low, high))
    return out
