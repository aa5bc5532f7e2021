"""Judge runs on a team server: the app queues them, workers (``judge worker``, and the app's own thread
unless told otherwise) work them.

A run is a job in the database (:mod:`storage.jobs`). A worker claims the oldest, beats a heartbeat while it
works, and marks it done; a run whose worker died (kill -9, a lost machine) is taken over by another worker
once its heartbeat is stale, and goes on where it stood: a run never judges a pair twice, whoever works it.
The app starts, watches, cancels and resumes runs through the queue, so a run survives an app restart.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping

from judge.errors import JudgeError
from judge.execution.run import new_execution_run, run_execution
from judge.lifecycle import Cancel, interrupted
from judge.llm.batch_run import POLL_EVERY, run_batch
from judge.llm.batches import batcher
from judge.llm.providers import Provider, make_provider
from judge.llm.run import RunSpec, new_llm_run, plan, repeat_items, repeat_run, run_llm, stored_spec
from storage import Database, RefusedError, StorageError
from storage import jobs as job_store
from storage import runs as run_store

__all__ = ["STALE_SECONDS", "QueuedJobs", "Worker", "stop_workers"]

STALE_SECONDS = 30.0
"""A job whose worker has not beaten for this long is taken over; a worker beats six times in it."""
HEARTBEATS = 6
TRIES = 5  # a job whose database fails this many tries in a row that store nothing (no outage, then) fails
IDLE_SECONDS = 1.0  # between a worker's looks at the queue while it has nothing to do
RUNNING: set[Worker] = set()  # the workers of this process


def stop_workers(db: Database | None = None, *, wait_seconds: float = 0.0) -> None:
    """Stop this process's workers (those on ``db``, before it is closed), each letting go of its run for
    another worker; ``wait_seconds``: wait that long at most for them to have let go (a process that exits)."""
    stopping = [worker for worker in list(RUNNING) if db is None or worker.db is db]
    for worker in stopping:
        worker.stop()
    deadline = time.monotonic() + wait_seconds
    for worker in stopping:
        worker.ended.wait(max(0.0, deadline - time.monotonic()))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Takes jobs from the queue and works them, one at a time, until :meth:`stop`."""

    def __init__(self, db: Database, keys: Mapping[str, str], *, name: str | None = None,
                 stale_seconds: float = STALE_SECONDS, heartbeat_seconds: float | None = None,
                 idle_seconds: float = IDLE_SECONDS, batch_poll_seconds: float = POLL_EVERY,
                 say: Callable[[str], None] | None = None) -> None:  # fmt: skip
        if db.backend != "postgresql":
            raise JudgeError("judge workers work the queue of a team server (JUDGE_DB=postgresql://...); with a "
                             "DuckDB file the app works its runs itself")  # fmt: skip
        self.db = db
        self.keys = keys
        self.name = name or worker_name()
        self.stale_seconds = stale_seconds  # how long this worker may stay silent before its run is taken over
        self.heartbeat_seconds = heartbeat_seconds or stale_seconds / HEARTBEATS
        self.idle_seconds = idle_seconds
        self.batch_poll_seconds = batch_poll_seconds
        self.say = say or (lambda _: None)
        self.stopping = threading.Event()
        self.ended = threading.Event()  # set when run() has returned
        self.worked = 0
        self.holding: int | None = None  # the run in hand
        self._current = Cancel()  # what stops the job in hand
        RUNNING.add(self)

    def stop(self) -> None:
        """Stop after letting go of the current job (another worker goes on with it)."""
        self.stopping.set()
        self._current.interrupt()

    def run(self, *, once: bool = False) -> None:
        """Work jobs until stopped (``once``: until the queue is empty)."""
        try:
            while not self.stopping.is_set():
                try:
                    job_store.seen(self.db, self.name)
                    worked = self.work_one()
                except StorageError as e:  # the server went away for a moment: wait and look again
                    if self.db.stopped:  # ... unless this process closed the database
                        return
                    self.say(f"worker {self.name}: {e}; trying again")
                    worked = False
                if not worked:
                    if once:
                        return
                    self.stopping.wait(self.idle_seconds)
        finally:
            RUNNING.discard(self)
            with contextlib.suppress(StorageError):
                job_store.seen(self.db, self.name, leaving=True)
            self.ended.set()

    def work_one(self) -> bool:
        """Claim one job and work it to its end; False when there was none."""
        job = job_store.claim(self.db, self.name, self.stale_seconds)
        if job is None:
            return False
        again = " (taken over)" if job.attempts > 1 else ""
        self.holding = job.run_id
        self.say(f"worker {self.name}: run {job.run_id}{again}")
        cancel = self._current = Cancel()
        if self.stopping.is_set():
            cancel.interrupt()
        lost = threading.Event()
        done = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job.id, cancel, lost, done), daemon=True,
                                   name=f"heartbeat-{job.id}")  # fmt: skip
        beating.start()
        ending: job_store.Ending = "done"
        error = None
        retry = False  # the database failed this try: let go for another, unless it keeps failing
        try:
            self._work(job, cancel)
            if cancel.is_set():  # a worker stopping (a restart, a deploy) lets go; no try of the job's is used
                ending = "queued" if interrupted(cancel) and not self._cancel_asked(job.id) else "cancelled"
        except StorageError as e:  # the server restarted, or went away a moment: another try goes on with it
            ending, error, retry = "failed", f"{type(e).__name__}: {e}", not isinstance(e, RefusedError)
            self.say(f"worker {self.name}: run {job.run_id}: {e}")
        except Exception as e:  # noqa: BLE001 - the job is marked failed; the page shows why
            ending, error = "failed", f"{type(e).__name__}: {e}"
            self.say(f"worker {self.name}: run {job.run_id} failed: {error}")
        finally:
            done.set()
            beating.join()
            self.holding = None
        self.worked += 1
        # a database still away raises here: the try's lease runs out and another worker takes the job over;
        # taken over meanwhile (lost), the job is another worker's already
        if retry and not lost.is_set():
            ending = job_store.failed_for_now(self.db, job.id, self.name, error or "", TRIES) or ending
        elif not lost.is_set():
            job_store.finish(self.db, job.id, self.name, ending, error)
        self.say(f"worker {self.name}: run {job.run_id} {'let go' if ending == 'queued' else ending}")
        return True

    def _cancel_asked(self, job_id: int) -> bool:
        return job_store.beat(self.db, job_id, self.name, self.stale_seconds)[1]

    def _beat(self, job_id: int, cancel: Cancel, lost: threading.Event, done: threading.Event) -> None:
        while not done.wait(self.heartbeat_seconds):
            if self.stopping.is_set():
                cancel.interrupt()
            try:
                mine, asked = job_store.beat(self.db, job_id, self.name, self.stale_seconds)
            except StorageError:
                continue  # a missed beat; a long outage lets another worker take the job over
            if not mine:  # taken over while this worker was silent: stop, write nothing more to it
                lost.set()
                cancel.interrupt()
            elif asked:
                cancel.set()

    def _work(self, job: job_store.Job, cancel: Cancel) -> None:
        settings = run_store.run_settings(self.db, job.run_id)
        if settings is None:
            raise JudgeError(f"no run with id {job.run_id}")
        if settings["judge_kind"] == "execution":
            run_execution(self.db, settings["dataset"], resume=job.run_id, cancel=cancel)
            return
        spec = stored_spec(self.db, job.run_id)
        provider = make_provider(spec.provider, base_url=spec.base_url, keys=self.keys)
        if job.work == "repeat":
            repeat_run(self.db, job.run_id, job.pairs or 1, provider, cancel=cancel)
        elif spec.batch:
            run_batch(self.db, spec, provider, resume=job.run_id, cancel=cancel, poll_every=self.batch_poll_seconds)
        else:
            run_llm(self.db, spec, provider, resume=job.run_id, cancel=cancel)


class QueuedJobs:
    """The app's side of the queue, with the interface of :class:`judge.jobs.Jobs`: a run started here is a
    job any worker may take; ``in_app``: this process works jobs too (a server without workers of its own)."""

    def __init__(self, db: Database, keys: Mapping[str, str], *, in_app: bool = True,
                 batch_poll_seconds: float = POLL_EVERY, stale_seconds: float = STALE_SECONDS) -> None:  # fmt: skip
        self.db = db
        self.stale_seconds = stale_seconds
        self.worker: Worker | None = None
        if in_app:
            self.worker = Worker(db, keys, stale_seconds=stale_seconds, batch_poll_seconds=batch_poll_seconds)
            threading.Thread(target=self.worker.run, daemon=True, name="judge-worker").start()

    def start_execution(self, dataset: str, resume: int | None = None, criterion: str | None = None) -> int:
        run_id = resume or new_execution_run(self.db, dataset, criterion=criterion)
        self._enqueue(run_id)
        return run_id

    def start_llm(self, spec: RunSpec, provider: Provider, resume: int | None = None) -> int:
        if spec.batch:
            batcher(provider)  # refused at the click, not in a worker
        if resume is None:
            resume = new_llm_run(self.db, spec, plan(self.db, spec))
        self._enqueue(resume)
        return resume

    def resume(self, run_id: int, keys: Mapping[str, str]) -> None:
        settings = run_store.run_settings(self.db, run_id)
        if settings is None:
            raise JudgeError(f"no run with id {run_id}")
        if settings["judge_kind"] == "llm":
            stored_spec(self.db, run_id)  # a run that cannot go on says why at the click
        self._enqueue(run_id)

    def repeat(self, run_id: int, pairs: int, keys: Mapping[str, str]) -> int:
        _, items = repeat_items(self.db, run_id, pairs)
        self._enqueue(run_id, "repeat", pairs)
        return len(items)

    def _enqueue(self, run_id: int, work: job_store.Work = "run", pairs: int | None = None) -> None:
        try:
            job_store.enqueue(self.db, run_id, work, pairs)
        except RefusedError as e:
            raise JudgeError(str(e)) from e

    def active(self) -> set[int]:
        return job_store.active_runs(self.db)

    def states(self) -> dict[int, str]:
        """How each active run stands, as the page says it: waiting for a worker, worked by one, cancelling."""
        return {run_id: "cancelling" if cancel else f"running on {worker}" if state == "working" and worker
                else "waiting for a worker" for run_id, (state, worker, cancel) in job_store.holders(self.db).items()}  # fmt: skip

    def cancel(self, run_id: int) -> None:
        job_store.request_cancel(self.db, run_id)

    def error(self, run_id: int) -> str | None:
        return job_store.last_error(self.db, run_id)

    def waiting_for_a_worker(self) -> bool:
        """Jobs are queued and no worker has looked for work lately (none is running)."""
        return bool(self.active()) and job_store.workers(self.db, self.stale_seconds) == 0

    def wait(self, run_id: int, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while run_id in self.active() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.2)
