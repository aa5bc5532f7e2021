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

__all__ = ["MIN_PAIRS", "OrderShift", "SizeSlope", "order_shift", "size_slope"]

MIN_PAIRS = 10  # fewer pairs than this: neither figure claims anything


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
    if bounds is None or len(shift) < MIN_PAIRS:
        return OrderShift(len(shift), None, None, None, int((shift != 0).sum()),
                          f"Too few pairs judged in both orders to tell ({len(shift)}; {MIN_PAIRS} or more needed).")  # fmt: skip
    mean = float(shift.mean())
    low, high = bounds
    if low > 0 or high < 0:
        side = "higher" if mean > 0 else "lower"
        reading = (f"Order matters: reading the generated definition first, the judge scores {abs(mean):.2f} points "
                   f"{side} on average (95% interval {low:+.2f} to {high:+.2f}, {len(shift)} pairs).")  # fmt: skip
    else:
        moved = int((shift != 0).sum())
        reading = (f"On average the reading order does not move the score: the mean shift is {mean:+.2f} points "
                   f"(95% interval {low:+.2f} to {high:+.2f}, {len(shift)} pairs). {moved} of {len(shift)} pairs "
                   "got another score, which may be the judge's own randomness: see whether it gives the same "
                   "score twice, above.")  # fmt: skip
    return OrderShift(len(shift), mean, low, high, int((shift != 0).sum()), reading)


def size_slope(gap: pd.Series, size: pd.Series) -> SizeSlope:
    """``gap``: judge minus people per pair; ``size``: the ground truth's AST nodes per pair (NaN: not an
    audience, or invalid)."""
    both = pd.concat([gap.rename("gap"), size.rename("size")], axis=1, join="inner").dropna()
    if len(both) < MIN_PAIRS or both["size"].nunique() < 2:
        return SizeSlope(len(both), None, None, None, f"Drift with size cannot be told yet: it needs {MIN_PAIRS} or "
                         f"more rated audience pairs of at least two sizes ({len(both)} now).")  # fmt: skip
    fit = sp.linregress(both["size"].to_numpy(dtype=float), both["gap"].to_numpy(dtype=float))
    half = float(sp.t.ppf(0.975, len(both) - 2)) * float(fit.stderr)
    slope, low, high = float(fit.slope), float(fit.slope) - half, float(fit.slope) + half
    per10 = slope * 10
    span = f"ground truths of {int(both['size'].min())} to {int(both['size'].max())} AST nodes, {len(both)} pairs"
    if low > 0 or high < 0:
        side = "above" if slope > 0 else "below"
        reading = (f"Size matters: for every 10 more nodes in the ground truth, the judge scores {abs(per10):.2f} "
                   f"points further {side} people (judge minus people; 95% interval {low * 10:+.2f} to "
                   f"{high * 10:+.2f} per 10 nodes; {span}).")  # fmt: skip
    else:
        reading = (f"The judge does not drift from people with the definition's size: judge minus people changes "
                   f"by {per10:+.2f} points per 10 more nodes (95% interval {low * 10:+.2f} to {high * 10:+.2f}; "
                   f"{span}).")  # fmt: skip
    return SizeSlope(len(both), slope, low, high, reading)
