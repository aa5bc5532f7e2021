"""``judge synth``: evaluation data from ground truths, then the execution judge's scores for it."""

from __future__ import annotations

import argparse
from pathlib import Path

from judge.cli.commands import HELP, add_db_option, open_db, progress_bar
from judge.errors import JudgeError
from judge.execution.run import run_execution
from judge.llm import make_provider
from judge.llm.providers import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from judge.synth.pipeline import OFFLINE_QUESTIONS, SynthSpec, parse_maker, synthesize
from judge.synth.questions import STYLES
from judge.synth.truths import DEMO_TRUTHS, load_truths
from storage import Database
from storage import pairs as pair_store
from storage import runs as run_store

__all__ = ["OFFLINE_GENERATORS", "SYNTH_DATASET", "register"]

SYNTH_DATASET = "synthetic"
OFFLINE_GENERATORS = ("offline/careful", "offline/hasty")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("synth", help=HELP["synth"])
    p.add_argument("--from", dest="source", type=Path, default=DEMO_TRUTHS,
                   help="ground truths: .txt (text form, one per line) or JSONL/CSV/Parquet with a ground_truth "
                        "column (default: the demo's)")  # fmt: skip
    p.add_argument("--questions", help="PROVIDER/MODEL that writes the requests (offline/english: no model)")
    p.add_argument("--generator", action="append", default=[], help="PROVIDER/MODEL of an AST generator; repeat "
                   "to compare several (offline/careful, offline/hasty: the demo's mutations)")  # fmt: skip
    p.add_argument("--offline", action="store_true", help="no provider at all: offline/english requests and the "
                   "offline/careful and offline/hasty generators")  # fmt: skip
    p.add_argument("--dataset", default=SYNTH_DATASET)
    p.add_argument("--style", choices=list(STYLES), default="plain", help="how the requests are written")
    p.add_argument("--base-url", help="server URL for openai-compatible (e.g. http://127.0.0.1:11434/v1)")
    p.add_argument("--question-prompt", default="question-writer", help="template NAME[@VERSION]")
    p.add_argument("--generator-prompt", default="ast-generator", help="template NAME[@VERSION]")
    p.add_argument("--repairs", type=int, default=2, help="more attempts after an invalid definition")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    p.add_argument("--judge", choices=["execution", "none"], default="execution",
                   help="score the new pairs with the offline execution judge (default) or not")  # fmt: skip
    p.add_argument("--if-empty", action="store_true", help="only when the dataset does not exist yet")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p.add_argument("--max-retries", type=int, default=DEFAULT_RETRIES)
    add_db_option(p)
    p.set_defaults(handler=_synth)


def spec_from(args: argparse.Namespace) -> SynthSpec:
    if args.offline:
        if args.questions or args.generator:
            raise JudgeError("--offline makes requests and generations without models: drop --questions and "
                             "--generator, or drop --offline")  # fmt: skip
        questions, generators = f"offline/{OFFLINE_QUESTIONS}", list(OFFLINE_GENERATORS)
    else:
        if not args.questions or not args.generator:
            raise JudgeError("name --questions PROVIDER/MODEL and at least one --generator PROVIDER/MODEL "
                             "(or use --offline)")  # fmt: skip
        questions, generators = args.questions, args.generator
    return SynthSpec(
        dataset=args.dataset, questions=parse_maker(questions, "question writer"),
        generators=tuple(parse_maker(g, "AST generator") for g in generators), style=args.style,
        question_prompt=args.question_prompt, generator_prompt=args.generator_prompt, repairs=args.repairs,
        concurrency=args.concurrency, base_url=args.base_url,
    )  # fmt: skip


def _synth(args: argparse.Namespace) -> None:
    spec = spec_from(args)
    truths = load_truths(args.source)
    db = open_db(args)
    if args.if_empty and pair_store.dataset_id(db, spec.dataset) is not None:
        print(f"dataset {spec.dataset!r} already exists in {db.path}; nothing made")
        return
    needed = sorted({m.provider for m in (spec.questions, *spec.generators) if not m.offline})
    providers = {name: make_provider(name, base_url=args.base_url, timeout=args.timeout,
                                     max_retries=args.max_retries) for name in needed}  # fmt: skip

    report = synthesize(db, truths, spec, providers, progress=progress_bar("ground truth"))
    print(f"dataset {spec.dataset!r}: {report}")
    if args.judge == "execution" and pair_store.dataset_id(db, spec.dataset) is not None:
        run_id = run_execution(db, spec.dataset, resume=latest_execution_run(db, spec.dataset))
        print(f"execution judge: run {run_id} scored the dataset's pairs")


def latest_execution_run(db: Database, dataset: str) -> int | None:
    """The dataset's newest execution run, which a later synth resumes (only new pairs are judged)."""
    runs = run_store.runs_frame(db)
    mine = runs[(runs["judge"] == "execution") & (runs["dataset"] == dataset)]
    return int(mine["id"].max()) if not mine.empty else None
