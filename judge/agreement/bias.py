"""The judge's own leanings: does it prefer the side it reads first, and does it drift with size?

Order: a run made with ``order = "reversed"`` shows the generated definition before the ground truth
(and the rubric worst score first). Against a run of the same prompt and model in the normal order, the
paired shift per pair (reversed minus normal, each the median of its samples) has a mean with a 95%
t-interval; an interval that excludes 0 means the order of reading moves the score.

Size: the least-squares slope of (judge - people) on the ground truth's size in AST nodes, with its 95%
interval; a slope away from 0 means the judge is harsher (or kinder) than people on bigger definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sp

__all__ = ["OrderShift", "SizeSlope", "order_shift", "size_slope"]


@dataclass(frozen=True)
class OrderShift:
    pairs: int
    mean: float | None  # reversed minus normal
    low: float | None
    high: float | None
    moved: int  # pairs whose score changed
    reading: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__


@dataclass(frozen=True)
class SizeSlope:
    pairs: int
    slope: float | None  # points of (judge - people) per AST node
    low: float | None
    high: float | None
    reading: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__


def _mean_interval(values: np.ndarray) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    sd = float(values.std(ddof=1))
    if sd == 0:
        return float(values.mean()), float(values.mean())
    half = float(sp.t.ppf(0.975, len(values) - 1)) * sd / np.sqrt(len(values))
    return float(values.mean()) - half, float(values.mean()) + half


def order_shift(normal: pd.Series, reversed_: pd.Series) -> OrderShift:
    """Per-pair scores of the normal and the reversed run (indexed by pair id)."""
    both = pd.concat([normal.rename("normal"), reversed_.rename("reversed")], axis=1, join="inner").dropna()
    shift = (both["reversed"] - both["normal"]).to_numpy(dtype=float)
    bounds = _mean_interval(shift)
    if bounds is None:
        return OrderShift(len(shift), None, None, None, int((shift != 0).sum()),
                          "Too few pairs judged in both orders to tell (2 or more needed).")  # fmt: skip
    mean = float(shift.mean())
    low, high = bounds
    if low > 0 or high < 0:
        side = "higher" if mean > 0 else "lower"
        reading = (f"Order matters: reading the generated definition first, the judge scores {abs(mean):.2f} points "
                   f"{side} on average (95% interval {low:+.2f} to {high:+.2f}, {len(shift)} pairs).")  # fmt: skip
    else:
        reading = (f"No order effect shown: the mean shift is {mean:+.2f} points (95% interval {low:+.2f} to "
                   f"{high:+.2f}, {len(shift)} pairs); {int((shift != 0).sum())} pairs moved.")  # fmt: skip
    return OrderShift(len(shift), mean, low, high, int((shift != 0).sum()), reading)


def size_slope(gap: pd.Series, size: pd.Series) -> SizeSlope:
    """``gap``: judge minus people per pair; ``size``: the ground truth's AST nodes per pair (NaN: not an
    audience, or invalid)."""
    both = pd.concat([gap.rename("gap"), size.rename("size")], axis=1, join="inner").dropna()
    if len(both) < 3 or both["size"].nunique() < 2:
        return SizeSlope(len(both), None, None, None,
                         "Cannot tell: it needs 3 or more rated audience pairs of at least two sizes.")  # fmt: skip
    fit = sp.linregress(both["size"].to_numpy(dtype=float), both["gap"].to_numpy(dtype=float))
    half = float(sp.t.ppf(0.975, len(both) - 2)) * float(fit.stderr)
    slope, low, high = float(fit.slope), float(fit.slope) - half, float(fit.slope) + half
    per10 = slope * 10
    if low > 0 or high < 0:
        side = "above" if slope > 0 else "below"
        reading = (f"Size matters: for every 10 more nodes in the ground truth, the judge scores {abs(per10):.2f} "
                   f"points further {side} people (95% interval {low * 10:+.2f} to {high * 10:+.2f} per 10 nodes).")  # fmt: skip
    else:
        reading = (f"No drift with size shown: {per10:+.2f} points per 10 nodes (95% interval {low * 10:+.2f} to "
                   f"{high * 10:+.2f}, {len(both)} pairs).")  # fmt: skip
    return SizeSlope(len(both), slope, low, high, reading)
