"""People's mean score per generator, estimated from the pairs people rated plus every judge score:
prediction-powered inference with its power-tuning weight (PPI++, Angelopoulos, Duchi and Zrnic, 2023).

With ``n`` pairs people rated (their score Y, the judge's Yhat) and ``N`` pairs only the judge scored
(Yhat_u), the estimate is ``lam * mean(Yhat_u) + mean(Y - lam * Yhat)``: the judge's mean over the
unrated pairs, corrected by how far the judge is from people where both scored. The tuned weight
``lam = cov(Y, Yhat) / ((1 + n / N) * var(all Yhat))``, clipped to [0, 1], gives the narrowest interval;
``lam = 0`` is people's mean alone, so the interval is never wider than the classical one by much and
stays valid however biased the judge is. The 95% interval is the normal one with variance
``var(lam * Yhat_u) / N + var(Y - lam * Yhat) / n``. Two generators are told apart by the difference of
their estimates (independent pairs) with its normal interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sp

__all__ = ["Estimate", "difference", "ppi_mean"]

Z95 = float(sp.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    low: float | None
    high: float | None
    se: float | None
    lam: float | None
    rated: int
    unrated: int
    missing: str | None = None


def ppi_mean(y: np.ndarray, yhat: np.ndarray, yhat_unrated: np.ndarray) -> Estimate:
    """People's mean, from people's scores ``y`` and the judge's ``yhat`` on the same pairs, and the judge's
    scores ``yhat_unrated`` on the pairs people did not rate."""
    y, yhat, unrated = (np.asarray(a, dtype=float) for a in (y, yhat, yhat_unrated))
    n, big_n = len(y), len(unrated)
    if n < 2:
        return Estimate(None, None, None, None, None, n, big_n,
                        f"needs 2 or more pairs rated by people and scored by the judge ({n} now)")  # fmt: skip
    if big_n == 0:  # nothing to add: people's own mean
        mean, se = float(y.mean()), math.sqrt(float(np.var(y)) / n)
        return Estimate(mean, mean - Z95 * se, mean + Z95 * se, se, 0.0, n, big_n)
    centred = (y - y.mean()) * (yhat - yhat.mean())
    spread = float(np.var(np.concatenate([yhat, unrated]), ddof=1))
    lam = float(np.clip(centred.mean() / ((1 + n / big_n) * spread), 0, 1)) if spread > 0 else 0.0
    mean = lam * float(unrated.mean()) + float((y - lam * yhat).mean())
    se = math.sqrt(float(np.var(lam * unrated)) / big_n + float(np.var(y - lam * yhat)) / n)
    return Estimate(mean, mean - Z95 * se, mean + Z95 * se, se, lam, n, big_n)


def difference(a: Estimate, b: Estimate) -> tuple[float, float, float] | None:
    """A minus B with its 95% interval; None when either has no estimate."""
    if a.mean is None or b.mean is None or a.se is None or b.se is None:
        return None
    diff, se = a.mean - b.mean, math.hypot(a.se, b.se)
    return diff, diff - Z95 * se, diff + Z95 * se
