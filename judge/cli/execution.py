"""``judge equiv`` and ``judge run``: the offline execution judge and the LLM judge over a dataset."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from judge.cli.audience import read_definition
from judge.cli.commands import HELP, add_db_option, open_db, progress_bar
from judge.data import import_pairs
from judge.data.files import read_rows
from judge.errors import JudgeError
from judge.execution.judge import judge_execution
from judge.execution.run import DEFAULT_WORKERS, run_execution
from judge.llm import PROVIDERS, Plan, Provider, RunSpec, estimate, make_provider, plan, run_llm, stored_spec
from judge.llm.batch_run import BATCH_SIZE, POLL_EVERY, run_batch
from judge.llm.providers import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from judge.llm.run import DEFAULT_CONCURRENCY
from judge.llm.runfile import write_run_file
from storage import Database
from storage import runs as run_store
from storage.errors import DatabaseBusyError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("equiv", help=HELP["equiv"])
    p.add_argument("a", type=Path, help="ground truth (AST JSON or text form)")
    p.add_argument("b", type=Path, help="generated (AST JSON or text form)")
    p.set_defaults(handler=_equiv)

    p = commands.add_parser("run", help=HELP["run"])
    p.add_argument("--judge", choices=["execution", "llm"], default="execution")
    p.add_argument("--dataset", help="the dataset to judge (not needed with --resume)")
    p.add_argument("--criterion", help="on a dataset rated on several criteria: the one the judge scores")
    p.add_argument("--resume", type=int, help="continue this run id (an LLM run keeps its stored settings)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="execution judge threads")
    llm = p.add_argument_group("LLM judge")
    llm.add_argument("--provider", choices=PROVIDERS, default="openai")
    llm.add_argument(
        "--base-url", help="server URL (needed for openai-compatible, e.g. http://127.0.0.1:11434/v1)"
    )
    llm.add_argument("--model", help="model name, e.g. gpt-4o-mini")
    llm.add_argument("--prompt", default="judge-cot", help="template NAME or NAME@VERSION from prompts/")
    llm.add_argument("--temperature", type=float, default=0.0)
    llm.add_argument("--samples", type=int, default=1, help="judgments per pair")
    llm.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="requests in flight")
    llm.add_argument("--only-rated", action="store_true", help="only pairs with a human rating")
    llm.add_argument("--sample-size", type=int, help="judge a seeded random sample of this many pairs")
    llm.add_argument("--evidence", action="store_true", help="give the model the execution judge's evidence")
    llm.add_argument("--calibration", help="judge only the pairs of this calibration set (and record its snapshot)")
    llm.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request")
    llm.add_argument("--max-retries", type=int, default=DEFAULT_RETRIES)
    batch = p.add_argument_group("batch runs (OpenAI's Batch API, Anthropic's Message Batches: half the price, "
                                 "answers within 24 hours)")  # fmt: skip
    batch.add_argument("--batch", action="store_true",
                       help="send the calls as provider batches; stopped (Ctrl-C, a crash), the batches stay at "
                            "the provider and --resume RUN picks them up without sending them again")  # fmt: skip
    batch.add_argument("--poll", type=float, default=POLL_EVERY, help="seconds between looks at the batches")
    batch.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="requests per batch")
    batch.add_argument("--cancel", action="store_true",
                       help="with --resume: cancel the run's batches at the provider, keeping what they answered")  # fmt: skip
    apart = p.add_argument_group("while the app holds the database")
    apart.add_argument(
        "--pairs", type=Path, help="judge the pairs of this file (exported from the app) in memory"
    )
    apart.add_argument("--out", type=Path, help="with --pairs: write the run to this .jsonl file for the app")
    add_db_option(p)
    p.set_defaults(handler=_run)

    p = commands.add_parser("runs", help=HELP["runs"])
    p.add_argument("--dataset", help="only the runs of this dataset")
    add_db_option(p)
    p.set_defaults(handler=_runs)


def _runs(args: argparse.Namespace) -> None:
    frame = run_store.runs_frame(open_db(args))
    if args.dataset:
        frame = frame[frame["dataset"] == args.dataset]
    if frame.empty:
        print("no runs" + (f" in dataset {args.dataset!r}" if args.dataset else ""))
        return
    for row in frame.sort_values("id").itertuples():
        judge = row.judge + (f" {row.model}" if isinstance(row.model, str) else "")
        prompt = f" {row.prompt}" if isinstance(row.prompt, str) else ""
        of = f" · {row.criterion}" if isinstance(row.criterion, str) and row.criterion else ""
        print(f"{row.id}\t{row.name}\tdataset {row.dataset}{of}\t{judge}{prompt}\t{row.status}\t"
              f"{row.judged} judged, {row.errors} errors")  # fmt: skip


def _equiv(args: argparse.Namespace) -> None:
    truth, generated = (json.dumps(read_definition(f.read_text("utf-8")).to_json()) for f in (args.a, args.b))
    judgment = judge_execution(truth, generated)
    shown = {"score": judgment.score, "reason": judgment.reasoning, **(judgment.evidence or {})}
    print(json.dumps(shown, indent=2, default=str, ensure_ascii=False))


def _run(args: argparse.Namespace) -> None:
    if args.pairs is not None:
        _run_apart(args)
        return
    try:
        db = open_db(args)
    except DatabaseBusyError as e:
        raise DatabaseBusyError(f"{e} To judge while the app runs, download the dataset's pairs on its Import "
                                "page and run with --pairs PAIRS.jsonl --out RUN.jsonl; then import RUN.jsonl "
                                "there.") from e  # fmt: skip
    kind, dataset = args.judge, args.dataset
    if args.resume:  # a run goes on as it was started: with its own judge and dataset
        stored = run_store.run_settings(db, args.resume)
        if stored is None:
            raise JudgeError(f"no run with id {args.resume}")
        if stored["judge_kind"] not in ("execution", "llm"):
            raise JudgeError(f"run {args.resume} was imported ({stored['judge_kind']}); only runs made here resume")
        kind, dataset = stored["judge_kind"], stored["dataset"]
    if kind == "execution":
        if not dataset:
            raise JudgeError("--dataset is required")
        run_id = run_execution(db, dataset, resume=args.resume, workers=args.workers, progress=progress_bar("pair"),
                               criterion=None if args.resume else args.criterion)  # fmt: skip
    else:
        run_id = _run_llm(db, stored_spec(db, args.resume) if args.resume else _spec(args), args)
    status = (run_store.run_settings(db, run_id) or {}).get("status", "finished")
    print(f"run {run_id} {status}" + (f"; `judge run --resume {run_id}` judges what is left" if status == "cancelled" else ""))


def _run_apart(args: argparse.Namespace) -> None:
    """Judge the pairs of a file in an in-memory database and write the run to a file the app imports."""
    if args.judge != "llm" or args.resume:
        raise JudgeError("--pairs is for a new LLM run (--judge llm, without --resume)")
    if args.out is None or args.out.suffix.lower() != ".jsonl":
        raise JudgeError("--pairs needs --out RUN.jsonl, the run file to import in the app")
    if args.batch:
        raise JudgeError("--pairs judges in memory, where a batch run could not be resumed: run a batch run on "
                         "the database (stop the app, or use the Judge page's batch choice)")  # fmt: skip
    if args.criterion:
        raise JudgeError("--pairs judges by the rubric in force (a pairs file does not carry its dataset's "
                         "criteria): start a run of one criterion in the app, or judge here without --criterion")  # fmt: skip
    names = {str(row.get("dataset")) for row in read_rows(args.pairs) if row.get("dataset")}
    dataset = args.dataset or (names.pop() if len(names) == 1 else None)
    if not dataset:
        raise JudgeError(
            f"{args.pairs.name} does not name one dataset: give --dataset, the name it has in the app"
        )
    db = Database()
    import_pairs(db, args.pairs, dataset)
    args.dataset = dataset
    run_id = _run_llm(db, _spec(args), args)
    written = write_run_file(db, run_id, args.out)
    print(
        f"{written} judgments written to {args.out}; import it in the app (Import page) or with "
        f"`judge import run {args.out}` once the app is stopped"
    )


def _run_llm(db: Database, spec: RunSpec, args: argparse.Namespace) -> int:
    provider = make_provider(spec.provider, base_url=spec.base_url, timeout=args.timeout,
                             max_retries=args.max_retries)  # fmt: skip
    if args.cancel and not (args.resume and spec.batch):
        raise JudgeError("--cancel is for a batch run: --resume RUN --cancel")
    if args.cancel and (run_store.run_settings(db, args.resume) or {}).get("status") == "finished":
        raise JudgeError(f"run {args.resume} is finished: it has no batch left to cancel")
    made = plan(db, spec)
    if not args.resume:
        guess = estimate(db, spec, made=made)
        print(f"{guess.calls} calls ({guess.cached} cached), {guess.cost}" + (" at the batch rate" if spec.batch else ""),
              file=sys.stderr)  # fmt: skip
    if spec.batch:
        return _run_batches(db, spec, provider, made, args)
    run_id = run_llm(db, spec, provider, resume=args.resume, progress=progress_bar("judgment"), made=made)
    if provider.pace is not None and (provider.pace.throttled or provider.pace.waited >= 1):
        print(f"the provider's rate limits: {provider.pace.throttled} answers asked to wait (429, retried), "
              f"calls were held {provider.pace.waited:.0f} s in all to stay within them", file=sys.stderr)  # fmt: skip
    return run_id


MIN_POLL, MAX_POLL = 0.05, 3600.0


def _run_batches(db: Database, spec: RunSpec, provider: Provider, made: Plan, args: argparse.Namespace) -> int:
    cancel = threading.Event()
    if args.cancel:
        cancel.set()
    if args.batch_size < 1:
        raise JudgeError(f"--batch-size is 1 or more, not {args.batch_size}")
    if not MIN_POLL <= args.poll <= MAX_POLL:  # also refuses nan
        raise JudgeError(f"--poll is a number of seconds from {MIN_POLL:g} to {MAX_POLL:g}, not {args.poll:g}")
    try:
        return run_batch(db, spec, provider, resume=args.resume, cancel=cancel, progress=progress_bar("judgment"),
                         made=made, poll_every=args.poll, batch_size=args.batch_size)  # fmt: skip
    except KeyboardInterrupt:
        print("stopped waiting; the batches stay at the provider: `judge run --resume RUN` picks them up "
              "(`judge runs` lists the run), `--resume RUN --cancel` cancels them", file=sys.stderr)  # fmt: skip
        raise SystemExit(130) from None


def _spec(args: argparse.Namespace) -> RunSpec:
    if not args.dataset or not args.model:
        raise JudgeError("an LLM run needs --dataset and --model")
    return RunSpec(
        dataset=args.dataset, provider=args.provider, model=args.model, prompt=args.prompt,
        temperature=args.temperature, samples=args.samples, concurrency=args.concurrency,
        only_rated=args.only_rated, sample_size=args.sample_size, evidence=args.evidence, base_url=args.base_url,
        calibration=args.calibration, criterion=args.criterion, batch=args.batch,
    )  # fmt: skip
