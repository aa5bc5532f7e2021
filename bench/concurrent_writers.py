"""Ratings per second with 16 writers at once, on each backend, side by side.

    python bench/concurrent_writers.py [--server postgresql://USER@HOST:PORT/] [--ratings 200]

Each writer is one annotator recording ratings one by one, as the Annotate page does (a transaction per
rating, with its token and first-rating checks). DuckDB: 16 threads of one process (one process writes a
DuckDB file). PostgreSQL: 16 threads of one process, and 16 processes (16 app servers). ``--server`` is a
PostgreSQL server whose user may create databases (default: $JUDGE_TEST_POSTGRES); a database is made for
the benchmark and dropped after. Prints ratings/s and checks that every rating was stored once.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from storage import Database  # noqa: E402
from storage import pairs as pair_store  # noqa: E402
from storage import ratings as rating_store  # noqa: E402

WRITERS = 16


def write(db: Database, who: str, pairs: list[int]) -> None:
    for pair in pairs:
        outcome = rating_store.record_rating(db, rating_store.NewRating(pair, who, 3, None, 5.0, f"{who}-{pair}"),
                                             first_only=True)  # fmt: skip
        assert outcome == "recorded", outcome


def seeded(db: Database, count: int) -> list[int]:
    pair_store.add_pairs(db, "bench", [pair_store.NewPair(f"p{i}", "text", None, "a", f"b{i}", None, {}, f"h{i}")
                                       for i in range(count)])  # fmt: skip
    return sorted(pair_store.pair_keys(db, "bench")[f"p{i}"][0] for i in range(count))


def threads(db: Database, pairs: list[int]) -> float:
    workers = [threading.Thread(target=write, args=(db, f"w{i}", pairs)) for i in range(WRITERS)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start


PROCESS = """
import sys
sys.path.insert(0, sys.argv[1])
from bench.concurrent_writers import write
from storage import Database
db = Database(sys.argv[2])
pairs = [int(p) for p in sys.argv[4].split(",")]
print("ready", flush=True)
sys.stdin.readline()
write(db, sys.argv[3], pairs)
print("done", flush=True)
"""


def processes(url: str, pairs: list[int]) -> float:
    listed = ",".join(map(str, pairs))
    started = [subprocess.Popen([sys.executable, "-c", PROCESS, str(ROOT), url, f"p{i}", listed],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(WRITERS)]  # fmt: skip
    for p in started:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    begin = time.perf_counter()
    for p in started:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in started:
        assert p.stdout is not None and p.stdout.readline().strip() == "done"
        p.wait()
    return time.perf_counter() - begin


def stored_once(db: Database, expected: int) -> None:
    events = rating_store.ratings_frame(db, current_only=False)
    assert len(events) == expected and not events.duplicated(["pair_id", "annotator"]).any(), len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("JUDGE_TEST_POSTGRES", ""))
    parser.add_argument("--ratings", type=int, default=200, help="ratings per writer")
    args = parser.parse_args()
    total = WRITERS * args.ratings
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.duckdb")
        pairs = seeded(db, args.ratings)
        seconds = threads(db, pairs)
        stored_once(db, total)
        db.close()
        rows.append(("DuckDB file, 16 threads of one process", seconds))
    if not args.server:
        print("no PostgreSQL server given (--server or $JUDGE_TEST_POSTGRES): DuckDB only", file=sys.stderr)
    else:
        import psycopg

        for label, run in (("PostgreSQL, 16 threads of one process", "threads"),
                           ("PostgreSQL, 16 processes", "processes")):  # fmt: skip
            name = f"judge_bench_{os.getpid()}_{run}"
            with psycopg.connect(args.server + "postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
                admin.execute(f"CREATE DATABASE {name}")
            try:
                db = Database(args.server + name)
                pairs = seeded(db, args.ratings)
                seconds = threads(db, pairs) if run == "threads" else processes(args.server + name, pairs)
                stored_once(db, total)
                db.close()
                rows.append((label, seconds))
            finally:
                with psycopg.connect(args.server + "postgres", autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"{WRITERS} writers x {args.ratings} ratings each = {total} ratings, each one transaction; "
          f"every rating stored once (checked)")  # fmt: skip
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"  {label:<{width}}  {total / seconds:8.0f} ratings/s  ({seconds:.1f} s)")
    print(f"  on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
