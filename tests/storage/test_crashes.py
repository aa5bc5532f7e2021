"""The database under crashes: kill -9 during writes (on both backends), a damaged write-ahead log and a full
disk (a DuckDB file's; a PostgreSQL server keeps its own files)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from judge.demo.store import store_demo
from storage import Database
from storage import ratings as rating_store
from tests.conftest import BACKENDS

ROOT = Path(__file__).parents[2]
TRIALS = 20


@pytest.fixture(params=BACKENDS)
def db_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The database the writer writes: a file, or a PostgreSQL URL (typed as a path all the same)."""
    path = request.getfixturevalue("postgres_url") if request.param == "postgresql" else tmp_path / "crash.duckdb"
    db = Database(path)
    store_demo(db, count=60)
    db.close()
    return path


def writer(path: Path, annotator: str, *room: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "tests.storage.writer", str(path), annotator, *room], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def acknowledged_then_killed(path: Path, annotator: str, rng: random.Random) -> set[int]:
    """Pairs the writer acknowledged before a SIGKILL at a random point, often in the middle of a write."""
    process = writer(path, annotator)
    assert process.stdout is not None
    acked = {int(process.stdout.readline().split()[1]) for _ in range(rng.randint(1, 25))}
    if rng.random() < 0.5:
        os.sched_yield()  # sometimes at once, sometimes a moment later, inside the next transaction
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return acked


def stored(path: Path, annotator: str) -> list[int]:
    db = Database(path)
    try:
        events = rating_store.ratings_frame(db, current_only=False)
        return list(events.loc[events["annotator"] == annotator, "pair_id"].astype(int))
    finally:
        db.close()


def test_kill_9_during_writes_loses_no_acknowledged_rating(db_file: Path) -> None:
    rng = random.Random(9)
    for trial in range(TRIALS):
        annotator = f"trial-{trial}"
        acked = acknowledged_then_killed(db_file, annotator, rng)
        found = stored(db_file, annotator)
        assert acked <= set(found), (trial, sorted(acked - set(found)))
        assert len(found) == len(set(found))  # and nothing twice


def on_file(db_file: Path) -> None:
    if str(db_file).startswith("postgresql://"):
        pytest.skip("a DuckDB file's own failure")


def test_a_damaged_write_ahead_log_loses_nothing_acknowledged_and_is_noticed(db_file: Path) -> None:
    on_file(db_file)
    acked = acknowledged_then_killed(db_file, "ana", random.Random(3))
    wal = Path(f"{db_file}.wal")
    wal.write_bytes(os.urandom(4096))  # the log left by a crash, damaged
    db = Database(db_file)
    assert db.unclean_shutdown == 4096  # the app tells people the last run did not close cleanly
    db.close()
    assert acked <= set(stored(db_file, "ana"))  # what was acknowledged was already in the database file


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_saved(db_file: Path) -> None:
    on_file(db_file)
    process = writer(db_file, "bo", "1500000")
    out, _ = process.communicate(timeout=120)
    acked = {int(line.split()[1]) for line in out.splitlines() if line.startswith("ack")}
    refused = [line for line in out.splitlines() if line.startswith("refused")]
    assert refused, "the disk never filled up"
    assert "could not save to" in refused[0] and "File too large" in refused[0]
    assert "everything saved before is kept" in refused[-1]
    assert process.returncode == 0  # a refusal, not a crash
    found = stored(db_file, "bo")
    assert acked <= set(found) and len(found) == len(set(found))
