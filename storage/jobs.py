"""The queue of judge runs on a team server: jobs put by the app, claimed by workers, kept alive by heartbeats.

Claims, heartbeats and ends are each one transaction; a claim takes the oldest job that is queued or whose
worker stopped beating (``FOR UPDATE SKIP LOCKED``, PostgreSQL's), and every later write of a worker names it,
so a worker whose job was taken over writes nothing more to it. Leases are written and compared in the
database's clock, read when the write happens: workers on machines whose clocks differ, or a heartbeat that
waited, never make a live worker look dead. Nor do they wait for the write lock (a long import holds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from storage.db import Cursor, Database
from storage.errors import RefusedError
from storage.sql import fetch_all, fetch_one, utc_now

__all__ = ["Job", "active_runs", "beat", "claim", "enqueue", "finish", "holders", "last_error", "request_cancel", "seen",
           "workers"]

Work = Literal["run", "repeat"]
Ending = Literal["done", "failed", "cancelled", "queued"]


@dataclass(frozen=True)
class Job:
    id: int
    run_id: int
    work: Work
    pairs: int | None
    attempts: int


def enqueue(db: Database, run_id: int, work: Work = "run", pairs: int | None = None) -> int:
    """A job for the run; refused while the run has one queued or working."""
    with db.transaction() as cursor:
        if cursor.execute("SELECT 1 FROM judge_jobs WHERE run_id = ? AND state IN ('queued', 'working')",
                          [run_id]).fetchone():  # fmt: skip
            raise RefusedError(f"run {run_id} is working already: wait for it to end")
        row = cursor.execute("INSERT INTO judge_jobs (run_id, work, pairs, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                             [run_id, work, pairs, utc_now()]).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def claim(db: Database, worker: str, lease_seconds: float) -> Job | None:
    """The oldest job waiting, or one whose worker did not beat by the time it promised (a run taken over goes
    on where it stood); None when there is none. The claimer promises to beat within ``lease_seconds``. A
    repeat whose worker stopped is not taken over (it would repeat other pairs): it fails, and says so."""
    with db.transaction(quiet=True, locked=False) as cursor:  # the pages read the queue afresh
        now = clock(db, cursor)
        cursor.execute(
            """UPDATE judge_jobs SET state = 'failed', finished_at = ?,
                   error = 'its worker stopped before it finished; repeat the run again'
               WHERE work = 'repeat' AND state = 'working' AND expires_at < ?""",
            [now, now],
        )
        row = cursor.execute(
            """UPDATE judge_jobs SET state = 'working', worker = ?, heartbeat_at = ?, expires_at = ?,
                   attempts = attempts + 1, started_at = coalesce(started_at, ?)
               WHERE id = (SELECT id FROM judge_jobs
                           WHERE NOT cancel AND (state = 'queued' OR (state = 'working' AND expires_at < ?))
                           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING id, run_id, work, pairs, attempts""",
            [worker, now, now + timedelta(seconds=lease_seconds), now, now],
        ).fetchone()
        if row is not None:  # how far the run stood: a try the database fails after it got on is no failure
            cursor.execute("UPDATE judge_jobs SET results_at_claim = (SELECT count(*) FROM judge_results "
                           "WHERE run_id = ?) WHERE id = ?", [row[1], row[0]])  # fmt: skip
        # a cancel asked while its worker was gone: nobody will stop it but us
        ended = cursor.execute(
            """UPDATE judge_jobs SET state = 'cancelled', finished_at = ?
               WHERE cancel AND (state = 'queued' OR (state = 'working' AND expires_at < ?)) RETURNING run_id""",
            [now, now],
        ).fetchall()
        if ended:
            cursor.execute("UPDATE judge_runs SET status = 'cancelled', finished_at = ? WHERE list_contains(?, id) "
                           "AND status IN ('created', 'running')", [now, [int(r[0]) for r in ended]])  # fmt: skip
            cursor.execute("UPDATE judge_db_version SET n = n + 1")  # a run's status changed: cached reads are stale
    return None if row is None else Job(int(row[0]), int(row[1]), row[2], row[3], int(row[4]))


def beat(db: Database, job_id: int, worker: str, lease_seconds: float) -> tuple[bool, bool]:
    """The worker is alive and will beat again within ``lease_seconds``: (the job is still this worker's, a cancel
    was asked)."""
    with db.transaction(quiet=True, locked=False) as cursor:
        now = clock(db, cursor)
        row = cursor.execute(
            """UPDATE judge_jobs SET heartbeat_at = ?, expires_at = ? WHERE id = ? AND worker = ? AND state = 'working'
               RETURNING cancel""",
            [now, now + timedelta(seconds=lease_seconds), job_id, worker],
        ).fetchone()
        _seen(cursor, worker, now)  # a worker in a long run is running: the pages must not say none is
    return (row is not None, bool(row[0]) if row else False)


def finish(db: Database, job_id: int, worker: str, ending: Ending, error: str | None = None) -> bool:
    """The job's end as this worker saw it (``queued``: let go, for another worker to go on with); False when
    the job was no longer this worker's."""
    with db.transaction(quiet=True, locked=False) as cursor:  # the run's own writes told the pages
        now = clock(db, cursor)
        row = cursor.execute(
            """UPDATE judge_jobs SET state = ?, error = ?,
                   finished_at = CASE WHEN ? = 'queued' THEN NULL ELSE ? END,
                   worker = CASE WHEN ? = 'queued' THEN NULL ELSE worker END
               WHERE id = ? AND worker = ? AND state = 'working' RETURNING run_id""",
            [ending, error, ending, now, ending, job_id, worker],
        ).fetchone()
        if row is not None and ending == "cancelled":  # however the run's work stopped, it was cancelled
            cursor.execute("UPDATE judge_runs SET status = 'cancelled', finished_at = ? WHERE id = ? "
                           "AND status IN ('created', 'running')", [now, row[0]])  # fmt: skip
    return row is not None


def failed_for_now(db: Database, job_id: int, worker: str, error: str, tries: int) -> Ending | None:
    """A try the database failed (it is answering again now): let go for another try, or failed with
    ``error`` when ``tries`` tries in a row stored nothing. A try after which the run held more results than
    when it began starts the count again: outages and restarts a run gets past never use up its tries. None
    when the job was no longer this worker's."""
    with db.transaction(quiet=True, locked=False) as cursor:
        row = cursor.execute(
            """SELECT failures, results_at_claim, (SELECT count(*) FROM judge_results r WHERE r.run_id = j.run_id)
               FROM judge_jobs j WHERE id = ? AND worker = ? AND state = 'working'""",
            [job_id, worker],
        ).fetchone()
        if row is None:
            return None
        got_on = row[1] is not None and int(row[2]) > int(row[1])
        failures = 0 if got_on else int(row[0] or 0) + 1
        ending: Ending = "failed" if failures >= tries else "queued"
        cursor.execute(
            """UPDATE judge_jobs SET state = ?, failures = ?, error = ?,
                   finished_at = CASE WHEN ? = 'failed' THEN ? END,
                   worker = CASE WHEN ? = 'failed' THEN worker END
               WHERE id = ?""",
            [ending, failures, error if ending == "failed" else None, ending, clock(db, cursor), ending, job_id],
        )
    return ending


def request_cancel(db: Database, run_id: int) -> bool:
    """Ask the run's job to stop: a queued one ends now, a working one at its worker's next heartbeat. False
    when the run has no job going."""
    with db.transaction() as cursor:
        now = clock(db, cursor)
        waiting = cursor.execute(
            "UPDATE judge_jobs SET state = 'cancelled', cancel = true, finished_at = ? WHERE run_id = ? "
            "AND state = 'queued' RETURNING id", [now, run_id]).fetchall()  # fmt: skip
        working = cursor.execute(
            "UPDATE judge_jobs SET cancel = true WHERE run_id = ? AND state = 'working' RETURNING id", [run_id]
        ).fetchall()
        if waiting and not working:
            cursor.execute("UPDATE judge_runs SET status = 'cancelled', finished_at = ? WHERE id = ? "
                           "AND status IN ('created', 'running')", [now, run_id])  # fmt: skip
    return bool(waiting or working)


def active_runs(db: Database) -> set[int]:
    """Runs with a job queued or working (one whose worker stopped counts: another will take it over)."""
    return {int(r[0]) for r in fetch_all(db, "SELECT DISTINCT run_id FROM judge_jobs WHERE state IN ('queued', 'working')")}


def holders(db: Database) -> dict[int, tuple[str, str | None, bool]]:
    """Each run with a job going: (its state, queued or working; the worker working it; a cancel was asked)."""
    rows = fetch_all(db, "SELECT run_id, state, worker, cancel FROM judge_jobs WHERE state IN ('queued', 'working')")
    return {int(r[0]): (str(r[1]), r[2], bool(r[3])) for r in rows}


def last_error(db: Database, run_id: int) -> str | None:
    """Why the run's latest job failed, if it did."""
    row = fetch_one(db, "SELECT state, error FROM judge_jobs WHERE run_id = ? ORDER BY id DESC LIMIT 1", [run_id])
    return str(row[1]) if row and row[0] == "failed" and row[1] else None


def seen(db: Database, worker: str, *, leaving: bool = False) -> None:
    """The worker is alive and looking for work (``leaving``: it stops now)."""
    with db.transaction(quiet=True, locked=False) as cursor:
        if leaving:
            cursor.execute("DELETE FROM judge_workers WHERE name = ?", [worker])
        else:
            _seen(cursor, worker, clock(db, cursor))


def _seen(cursor: Cursor, worker: str, now: datetime) -> None:
    cursor.execute("INSERT INTO judge_workers (name, seen_at) VALUES (?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at", [worker, now])  # fmt: skip


def workers(db: Database, stale_seconds: float) -> int:
    """Workers seen within ``stale_seconds`` (a worker looks for work every second while it waits, and beats
    while it works)."""
    cursor = db.cursor()
    since = clock(db, cursor) - timedelta(seconds=stale_seconds)
    return int(cursor.execute("SELECT count(*) FROM judge_workers WHERE seen_at >= ?", [since]).fetchall()[0][0])


def clock(db: Database, cursor: Cursor) -> datetime:
    """Now, in UTC, by the database's clock on a team server (one clock for every worker), else this one's."""
    if db.backend != "postgresql":
        return utc_now()
    row = cursor.execute("SELECT CAST(clock_timestamp() AT TIME ZONE 'UTC' AS TIMESTAMP)").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]
