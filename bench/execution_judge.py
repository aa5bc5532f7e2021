"""Execution judge on 1,000 demo pairs at the default settings: pairs/s, peak memory, scores by mutation kind.

A quarter of the ground truths have high count thresholds (in the hundreds) and fractional values
(``judge.demo.raise_thresholds``), which drawn databases alone never reached. Right: a pair scored the
rubric score of its mutation kind (5 for an equivalent rewrite, 3 for one detail, 2 for a condition,
1 for a different audience).
"""

from __future__ import annotations

import json
import resource
import time
from collections import Counter, defaultdict

from judge.demo.store import store_demo
from judge.execution.run import DEFAULT_WORKERS, run_execution
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store

PAIRS = 1000
HIGH = 0.25
RUBRIC_OF_MUTATION = {
    "identical": 5, "reorder_junction": 5, "count_greater_than_zero": 5, "not_count_zero": 5,
    "hours_for_days": 5, "one_of_expanded": 5, "de_morgan": 5, "threshold_off_by_one": 3,
    "strict_for_inclusive": 3, "window_changed": 3, "condition_dropped": 2, "condition_added": 2,
    "and_or_swapped": 2, "wrong_event": 1, "not_dropped": 1,
}  # fmt: skip


def main() -> None:
    db = Database()
    store_demo(db, count=PAIRS, high=HIGH)
    start = time.perf_counter()
    run_id = run_execution(db, "demo")
    seconds = time.perf_counter() - start
    results = result_store.results_frame(db, run_id)
    pairs = pair_store.pairs_frame(db).set_index("pair_id")
    mutation = results["pair_id"].map(lambda i: json.loads(pairs.at[i, "metadata"])["mutation"])
    high = results["pair_id"].map(lambda i: bool(json.loads(pairs.at[i, "metadata"]).get("high_thresholds")))
    table: dict[str, Counter[int]] = defaultdict(Counter)
    for kind, score in zip(mutation, results["score"], strict=True):
        table[kind][int(score)] += 1
    right = sum(n for kind, scores in table.items() for score, n in scores.items() if score == RUBRIC_OF_MUTATION[kind])
    silent_five = sum(n for kind, scores in table.items() if RUBRIC_OF_MUTATION[kind] < 5 for s, n in scores.items() if s == 5)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pairs judged:      {len(results)} (workers: {DEFAULT_WORKERS}; {int(high.sum())} with high or fractional thresholds)")
    print(f"seconds:           {seconds:.1f}")
    print(f"pairs per second:  {len(results) / seconds:.1f}   (target: at least 20)")
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")
    print(f"rubric score:      {right}/{len(results)} = {right / len(results):.1%} scored as their mutation kind")
    print(f"different pairs scored 5: {silent_five}   (must be 0)")
    for kind, scores in sorted(table.items()):
        print(f"  {kind:25} rubric {RUBRIC_OF_MUTATION[kind]}  judged {dict(sorted(scores.items()))}")


if __name__ == "__main__":
    main()
