"""A team server on PostgreSQL: judge runs as jobs that workers claim, beat for and hand over; several
processes writing at once; a database copied up from DuckDB and back, checked by counts and hashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from judge.calibration import snapshot
from judge.cli import main
from judge.execution.run import new_execution_run
from judge.llm import RunSpec
from judge.llm.run import new_llm_run
from judge.queue import QueuedJobs, Worker, stop_workers
from storage import Database, StorageError
from storage import adjudications as adjudication_store
from storage import batches as batch_store
from storage import cache as cache_store
from storage import jobs as job_store
from storage import labels as label_store
from storage import pairs as pair_store
from storage import prompts as prompt_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import rubrics as rubric_store
from storage import rules as rule_store
from storage import runs as run_store
from storage.copy import TABLES, copy_database, counts
from tests.llm.fake_server import FakeProviderServer, Reply, answer
from tests.llm.test_runs import add_text_pairs

ROOT = Path(__file__).parents[1]
KEYS = {"OPENAI_API_KEY": "sk-test-never-shown"}


@pytest.fixture
def team(postgres_url: str) -> Database:
    db = Database(postgres_url)
    yield db
    db.close()


def judged_once(db: Database, run_id: int) -> tuple[int, int]:
    """(results stored, distinct (pair, sample) among them)."""
    frame = result_store.results_frame(db, run_id, repeats=True)
    return len(frame), len(frame.drop_duplicates(["pair_id", "sample"]))


def queued_llm_run(team: Database, server: FakeProviderServer, pairs: int, concurrency: int) -> int:
    """A run of ``pairs`` pairs against the fake provider, put in the queue for a worker."""
    add_text_pairs(team, "d", {f"p{i}": "event('Order')" for i in range(pairs)})
    spec = RunSpec(dataset="d", provider="openai", model="m", prompt="judge-cot", concurrency=concurrency,
                   base_url=f"{server.url}/v1")  # fmt: skip
    run_id = new_llm_run(team, spec)
    job_store.enqueue(team, run_id)
    return run_id


def test_a_queued_run_is_worked_by_a_worker_and_each_pair_judged_once(team: Database) -> None:
    from judge.demo.store import store_demo

    store_demo(team, count=12)
    app = QueuedJobs(team, {}, in_app=False)
    run_id = app.start_execution("demo")
    assert app.active() == {run_id}
    assert app.waiting_for_a_worker()  # nobody is working the queue yet: the page says so
    worker = Worker(team, {}, idle_seconds=0.05)
    worker.run(once=True)
    assert app.active() == set() and worker.worked == 1
    assert run_store.run_settings(team, run_id)["status"] == "finished"  # type: ignore[index]
    assert judged_once(team, run_id) == (12, 12)
    with pytest.raises(Exception, match="working already"):  # one job per run at a time
        job_store.enqueue(team, run_id)
        job_store.enqueue(team, run_id)


def test_a_worker_that_stops_beating_is_taken_over_and_nothing_is_judged_twice(team: Database) -> None:
    from judge.demo.store import store_demo

    store_demo(team, count=10)
    run_id = new_execution_run(team, "demo")
    job_store.enqueue(team, run_id)
    dead = job_store.claim(team, "dead-worker", lease_seconds=0.3)  # it promises to beat within 0.3 s
    assert dead is not None and dead.attempts == 1
    assert job_store.claim(team, "other", lease_seconds=30) is None  # and may still
    time.sleep(0.4)
    taken = job_store.claim(team, "other", lease_seconds=30)  # ... until that time has passed without a beat
    assert taken is not None and taken.id == dead.id and taken.attempts == 2
    assert job_store.beat(team, dead.id, "dead-worker", 30) == (False, False)  # the first worker writes no more
    assert not job_store.finish(team, dead.id, "dead-worker", "done")


def test_a_cancel_ends_a_queued_run_at_once_and_a_working_one_at_its_next_heartbeat(team: Database) -> None:
    from judge.demo.store import store_demo

    store_demo(team, count=6)
    app = QueuedJobs(team, {}, in_app=False)
    waiting = app.start_execution("demo")
    app.cancel(waiting)
    assert app.active() == set()
    assert run_store.run_settings(team, waiting)["status"] == "cancelled"  # type: ignore[index]
    working = app.start_execution("demo")
    job = job_store.claim(team, "w", lease_seconds=30)
    assert job is not None
    app.cancel(working)
    assert job_store.beat(team, job.id, "w", 30) == (True, True)  # the worker hears it and stops


def test_the_page_says_how_each_run_stands_and_a_worker_in_a_long_run_counts_as_running(team: Database) -> None:
    from judge.demo.store import store_demo

    store_demo(team, count=6)
    app = QueuedJobs(team, {}, in_app=False)
    run_id = app.start_execution("demo")
    assert app.states() == {run_id: "waiting for a worker"} and app.waiting_for_a_worker()
    job = job_store.claim(team, "host:7:ab", lease_seconds=30)  # a worker that has not looked at the queue since
    assert job is not None
    job_store.beat(team, job.id, "host:7:ab", 30)  # ... because it has been working this run for a long time
    assert not app.waiting_for_a_worker()  # its beats say it runs: the page does not ask for a worker
    assert app.states() == {run_id: "running on host:7:ab"}
    app.cancel(run_id)
    assert app.states() == {run_id: "cancelling"}  # until the worker hears it
    assert job_store.finish(team, job.id, "host:7:ab", "cancelled")
    assert app.states() == {}
    assert run_store.run_settings(team, run_id)["status"] == "cancelled"  # type: ignore[index]


def test_a_stopped_worker_lets_go_of_its_run_and_another_finishes_it(team: Database) -> None:
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.1)) as server:
        run_id = queued_llm_run(team, server, pairs=40, concurrency=2)
        first = Worker(team, KEYS, heartbeat_seconds=0.1, idle_seconds=0.05)
        working = threading.Thread(target=first.run)
        working.start()
        while len(result_store.stored_scores(team, run_id)) < 5:
            time.sleep(0.05)
        first.stop()  # SIGTERM to `judge worker`
        working.join(30)
        assert not working.is_alive()
        assert job_store.active_runs(team) == {run_id}  # let go, not cancelled: queued for another worker
        Worker(team, KEYS, idle_seconds=0.05).run(once=True)
    assert run_store.run_settings(team, run_id)["status"] == "finished"  # type: ignore[index]
    assert judged_once(team, run_id) == (40, 40)


def test_kill_9_of_a_worker_half_way_another_worker_finishes_and_each_pair_is_judged_once(
    team: Database, postgres_url: str
) -> None:
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.05)) as server:
        run_id = queued_llm_run(team, server, pairs=300, concurrency=4)
        env = {**os.environ, **KEYS, "PYTHONPATH": str(ROOT)}
        worker = subprocess.Popen([sys.executable, "-m", "judge.cli", "worker", "--db", postgres_url, "--stale", "2"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while len(result_store.stored_scores(team, run_id)) < 100 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(result_store.stored_scores(team, run_id)) < 300, "the worker finished before it was killed"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        assert run_id in job_store.active_runs(team)  # still claimed by the dead worker
        taker = Worker(team, KEYS, idle_seconds=0.2)
        thread = threading.Thread(target=taker.run)
        thread.start()
        try:
            deadline = time.monotonic() + 120
            while run_id in job_store.active_runs(team) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            taker.stop()
            thread.join(30)
    assert run_store.run_settings(team, run_id)["status"] == "finished"  # type: ignore[index]
    assert judged_once(team, run_id) == (300, 300)
    assert taker.worked == 1


def test_a_stopped_worker_leaves_the_run_resumable_not_cancelled(team: Database) -> None:
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.1)) as server:
        run_id = queued_llm_run(team, server, pairs=20, concurrency=2)
        worker = Worker(team, KEYS, heartbeat_seconds=0.1, idle_seconds=0.05)
        working = threading.Thread(target=worker.run)
        working.start()
        while len(result_store.stored_scores(team, run_id)) < 3:
            time.sleep(0.05)
        stop_workers(wait_seconds=10)  # the app server's way out: every worker of the process
        assert worker.ended.is_set()
        working.join(5)
    assert job_store.holders(team) == {run_id: ("queued", None, False)}
    assert run_store.run_settings(team, run_id)["status"] == "running"  # type: ignore[index]  # never cancelled


def test_a_database_being_written_is_copied_as_it_stood_when_the_copy_began(team: Database, tmp_path: Path) -> None:
    """A backup of a running team server (--from URL --to FILE), and a file copied up while its app writes."""
    rich(team)
    back = Database(tmp_path / "backup.duckdb")
    written: list[int] = []

    def someone_rates(done: int, total: int) -> None:  # a rating saved while the copy reads
        if not written:
            written.append(done)
            rating_store.record_rating(team, rating_store.NewRating(3, "late", 2, None, None, "late-3"), first_only=True)

    before = counts(team)
    copied = copy_database(team, back, copying=someone_rates)
    assert written and copied.equal
    assert counts(back) == before  # the rating made during the copy is not in it, and nothing is half-copied
    assert counts(team)["rating_events"] == before["rating_events"] + 1
    back.close()
    source = Database(tmp_path / "busy.duckdb")
    rich(source)
    up_before = counts(source)
    written.clear()

    def rates_on_the_file(done: int, total: int) -> None:
        if not written:
            written.append(done)
            rating_store.record_rating(source, rating_store.NewRating(3, "late", 2, None, None, "late-3"),
                                       first_only=True)  # fmt: skip

    other = Database(tmp_path / "other.duckdb")
    assert copy_database(source, other, copying=rates_on_the_file).equal
    assert counts(other) == up_before
    for db in (source, other):
        db.close()


def test_a_failed_migrate_into_a_new_file_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Database(tmp_path / "odd.duckdb")
    source.cursor().execute("CREATE TABLE notes_of_ours (x INTEGER)")  # a table this version cannot copy
    source.close()
    target = tmp_path / "new.duckdb"
    assert main(["migrate", "--from", str(tmp_path / "odd.duckdb"), "--to", str(target)]) == 2
    assert "notes_of_ours" in capsys.readouterr().err
    assert not target.exists() and not Path(f"{target}.wal").exists()  # so the same command can be run again


def test_a_database_the_server_does_not_have_is_named_as_such(postgres_url: str) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(StorageError, match="no_such_database_here.*does not exist on that server. Make it first"):
        Database(missing)


def test_judge_worker_refuses_a_duckdb_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--db", str(tmp_path / "x.duckdb"), "--once"]) == 2
    assert "team server" in capsys.readouterr().err


RATER = """
import sys
from storage import Database
from storage import ratings as rating_store
db = Database(sys.argv[1])
outcomes = []
for pair in range(1, 41):
    for token in (f"tab-a-{pair}", f"tab-b-{pair}"):  # the same person's two tabs, the same click twice
        outcomes.append(rating_store.record_rating(db, rating_store.NewRating(pair, "ana", 4, None, None, token),
                                                   first_only=True))
        outcomes.append(rating_store.record_rating(db, rating_store.NewRating(pair, sys.argv[2], 3, None, None,
                                                   f"{sys.argv[2]}-{pair}"), first_only=True))
print(outcomes.count("recorded"))
"""


def test_processes_rating_at_once_lose_nothing_and_store_nothing_twice(team: Database, postgres_url: str) -> None:
    """Four processes (four app servers) rate the same pairs at once: each person's first rating of a pair is
    stored once, whichever server got it, because the database enforces it."""
    add_text_pairs(team, "d", {f"p{i}": "event('Order')" for i in range(40)})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", RATER, postgres_url, f"bo{n}"], env=env, stdout=subprocess.PIPE,
                             text=True) for n in range(4)]  # fmt: skip
    recorded = [int(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in runs]
    events = rating_store.ratings_frame(team, current_only=False)
    assert len(events) == sum(recorded) == 40 + 4 * 40  # ana once per pair, each bo once per pair
    assert not events.duplicated(["pair_id", "annotator"]).any()


def rich(db: Database) -> None:
    """A database holding a row in every table there is to copy."""
    from judge.demo.store import store_demo
    from judge.execution.run import run_execution

    store_demo(db, count=12)
    run_id = run_execution(db, "demo")
    for pair in range(1, 7):
        for who, score in (("ana", 4), ("bo", 3), ("cy", 5)):
            rating_store.record_rating(db, rating_store.NewRating(pair, who, score, f"note é {who}", 3.5,
                                                                  f"{who}-{pair}"), first_only=True)  # fmt: skip
    rating_store.set_rate_first(db, 1, [(7, "the judge is unsure")], "lead")
    label_store.record_reveal(db, "ana", [8])
    label_store.exclude(db, "cy", "lead", "too fast")
    adjudication_store.add_adjudication(db, run_id, 1, "humans_right", "the window", "lead", score=4)
    cache_store.cache_answers(db, {"k1": cache_store.CachedAnswer('{"score": 4}', 10, 2)})
    snapshot(db, "set-1", "demo", dev_share=0.5, by="lead")
    rule_store.set_dataset_rules(db, 1, "mean", "median", "lead")
    prompt_store.add_version(db, "mine", 1, 'name = "mine"\n', "abc", "judge-cot@1", "lead")
    add_text_pairs(db, "stories", {"s1": "once upon a time"})
    stories = pair_store.dataset_id(db, "stories")
    assert stories is not None
    rubric_store.add_criteria(db, stories, [("fluency", "[scale]\nlow = 1\nhigh = 3\n", "f1", (1, 3))], "lead")
    batch_store.intend(db, run_id, "openai", "token-1", {"p1-s0": "key-1"})
    job_store.enqueue(db, run_id)
    held = counts(db)
    assert [t for t in TABLES if not held[t]] == []  # a row in every table copied


def test_migrate_round_trip_keeps_every_row_and_its_content(team: Database, tmp_path: Path) -> None:
    source = Database(tmp_path / "team.duckdb")
    rich(source)
    up = copy_database(source, team)
    assert up.equal and up.rows > 0
    assert counts(team) == counts(source)
    back = Database(tmp_path / "back.duckdb")
    down = copy_database(team, back)
    assert down.source == up.source  # the same hashes after the round trip
    # ids go on after those copied, on both backends
    for db in (team, back):
        added, _ = pair_store.add_pairs(db, "after", [pair_store.NewPair("n", "text", None, "a", "b", None, {}, "h")])
        assert added == 1 and pair_store.pair_keys(db, "after")["n"][0] > 12
        rating_store.record_rating(db, rating_store.NewRating(9, "dee", 2, None, None, "dee-9"), first_only=True)
    source.close()
    back.close()


def test_migrate_refuses_a_target_that_holds_anything_and_writes_nothing(team: Database, tmp_path: Path) -> None:
    source = Database(tmp_path / "a.duckdb")
    rich(source)
    add_text_pairs(team, "theirs", {"x": "event('Order')"})
    before = counts(team)
    with pytest.raises(StorageError, match="is not empty, so nothing was copied: it holds datasets"):
        copy_database(source, team)
    assert counts(team) == before
    source.close()


def test_judge_migrate_from_the_command_line(postgres_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    source = Database(tmp_path / "a.duckdb")
    rich(source)
    source.close()
    assert main(["migrate", "--from", str(tmp_path / "a.duckdb"), "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "every table's count and content hash are the same on both sides" in out
    assert all(table in out for table in TABLES)
    assert main(["migrate", "--from", str(tmp_path / "a.duckdb"), "--to", postgres_url]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["migrate", "--from", str(tmp_path / "none.duckdb"), "--to", postgres_url]) == 2
    assert "no database file" in capsys.readouterr().err


def test_roles_other_than_the_owner_open_an_up_to_date_database(team: Database, postgres_url: str) -> None:
    """A team member's own role with rights on the tables, and a read-only role for CI's gate, open the database
    without changing its schema (which only its owner may do)."""
    add_text_pairs(team, "d", {"p1": "event('Order')"})
    suffix = postgres_url.rsplit("/", 1)[1]
    member, reader = f"member_{suffix}", f"reader_{suffix}"
    admin = team.cursor()
    admin.execute(f"CREATE ROLE {member} LOGIN")
    admin.execute(f"CREATE ROLE {reader} LOGIN")
    try:
        for role, rights in ((member, "SELECT, INSERT, UPDATE, DELETE"), (reader, "SELECT")):
            admin.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
            admin.execute(f"GRANT {rights} ON ALL TABLES IN SCHEMA public TO {role}")
        admin.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {member}")
        url = postgres_url.replace("judge@", "{}@", 1)
        as_member = Database(url.format(member))
        assert rating_store.record_rating(as_member, rating_store.NewRating(1, "ana", 4, None, None, "m-1"),
                                          first_only=True) == "recorded"  # fmt: skip
        as_member.close()
        as_reader = Database(url.format(reader))
        assert counts(as_reader)["rating_events"] == 1
        as_reader.close()
    finally:
        for role in (member, reader):
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def _cut_connections(url: str) -> int:
    """What a server restart does to every process's connections: ended, from the server's side."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        return len(admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND pid <> pg_backend_pid()").fetchall())  # fmt: skip


def test_connections_cut_by_a_server_restart_are_replaced_and_a_run_goes_on(team: Database, postgres_url: str) -> None:
    add_text_pairs(team, "reads", {"r1": "event('Order')"})
    assert _cut_connections(postgres_url) >= 1
    assert pair_store.pair_count(team) == 1  # the next call works: the dead connection is not lent again
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.05)) as server:
        run_id = queued_llm_run(team, server, pairs=40, concurrency=2)
        worker = Worker(team, KEYS, heartbeat_seconds=0.1, idle_seconds=0.05)
        working = threading.Thread(target=worker.run, kwargs={"once": True})
        working.start()
        while len(result_store.stored_scores(team, run_id)) < 5:
            time.sleep(0.05)
        _cut_connections(postgres_url)
        working.join(120)
    assert not working.is_alive()
    assert run_store.run_settings(team, run_id)["status"] == "finished"  # type: ignore[index]
    assert judged_once(team, run_id) == (40, 40)


def test_migrate_refuses_what_it_would_copy_only_in_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file made by a newer version (a column this one does not know) is refused, not copied without it; a
    target that is no database at all is refused; a copy killed half-way leaves only its .migrating file, which
    the next try replaces."""
    newer = tmp_path / "newer.duckdb"
    db = Database(newer)
    rich(db)
    db.cursor().execute("ALTER TABLE rating_events ADD COLUMN confidence DOUBLE")
    db.close()
    assert main(["migrate", "--from", str(newer), "--to", str(tmp_path / "out.duckdb")]) == 2
    assert "rating_events.confidence" in capsys.readouterr().err
    assert not (tmp_path / "out.duckdb").exists()
    for nowhere in (":memory:", "", "mysql://root:pw@h/db"):
        assert main(["migrate", "--from", str(newer), "--to", nowhere]) == 2
        said = capsys.readouterr().err
        assert "names no database" in said or "neither a DuckDB file nor a team server" in said
        assert "pw@" not in said
    plain = tmp_path / "plain.duckdb"
    db = Database(plain)
    rich(db)
    db.close()
    (tmp_path / "copy.duckdb.migrating").write_bytes(b"half a file, left by kill -9")
    assert main(["migrate", "--from", str(plain), "--to", str(tmp_path / "copy.duckdb")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.duckdb"]


def test_judge_worker_refuses_a_lease_beyond_a_day(postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for stale in ("1e12", "nan", "0"):
        assert main(["worker", "--db", postgres_url, "--once", "--stale", stale]) == 2
        assert "at most a day" in capsys.readouterr().err


def test_a_live_worker_keeps_its_run_whatever_its_clock_says_and_while_an_import_holds_the_write_lock(
    team: Database, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from storage import sql
    from storage.postgres import WRITE_LOCK

    add_text_pairs(team, "d", {"p": "event('Order')"})
    job_store.enqueue(team, new_execution_run(team, "d"))
    late = sql.utc_now() - timedelta(seconds=45)
    monkeypatch.setattr(job_store, "utc_now", lambda: late)  # this worker's machine is 45 s behind
    job = job_store.claim(team, "behind", lease_seconds=30)
    assert job is not None
    monkeypatch.undo()
    assert job_store.claim(team, "other", lease_seconds=30) is None  # its lease is the database's 30 s
    with psycopg.connect(postgres_url, autocommit=True) as importer, importer.transaction():
        importer.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])  # a long import, writing
        beats = []
        for _ in range(3):
            started = time.monotonic()
            beats.append(job_store.beat(team, job.id, "behind", lease_seconds=1))
            assert time.monotonic() - started < 1  # the heartbeat does not wait for the import
            time.sleep(0.5)
        assert beats == [(True, False)] * 3
        assert job_store.claim(team, "other", lease_seconds=30) is None  # 1.5 s on, with a 1 s lease: alive


def test_the_database_is_used_again_as_soon_as_its_server_is_back(team: Database, postgres_url: str) -> None:
    """An outage longer than the pool's first waits: reconnecting must not have grown to wait past the
    server's return (psycopg_pool's own backoff would try next at 31 s, and this read would time out)."""
    from tests.conftest import _admin

    name = postgres_url.rsplit("/", 1)[1]
    add_text_pairs(team, "reads", {"r1": "event('Order')"})
    _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")  # the server as good as gone for this database
    try:
        _cut_connections_as_admin(name)
        went = time.monotonic()
        with pytest.raises(StorageError, match="did not answer in time"):
            pair_store.pair_count(team)
        with pytest.raises(StorageError, match="nothing was saved: the server did not answer in time"):
            add_text_pairs(team, "reads", {"r2": "event('Order')"})
        time.sleep(max(0.0, went + 17 - time.monotonic()))  # the pool went on trying meanwhile, and gave up
    finally:
        _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    assert pair_store.pair_count(team) == 1  # the first read after the return works


def _cut_connections_as_admin(name: str) -> None:
    from tests.conftest import _admin

    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


def test_restarts_and_outages_the_run_gets_past_never_use_up_its_tries(
    team: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rolling restart of the workers, outages long enough that a worker could not even let go (its run taken
    over once its lease ran out), and the database failing while the run still gets on: the run stays queued
    however often. A failure that keeps coming with nothing stored in between is the run's own: after TRIES of
    them it is marked failed, with why."""
    from judge import queue
    from judge.judgment import Judgment

    add_text_pairs(team, "d", {"p1": "event('Order')"})
    [pair_id] = [int(p) for p in pair_store.pairs_frame(team, "d")["pair_id"]]
    run_id = new_execution_run(team, "d")
    job_store.enqueue(team, run_id)
    samples = iter(range(1_000))
    now = {"behaviour": "stopping"}

    def work(self: Worker, job: job_store.Job, cancel: object) -> None:
        if now["behaviour"] == "stopping":
            cancel.interrupt()  # type: ignore[attr-defined]  # what SIGTERM does to the run in hand
            return
        if now["behaviour"] == "getting on":  # a result stored, then the database goes away
            result_store.add_judgments(team, run_id, [Judgment("execution", 4, "same").of(pair_id, next(samples))])
        raise StorageError("the database server did not answer in time")

    monkeypatch.setattr(Worker, "_work", work)

    def job() -> tuple[str, int]:
        row = team.cursor().execute("SELECT state, failures FROM judge_jobs WHERE run_id = ?", [run_id]).fetchone()
        return str(row[0]), int(row[1])

    def attempt() -> tuple[str, int]:
        assert Worker(team, KEYS).work_one()
        return job()

    for _ in range(queue.TRIES + 2):
        assert attempt() == ("queued", 0)
    for _ in range(queue.TRIES + 2):  # a worker that could not let go: its lease runs out, another takes over
        assert job_store.claim(team, "cut-off", lease_seconds=0.001) is not None
        time.sleep(0.01)
    now["behaviour"] = "getting on"
    for _ in range(queue.TRIES + 2):
        assert attempt() == ("queued", 0)
    now["behaviour"] = "stuck"
    for tried in range(1, queue.TRIES):
        assert attempt() == ("queued", tried)
    assert attempt() == ("failed", queue.TRIES)
    error = team.cursor().execute("SELECT error FROM judge_jobs WHERE run_id = ?", [run_id]).fetchone()[0]
    assert "did not answer in time" in error
