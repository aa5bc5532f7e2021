"""Execution judge on 1,000 demo pairs at the default settings: pairs/s, peak memory, detection rate.

Detection: a pair scored 5 should be exactly a pair whose mutation is an equivalent rewrite.
"""

from __future__ import annotations

import json
import resource
import time

from judge.demo.store import store_demo
from judge.execution.run import DEFAULT_WORKERS, run_execution
from storage import Database
from storage import queries as q

PAIRS = 1000


def main() -> None:
    db = Database()
    store_demo(db, count=PAIRS)
    start = time.perf_counter()
    run_id = run_execution(db, "demo")
    seconds = time.perf_counter() - start
    results = q.results_frame(db, run_id)
    pairs = q.pairs_frame(db).set_index("pair_id")
    equivalent = results["pair_id"].map(lambda i: json.loads(pairs.at[i, "metadata"])["effect"] == "equivalent")
    right = int(((results["score"] == 5) == equivalent).sum())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pairs judged:      {len(results)} (workers: {DEFAULT_WORKERS})")
    print(f"seconds:           {seconds:.1f}")
    print(f"pairs per second:  {len(results) / seconds:.1f}   (target: at least 20)")
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")
    print(f"detection:         {right}/{len(results)} = {right / len(results):.1%}   (target: 100%)")


if __name__ == "__main__":
    main()
