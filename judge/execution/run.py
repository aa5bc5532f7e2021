"""A judge run of the execution judge over a dataset, stored like any other run; resumable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from judge.dataset_rubric import choose_criterion, rubric_for
from judge.errors import JudgeError
from judge.execution.database import Sandbox
from judge.execution.judge import JUDGE_NAME, judge_execution
from judge.judgment import Judgment
from judge.lifecycle import run_lifecycle
from judge.rubric import Rubric
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["DEFAULT_WORKERS", "new_execution_run", "run_execution"]

DEFAULT_WORKERS = 2
"""Threads judging at once (DuckDB runs the queries outside the GIL); one sandbox each."""
BATCH = 25


def new_execution_run(db: Database, dataset: str, rubric: Rubric | None = None, criterion: str | None = None) -> int:
    """A stored, not yet started execution-judge run over ``dataset`` (its ``criterion``, where it has several)."""
    dataset_key = pair_store.dataset_id(db, dataset)
    if dataset_key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    criterion = choose_criterion(db, dataset, criterion)
    rubric = rubric or rubric_for(db, dataset, criterion)
    if not rubric.differences:
        raise JudgeError(f"the offline judge scores by what each kind of difference is worth on the rubric, and the "
                         f"rubric of {dataset} (a {rubric.scale.describe()} scale) says none: give it a rubric with a "
                         f"[differences] table (judge rubric FILE --dataset {dataset}), or use the LLM judge")  # fmt: skip
    pairs = [p[0] for p in pair_store.audience_pairs(db, dataset)]
    return run_store.create_run(db, name=f"execution on {dataset}", judge_kind=JUDGE_NAME, status="created",
                        model=JUDGE_NAME, dataset_id=dataset_key, criterion=criterion,
                        parameters={"dataset": dataset, "rubric": rubric.describe()},
                        planned=len(pairs), pair_ids=pairs)  # fmt: skip


def run_execution(
    db: Database,
    dataset: str,
    *,
    resume: int | None = None,
    workers: int = DEFAULT_WORKERS,
    rubric: Rubric | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    criterion: str | None = None,
) -> int:
    """Judge every audience pair of ``dataset`` not yet judged in the run; returns the run id."""
    if resume is not None:
        criterion = str((run_store.run_settings(db, resume) or {}).get("criterion") or "")
    criterion = choose_criterion(db, dataset, criterion)
    rubric = rubric or rubric_for(db, dataset, criterion)
    if resume is not None:
        stored = run_store.run_settings(db, resume)
        if stored is None or stored["judge_kind"] != JUDGE_NAME or stored["dataset"] != dataset:
            raise JudgeError(f"run {resume} is not an execution-judge run of dataset {dataset!r}; it cannot go on here")
        recorded = (stored.get("parameters") or {}).get("rubric")
        if recorded is not None and recorded != rubric.describe():
            raise JudgeError(f"the rubric of {dataset} changed since run {resume} started (it scored by {recorded['name']} "
                             f"v{recorded['version']}); start a new run to score by the one in force")  # fmt: skip
    run_id = resume or new_execution_run(db, dataset, rubric, criterion)
    done = result_store.judged_pairs(db, run_id)
    made_for = (run_store.run_settings(db, run_id) or {}).get("pair_ids")  # the pairs it was made for
    fixed = set(made_for) if made_for is not None else None
    todo = [p for p in pair_store.audience_pairs(db, dataset) if p[0] not in done and (fixed is None or p[0] in fixed)]
    local = threading.local()

    def judge(pair: tuple[int, str, str]) -> tuple[int, Judgment]:
        if not hasattr(local, "sandbox"):
            local.sandbox = Sandbox()
        try:
            return pair[0], judge_execution(pair[1], pair[2], rubric, sandbox=local.sandbox)
        except Exception as e:  # noqa: BLE001 - one pair that cannot be judged must not end the run
            local.__dict__.pop("sandbox").close()  # its state is unknown after a failure
            return pair[0], Judgment.failed(JUDGE_NAME, "invalid_input", f"could not be judged: {type(e).__name__}: {e}")

    def work() -> None:
        finished, batch = 0, []
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for pair_id, judgment in pool.map(judge, todo):
                    batch.append(judgment.of(pair_id))
                    finished += 1
                    if len(batch) >= BATCH:
                        result_store.add_judgments(db, run_id, batch)
                        batch = []
                        if progress:
                            progress(finished, len(todo))
                        if cancel is not None and cancel.is_set():
                            pool.shutdown(wait=True, cancel_futures=True)
                            break
        finally:
            result_store.add_judgments(db, run_id, batch)  # what was judged is kept, also when the run fails
        if progress:
            progress(finished, len(todo))

    return run_lifecycle(db, run_id, work, cancel)
