"""``judge equiv`` and ``judge run --judge execution``: the offline execution judge."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from judge.cli.audience import read_definition
from judge.cli.data import add_db_option, open_db
from judge.errors import JudgeError
from judge.execution.equivalence import compare
from judge.execution.run import DEFAULT_WORKERS, run_execution

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("equiv", help="run two definitions on generated data; print the evidence as JSON")
    p.add_argument("a", type=Path, help="ground truth (AST JSON or text form)")
    p.add_argument("b", type=Path, help="generated (AST JSON or text form)")
    p.set_defaults(run=_equiv)

    p = commands.add_parser("run", help="score a dataset with a judge and store the run")
    p.add_argument("--judge", choices=["execution", "llm"], default="execution")
    p.add_argument("--dataset", required=True)
    p.add_argument("--resume", type=int, help="continue this run id")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    add_db_option(p)
    p.set_defaults(run=_run)


def _equiv(args: argparse.Namespace) -> None:
    evidence = compare(read_definition(args.a.read_text("utf-8")), read_definition(args.b.read_text("utf-8")))
    print(json.dumps(evidence.to_json(), indent=2, default=str, ensure_ascii=False))


def _run(args: argparse.Namespace) -> None:
    if args.judge != "execution":
        raise JudgeError("the LLM judge is not available yet; use --judge execution")
    db = open_db(args)

    def show(done: int, total: int) -> None:
        print(f"\r{done}/{total} pairs judged", end="", file=sys.stderr, flush=True)

    run_id = run_execution(db, args.dataset, resume=args.resume, workers=args.workers, progress=show)
    print(file=sys.stderr)
    print(f"run {run_id} finished")
