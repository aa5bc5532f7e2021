"""One lifecycle for every judge run: created, running, then finished, cancelled or failed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from storage import Database
from storage import runs as run_store

__all__ = ["Cancel", "interrupted", "run_lifecycle"]


class Cancel(threading.Event):
    """What stops a run. ``set()`` cancels it: it ends cancelled, and a batch run cancels its batches at the
    provider. ``interrupt()`` is for a process that stops (an app server shut down, a worker letting go): the
    run stops where it stands, nothing is cancelled at the provider, and it stays resumable (shown interrupted,
    or taken on by another worker). A cancel asked after an interrupt wins."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = False

    def set(self) -> None:
        self.interrupted = False
        super().set()

    def interrupt(self) -> None:
        if not self.is_set():
            self.interrupted = True
            super().set()


def interrupted(cancel: threading.Event | None) -> bool:
    """The run was stopped by its process stopping, not cancelled."""
    return cancel is not None and cancel.is_set() and bool(getattr(cancel, "interrupted", False))


def run_lifecycle(db: Database, run_id: int, work: Callable[[], object], cancel: threading.Event | None) -> int:
    """Mark the run running, do ``work``, then mark it finished (cancelled when ``cancel`` was set); a run
    whose work raised is marked failed and the error goes on. Returns the run id."""
    run_store.set_run_status(db, run_id, "running")
    try:
        work()
    except BaseException:
        run_store.set_run_status(db, run_id, "failed")
        raise
    if interrupted(cancel):  # left running: resumed later, by this app or another worker
        return run_id
    run_store.set_run_status(db, run_id, "cancelled" if cancel is not None and cancel.is_set() else "finished")
    return run_id
