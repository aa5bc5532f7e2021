"""Judge runs working in background threads of the app's server process.

A run started from the app keeps going when its page is closed; the page only
reads progress from the database. A run whose thread is gone (the server was
restarted) shows as interrupted and can be resumed: nothing judged is judged again.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from judge.errors import JudgeError
from judge.execution.run import new_execution_run, run_execution
from judge.lifecycle import Cancel
from judge.llm.batch_run import POLL_EVERY, run_batch
from judge.llm.batches import batcher
from judge.llm.providers import Provider, make_provider
from judge.llm.run import Plan, RunSpec, new_llm_run, plan, repeat_items, repeat_run, run_llm, stored_spec
from storage import Database
from storage import runs as run_store

__all__ = ["Jobs", "stop_background_runs"]

OPEN: weakref.WeakSet[Jobs] = weakref.WeakSet()  # this process's run threads, stopped when it stops


def stop_background_runs(wait_seconds: float) -> None:
    """This process stops: its runs stop where they stand, left to be resumed (on a team server another worker
    goes on with them; with a DuckDB file they show as interrupted, with a Resume button). Waits that long at
    most for them to have stopped."""
    from judge.queue import stop_workers

    deadline = time.monotonic() + wait_seconds
    for jobs in list(OPEN):
        jobs.interrupt_all()
    stop_workers(wait_seconds=wait_seconds)
    for jobs in list(OPEN):
        for job in list(jobs._jobs.values()):
            job.thread.join(max(0.0, deadline - time.monotonic()))


@dataclass
class _Job:
    thread: threading.Thread
    cancel: Cancel
    error: list[str] = field(default_factory=list)


class Jobs:
    def __init__(self, db: Database, batch_poll_seconds: float = POLL_EVERY) -> None:
        self.db = db
        self.batch_poll_seconds = batch_poll_seconds
        self._jobs: dict[int, _Job] = {}
        self._lock = threading.Lock()
        OPEN.add(self)

    def start_execution(self, dataset: str, resume: int | None = None, criterion: str | None = None) -> int:
        run_id = resume or new_execution_run(self.db, dataset, criterion=criterion)
        self._start(run_id, lambda cancel: run_execution(self.db, dataset, resume=run_id, cancel=cancel))
        return run_id

    def start_llm(self, spec: RunSpec, provider: Provider, resume: int | None = None) -> int:
        """Start (or go on with) an LLM run: one call per judgment, or provider batches (``spec.batch``)."""
        if spec.batch:
            batcher(provider)  # a provider without a batch API is refused at the click, not in the thread

        def run(run_id: int, cancel: threading.Event, made: Plan | None = None) -> int:
            if spec.batch:
                return run_batch(self.db, spec, provider, resume=run_id, cancel=cancel, made=made,
                                 poll_every=self.batch_poll_seconds)  # fmt: skip
            return run_llm(self.db, spec, provider, resume=run_id, cancel=cancel, made=made)

        if resume is not None:  # it goes on with the pairs it was made for
            self._start(resume, lambda cancel: run(resume, cancel))
            return resume
        made = plan(self.db, spec)  # worked out once, for the new run and for its work
        run_id = new_llm_run(self.db, spec, made)
        self._start(run_id, lambda cancel: run(run_id, cancel, made))
        return run_id

    def resume(self, run_id: int, keys: Mapping[str, str]) -> None:
        """Continue a stored run as it was started; an LLM run gets a provider for its stored settings."""
        settings = run_store.run_settings(self.db, run_id)
        if settings is None:
            raise JudgeError(f"no run with id {run_id}")
        if settings["judge_kind"] == "execution":
            self.start_execution(settings["dataset"], resume=run_id)
            return
        spec = stored_spec(self.db, run_id)
        self.start_llm(spec, make_provider(spec.provider, base_url=spec.base_url, keys=keys), resume=run_id)

    def repeat(self, run_id: int, pairs: int, keys: Mapping[str, str]) -> int:
        """One more judgment on ``pairs`` pairs of a stored LLM run, in the background; returns how many.
        Checked here first (a run that cannot take more says why at the click, not in a thread)."""
        if run_id in self.active():
            raise JudgeError(f"run {run_id} is working already: wait for it to end")
        spec, items = repeat_items(self.db, run_id, pairs)
        provider = make_provider(spec.provider, base_url=spec.base_url, keys=keys)
        if not self._start(run_id, lambda cancel: repeat_run(self.db, run_id, pairs, provider, cancel=cancel)):
            raise JudgeError(f"run {run_id} is working already: wait for it to end")
        return len(items)

    def _start(self, run_id: int, work: Callable[[threading.Event], object]) -> bool:
        """Start ``work`` on the run in a thread; False (nothing started) when the run is working already."""
        with self._lock:
            if run_id in self.active():
                return False
            cancel = Cancel()
            job = _Job(threading.Thread(target=self._work, args=(run_id, work, cancel), daemon=True,
                                        name=f"judge-run-{run_id}"), cancel)  # fmt: skip
            self._jobs[run_id] = job
            job.thread.start()
            return True

    def _work(self, run_id: int, work: Callable[[threading.Event], object], cancel: threading.Event) -> None:
        try:
            work(cancel)
        except Exception as e:  # noqa: BLE001 - the run is marked failed; the page shows why
            self._jobs[run_id].error.append(f"{type(e).__name__}: {e}")

    def active(self) -> set[int]:
        return {run_id for run_id, job in self._jobs.items() if job.thread.is_alive()}

    def cancel(self, run_id: int) -> None:
        if job := self._jobs.get(run_id):
            job.cancel.set()

    def states(self) -> dict[int, str]:
        """How each active run stands, as the page says it."""
        return {run_id: "cancelling" if job.cancel.is_set() else "running" for run_id, job in list(self._jobs.items())
                if job.thread.is_alive()}  # fmt: skip

    def interrupt_all(self) -> None:
        """Stop every run of this process, leaving each resumable (the process stops)."""
        for job in list(self._jobs.values()):
            job.cancel.interrupt()

    def error(self, run_id: int) -> str | None:
        job = self._jobs.get(run_id)
        return job.error[-1] if job and job.error else None

    def wait(self, run_id: int, timeout: float | None = None) -> None:
        if job := self._jobs.get(run_id):
            job.thread.join(timeout)
