"""Agreement at scale: 1,000,000 human ratings and 1,000,000 judgments, with 1,000 bootstrap resamples.

500,000 pairs, each with two human ratings (from 20 annotators) and two judge samples; everything the
Agreement page and ``judge agreement --json`` show is computed from the frames the app reads from the
database: the report, people among themselves with its interval, the alternative annotator test, the
strata, repeatability, the budget, the rate-next order, and the literature's figures (ICC, Fleiss' kappa,
correlations averaged over 50,000 groups and over 5 generators). Target: under 10 seconds on this machine.
Prints time and peak memory.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))

from judge.agreement.insights import insights_from  # noqa: E402

PAIRS, PER_PAIR = 500_000, 2


def main() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, PAIRS)
    pair_ids = np.repeat(np.arange(PAIRS), PER_PAIR)
    noisy = np.clip(np.repeat(truth, PER_PAIR) + rng.choice([-1, 0, 0, 0, 1], PAIRS * PER_PAIR), 1, 5)
    first = rng.integers(0, 20, PAIRS)
    second = (first + rng.integers(1, 20, PAIRS)) % 20  # two different people per pair
    annotators = np.stack([first, second], axis=1).ravel()
    ratings = pd.DataFrame({"pair_id": pair_ids, "annotator": [f"a{k}" for k in annotators], "score": noisy})
    judged = np.clip(np.repeat(truth, PER_PAIR) + rng.choice([-2, -1, 0, 0, 1], PAIRS * PER_PAIR), 1, 5)
    results = pd.DataFrame({"pair_id": pair_ids, "sample": np.tile([0, 1], PAIRS), "score": judged.astype(float)})
    start = time.perf_counter()
    every = pd.Series(np.arange(PAIRS))
    groups, systems = every // 10, "generator-" + (every % 5).astype(str)  # 50,000 ground truths, 5 generators
    found = insights_from(1, results, ratings, resamples=1000, groups=groups, systems=systems)
    seconds = time.perf_counter() - start
    result = found.report
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"human ratings: {len(ratings):,}   judgments: {len(results):,}   pairs: {result.n:,}")
    print(f"seconds:       {seconds:.1f}   (target: under 10, with 1,000 bootstrap resamples)")
    print(f"peak memory:   {peak:.0f} MiB")
    print(f"within one:    {result.figure('within_one').value:.4f} "
          f"[{result.figure('within_one').low:.4f}, {result.figure('within_one').high:.4f}]")
    print(f"people:        {found.people.value:.4f} [{found.people.low:.4f}, {found.people.high:.4f}]")
    print(f"stand-in test: {found.alt.answer}")
    print(f"flip rate:     {found.repeat.flip_rate:.4f} on {found.repeat.pairs:,} pairs")
    print("strata:        " + ", ".join(f"{s.key} {s.pairs:,}" for s in found.strata))
    papers = found.papers
    assert papers is not None and papers.by_group is not None
    print(f"ICC3 (judge):  {papers.judge_icc[2].value:.4f}   Fleiss' kappa (people): {papers.fleiss:.4f}   "
          f"per-group Spearman over {papers.by_group.groups:,} groups: {papers.by_group.spearman:.4f}")


if __name__ == "__main__":
    main()
