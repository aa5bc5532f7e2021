"""Every command of ``judge``: the module that defines it and its one-line help. ``judge --help`` reads
this table alone, so it starts without importing what the commands need."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage import Database

__all__ = ["COMMANDS", "HELP", "add_db_option", "open_db", "progress_bar"]

COMMANDS: dict[str, str] = {
    "agreement": "agreement",
    "parse": "audience",
    "render": "audience",
    "canonical": "audience",
    "diff": "audience",
    "demo": "data",
    "import": "data",
    "export": "data",
    "equiv": "execution",
    "run": "execution",
    "runs": "execution",
    "synth": "synth",
    "calibrate": "calibration",
    "gate": "calibration",
    "rubric": "calibration",
    "consensus": "calibration",
    "worker": "server",
    "migrate": "server",
}
HELP: dict[str, str] = {
    "agreement": "how well a judge run agrees with the human ratings",
    "parse": "text form on stdin -> AST JSON on stdout",
    "render": "AST JSON on stdin -> text form or English",
    "canonical": "AST JSON (or text) on stdin -> canonical AST JSON",
    "diff": "what B changes of A (each file AST JSON or text form)",
    "demo": "add the seeded demo dataset",
    "import": "import pairs, ratings or judgments (JSONL, CSV, Parquet) or a run file",
    "export": "export pairs, ratings or judgments to JSONL, CSV or Parquet",
    "equiv": "judge two definitions on built boundary cases and drawn data; print score, reason, evidence",
    "run": "score a dataset with a judge and store the run",
    "runs": "every run: id, name, dataset, judge, status, how many judged",
    "synth": "make pairs from ground truths: request writer + AST generators",
    "calibrate": "snapshot the rated pairs of a dataset as a named calibration set",
    "rubric": "set the rubric a dataset is rated and judged by (a TOML file)",
    "consensus": "how a dataset's ratings make people's score of a pair, and a judge's samples its score",
    "gate": "does a prompt version pass on a calibration set? exit 0 pass, 1 fail, 2 cannot tell",
    "worker": "work the judge runs queued on a team server (PostgreSQL), until stopped",
    "migrate": "copy a database into a new one (DuckDB file -> postgresql://, or back), checked by counts and hashes",
}  # fmt: skip


def progress_bar(unit: str) -> Callable[[int, int], None]:
    """A callback (done, total) that draws a progress bar with counts, rate and time left on standard error
    (tqdm; none when standard error is not a terminal, as in CI logs)."""
    from tqdm import tqdm

    bar: tqdm[Any] | None = None

    def show(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=unit, file=sys.stderr, disable=None, dynamic_ncols=True, leave=True)
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return show


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None, help="database: a DuckDB file or a postgresql:// URL "
                                                    "(default: $JUDGE_DB or data/judge.duckdb)")


def open_db(args: argparse.Namespace) -> Database:
    from judge.config import Settings
    from storage import Database

    return Database(args.db or Settings.from_env().db_path)
