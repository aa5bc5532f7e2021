"""Imports at the size of a team's real data: 200,000 audience pairs, then 1,000,000 ratings of them.

The pairs are the seeded demo generator's (ground truths and their mutations, each parsed and checked as
any import is), written once to a JSON Lines file under ``$TMPDIR`` (making them is not timed); the ratings
file gives each pair five ratings from 40 annotators, as CSV. Each import runs into a new database file,
all or nothing, exactly as ``judge import pairs|ratings`` does. Targets: pairs under 20 s, ratings under
30 s on this 2-core machine. Prints both times, rows per second and the peak memory of the process.

    python bench/import_scale.py [--pairs N] [--ratings-per-pair K] [--db postgresql://USER@HOST/EMPTY_DB]

``--db`` measures the same imports into an empty PostgreSQL database (a team server) instead of a new
DuckDB file; the database is left holding what was imported.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from judge.data import import_pairs, import_ratings  # noqa: E402
from judge.demo import demo_pairs  # noqa: E402
from storage import Database  # noqa: E402


def _pairs_file(count: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"judge-bench-pairs-{count}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            for p in demo_pairs(count, 7, 0.0):
                out.write(json.dumps({"external_id": p.external_id, "request": p.request,
                                      "ground_truth": p.ground_truth.to_json(), "generated": p.generated.to_json(),
                                      "generator_model": "bench", "metadata": p.metadata}) + "\n")  # fmt: skip
        partial.replace(path)
        print(f"(made {path} in {time.perf_counter() - started:.0f} s, not timed)")
    return path


def _ratings_file(pairs: Path, per_pair: int) -> Path:
    path = pairs.with_name(pairs.stem + f"-ratings-{per_pair}.csv")
    if not path.exists():
        with pairs.open(encoding="utf-8") as rows, path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["external_id", "annotator", "score", "seconds"])
            for n, line in enumerate(rows):
                external = json.loads(line)["external_id"]
                for k in range(per_pair):
                    writer.writerow([external, f"annotator-{(n + 7 * k) % 40}", 1 + (n * 3 + k) % 5, 4.5])
    return path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=200_000)
    parser.add_argument("--ratings-per-pair", type=int, default=5)
    parser.add_argument("--db", default="", help="an empty PostgreSQL database to import into instead")
    args = parser.parse_args()
    pairs = _pairs_file(args.pairs)
    ratings = _ratings_file(pairs, args.ratings_per_pair)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or Path(folder) / "bench.duckdb")
        if args.db and db.cursor().execute("SELECT count(*) FROM pairs").fetchall()[0][0]:
            sys.exit(f"{args.db} already holds pairs: give an empty database")
        print(f"into {'PostgreSQL' if args.db else 'a new DuckDB file'}")
        started = time.perf_counter()
        report = import_pairs(db, pairs, "bench")
        pair_seconds = time.perf_counter() - started
        print(f"pairs:   {report.added:>9,} in {pair_seconds:6.1f} s  ({report.added / pair_seconds:>9,.0f}/s; "
              f"target under 20 s)  peak {_peak_mib():,.0f} MiB")  # fmt: skip
        started = time.perf_counter()
        added = import_ratings(db, ratings, "bench")
        rating_seconds = time.perf_counter() - started
        print(f"ratings: {added.added:>9,} in {rating_seconds:6.1f} s  ({added.added / rating_seconds:>9,.0f}/s; "
              f"target under 30 s)  peak {_peak_mib():,.0f} MiB")  # fmt: skip
        started = time.perf_counter()
        again = import_ratings(db, ratings, "bench")
        print(f"ratings again (all present, nothing added: {again.added}): {time.perf_counter() - started:.1f} s")
        db.close()


if __name__ == "__main__":
    main()
