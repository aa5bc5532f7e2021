"""One lifecycle for every judge run: created, running, then finished, cancelled or failed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from storage import Database
from storage import runs as run_store

__all__ = ["run_lifecycle"]


def run_lifecycle(db: Database, run_id: int, work: Callable[[], object], cancel: threading.Event | None) -> int:
    """Mark the run running, do ``work``, then mark it finished (cancelled when ``cancel`` was set); a run
    whose work raised is marked failed and the error goes on. Returns the run id."""
    run_store.set_run_status(db, run_id, "running")
    try:
        work()
    except BaseException:
        run_store.set_run_status(db, run_id, "failed")
        raise
    run_store.set_run_status(db, run_id, "cancelled" if cancel is not None and cancel.is_set() else "finished")
    return run_id
