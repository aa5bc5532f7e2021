"""``judge worker`` (work the judge runs queued on a team server) and ``judge migrate`` (copy a database into
another: a DuckDB file up to a team server, or back)."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from types import FrameType

from judge.cli.commands import HELP, add_db_option, open_db, progress_bar
from judge.errors import JudgeError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("worker", help=HELP["worker"],
                            description="Take judge runs from the team server's queue and work them, one at a time, "
                                        "until stopped (Ctrl-C or SIGTERM: the run in hand is let go, and another "
                                        "worker goes on with it). Provider keys come from this process's "
                                        "environment.")  # fmt: skip
    add_db_option(p)
    p.add_argument("--once", action="store_true", help="stop when the queue is empty")
    p.add_argument("--name", default=None, help="how this worker is named in the queue (default: host:pid:random)")
    p.add_argument("--stale", type=float, default=None,
                   help="seconds this worker may stay silent before another takes its run over (it beats six "
                        "times in that; default 30)")  # fmt: skip
    p.set_defaults(handler=worker)

    p = commands.add_parser("migrate", help=HELP["migrate"],
                            description="Copy everything a database holds (datasets, pairs, every rating event, runs, "
                                        "results, the answer cache, adjudications, calibration sets, prompt versions) "
                                        "into a new, empty one, in one transaction, then check each table's row count "
                                        "and content hash on both sides.")  # fmt: skip
    p.add_argument("--from", dest="source", required=True, help="the database copied: a DuckDB file or a postgresql:// URL")
    p.add_argument("--to", dest="target", required=True, help="the empty database written: a postgresql:// URL or a new DuckDB file")
    p.set_defaults(handler=migrate)


def worker(args: argparse.Namespace) -> int:
    from judge.queue import STALE_SECONDS, Worker

    db = open_db(args)
    try:
        working = Worker(db, os.environ, name=args.name,
                         stale_seconds=STALE_SECONDS if args.stale is None else _positive(args.stale, "--stale"),
                         say=lambda text: print(text, flush=True))  # fmt: skip

        def stop(signum: int, frame: FrameType | None) -> None:
            holding = working.holding
            print(f"worker {working.name}: stopping" + ("" if holding is None else
                  f", letting go of run {holding} for another worker"), flush=True)  # fmt: skip
            working.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"worker {working.name}: waiting for judge runs on {db.path}", flush=True)
        working.run(once=args.once)
        print(f"worker {working.name}: stopped after {working.worked} run(s)", flush=True)
    finally:
        db.close()
    return 0


def _positive(value: float, name: str) -> float:
    if not 0 < value <= DAY:
        raise JudgeError(f"{name} must be a number of seconds above 0 and at most a day ({DAY}), not {value}")
    return value


DAY = 86_400


def _remove(database: Path) -> None:
    """A DuckDB file and its write-ahead log."""
    for path in (database, Path(f"{database}.wal")):
        path.unlink(missing_ok=True)


def migrate(args: argparse.Namespace) -> int:
    from storage import Database
    from storage.copy import copy_database
    from storage.db import MEMORY
    from storage.dialect import is_postgres, redacted, unknown_scheme

    for option, where in (("--from", args.source), ("--to", args.target)):
        if where.strip() in ("", MEMORY):
            raise JudgeError(f"{option} names no database: give a DuckDB file or a postgresql:// URL")
        if refused := unknown_scheme(where):
            raise JudgeError(f"{option} {refused}")
    if args.source == args.target:
        raise JudgeError("--from and --to name the same database")
    if not is_postgres(args.source) and not os.path.exists(args.source):
        raise JudgeError(f"no database file {args.source}")
    if not is_postgres(args.target) and os.path.exists(args.target):
        raise JudgeError(f"{args.target} exists already: name a new file, so that nothing stored there is touched")
    source = Database(args.source)
    # a new file is written under another name and takes its own when the copy is whole: a copy that fails, or
    # a process killed half-way, never leaves a file that looks like a database
    final = None if is_postgres(args.target) else Path(args.target)
    writing = None if final is None else final.with_name(final.name + ".migrating")
    try:
        if writing is not None:
            _remove(writing)  # left by a copy killed before
        target = Database(args.target if writing is None else writing)
        try:
            print(f"copying {source.path} into {redacted(args.target) if final is None else final}", flush=True)
            copied = copy_database(source, target, progress_bar("rows"), progress_bar("rows checked"))
        finally:
            target.close()
        if writing is not None and final is not None:
            writing.rename(final)
    except BaseException:
        if writing is not None:
            _remove(writing)
        raise
    finally:
        source.close()
    width = max(len(t) for t in copied.source)
    for table, (rows, digest) in copied.source.items():
        print(f"{table:<{width}}  {rows:>9,} {'row ' if rows == 1 else 'rows'}  hash {digest[:16]}  same in both")
    print(f"{copied.rows:,} {'row' if copied.rows == 1 else 'rows'} copied; every table's count and content hash are "
          "the same on both sides")  # fmt: skip
    return 0
