"""Agreement at scale: 1,000,000 human ratings and 1,000,000 judgments, with 1,000 bootstrap resamples.

500,000 pairs, each with two human ratings and two judge samples; the report is computed from the
frames the app reads from the database. Target: under 10 seconds on this machine. Prints time and peak memory.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))

from judge.agreement.report import report_from  # noqa: E402

PAIRS, PER_PAIR = 500_000, 2


def main() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, PAIRS)
    pair_ids = np.repeat(np.arange(PAIRS), PER_PAIR)
    noisy = np.clip(np.repeat(truth, PER_PAIR) + rng.choice([-1, 0, 0, 0, 1], PAIRS * PER_PAIR), 1, 5)
    ratings = pd.DataFrame({"pair_id": pair_ids, "score": noisy})
    judged = np.clip(np.repeat(truth, PER_PAIR) + rng.choice([-2, -1, 0, 0, 1], PAIRS * PER_PAIR), 1, 5)
    results = pd.DataFrame({"pair_id": pair_ids, "score": judged.astype(float)})
    start = time.perf_counter()
    result = report_from(1, results, ratings, resamples=1000)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"human ratings: {len(ratings):,}   judgments: {len(results):,}   pairs: {result.n:,}")
    print(f"seconds:       {seconds:.1f}   (target: under 10, with 1,000 bootstrap resamples)")
    print(f"peak memory:   {peak:.0f} MiB")
    print(f"within one:    {result.figure('within_one').value:.4f} "
          f"[{result.figure('within_one').low:.4f}, {result.figure('within_one').high:.4f}]")


if __name__ == "__main__":
    main()
