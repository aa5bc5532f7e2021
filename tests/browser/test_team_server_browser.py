"""A team on one PostgreSQL database: two app servers, two judge workers and a CLI import at once, eight
annotators rating in Chromium across both servers while a 2,000-pair LLM run is judged against the local fake
provider; one worker is killed with SIGKILL half-way and the other finishes its run. Counted at the end: no
rating lost or doubled, every pair judged once. ``judge agreement`` and ``judge gate`` read the database while
the app servers run."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from judge.demo.store import store_demo
from judge.llm import RunSpec, make_provider
from judge.queue import QueuedJobs
from storage import Database
from storage import jobs as job_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.browser.conftest import ROOT, AppServer
from tests.browser.load import rate_concurrently
from tests.llm.fake_server import FakeProviderServer, Reply, answer
from tests.llm.test_runs import add_text_pairs

pytestmark = pytest.mark.browser
PAIRS, SESSIONS, SECONDS, IMPORTED = 2000, 8, 25, 300
KEYS = {"OPENAI_API_KEY": "sk-test-never-shown"}


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "judge.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def holder_pid(db: Database, run_id: int) -> int | None:
    """The process id of the worker working the run (worker names are host:pid:random)."""
    row = db.cursor().execute("SELECT worker FROM judge_jobs WHERE run_id = ? AND state = 'working'", [run_id]).fetchone()
    return int(str(row[0]).split(":")[1]) if row and row[0] else None


def test_two_servers_two_workers_and_the_cli_on_one_database(postgres_url: str, tmp_path: Path) -> None:
    db = Database(postgres_url)
    store_demo(db, count=PAIRS)
    env = {**os.environ, **KEYS, "JUDGE_DB": postgres_url, "PYTHONPATH": str(ROOT)}
    imported = tmp_path / "imported.csv"
    with imported.open("w", newline="") as handle:  # another team's ratings, brought in with the CLI meanwhile
        writer = csv.writer(handle)
        writer.writerow(["external_id", "annotator", "score"])
        external = db.cursor().execute("SELECT external_id FROM pairs ORDER BY id LIMIT ?", [IMPORTED]).fetchall()
        writer.writerows([e, "imported-lab", 1 + i % 5] for i, (e,) in enumerate(external))
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.02)) as provider:
        workers = [cli("worker", "--stale", "3", env=env) for _ in range(2)]
        servers = [AppServer(postgres_url, env={"JUDGE_ANNOTATORS_PER_PAIR": str(SESSIONS),  # type: ignore[arg-type]
                                                      "JUDGE_APP_WORKER": "0"}) for _ in range(2)]  # fmt: skip
        killed: list[int] = []
        try:
            for server in servers:
                server.start()
            assert servers[0].port != servers[1].port
            spec = RunSpec(dataset="demo", provider="openai", model="m", prompt="judge-cot", concurrency=8,
                           base_url=f"{provider.url}/v1")  # fmt: skip
            run_id = QueuedJobs(db, {}, in_app=False).start_llm(spec, make_provider("openai", base_url=spec.base_url,
                                                                                    keys=KEYS))  # fmt: skip
            importing = cli("import", "ratings", str(imported), "--dataset", "demo", env=env)

            def kill_half_way() -> None:  # SIGKILL to whichever worker holds the run, half-way through it
                deadline = time.monotonic() + 300
                while len(result_store.stored_scores(db, run_id)) < PAIRS // 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                pid = holder_pid(db, run_id)
                if pid is not None and len(result_store.stored_scores(db, run_id)) < PAIRS:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

            killer = threading.Thread(target=kill_half_way)
            killer.start()
            sessions = rate_concurrently([s.url for s in servers], SESSIONS, SECONDS)
            assert importing.wait(120) == 0, importing.communicate()[1]
            # the command line reads the shared database while both app servers hold it
            agreement = cli("agreement", "--run", str(run_id), env=env)
            out, err = agreement.communicate(timeout=120)
            assert agreement.returncode == 0, err
            assert "in use by another process" not in err and str(run_id) in out
            killer.join(300)
            deadline = time.monotonic() + 300
            while run_store.run_settings(db, run_id)["status"] != "finished" and time.monotonic() < deadline:  # type: ignore[index]
                time.sleep(0.5)
            calibrate = cli("calibrate", "team-set", "--dataset", "demo", env=env)
            assert calibrate.wait(120) == 0, calibrate.communicate()[1]
            version = run_store.run_settings(db, run_id)["prompt_version"]  # type: ignore[index]
            gate = cli("gate", "--calibration", "team-set", "--prompt", f"judge-cot@{version}", env=env)
            out, err = gate.communicate(timeout=120)
            assert gate.returncode in (0, 1, 2) and "Traceback" not in err and (out or err), (out, err)
        finally:
            for server in servers:
                server.stop()
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                    worker.wait(60)
    # every pair judged once, by the worker that took the run over from the one killed
    assert len(killed) == 1 and killed[0] in {w.pid for w in workers}
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]
    frame = result_store.results_frame(db, run_id, repeats=True)
    assert len(frame) == PAIRS and not frame.duplicated(["pair_id", "sample"]).any()
    [job] = db.cursor().execute("SELECT attempts, state FROM judge_jobs WHERE run_id = ?", [run_id]).fetchall()
    assert job == (2, "done")
    # no rating lost or doubled: each acknowledged rating stored once, whichever server took it; the import whole
    assert [s.errors for s in sessions] == [[]] * SESSIONS
    acknowledged = {s.name: len(s.latencies) for s in sessions}
    assert all(n > 0 for n in acknowledged.values()), acknowledged
    events = rating_store.ratings_frame(db, current_only=False)
    by_whom = events.groupby("annotator").size().to_dict()
    assert by_whom == {**acknowledged, "imported-lab": IMPORTED}
    assert not events.duplicated(["annotator", "pair_id"]).any()
    assert job_store.active_runs(db) == set()
    db.close()


def test_an_app_server_stopped_with_sigterm_lets_go_of_its_run_at_once(postgres_url: str, browser: object) -> None:
    """An app server works queued runs (JUDGE_APP_WORKER on) from the first page anyone opens; stopped with
    SIGTERM it lets go of the run in hand within seconds, for another worker, instead of judging on until the
    run ends with its port already closed."""
    db = Database(postgres_url)
    add_text_pairs(db, "d", {f"p{i}": "event('Order')" for i in range(400)})
    made: list[FakeProviderServer] = []  # made in a thread of its own: Playwright's loop runs in this one
    maker = threading.Thread(target=lambda: made.append(FakeProviderServer(lambda body, attempt: Reply(
        text=answer(4), delay=0.2))))  # fmt: skip
    maker.start()
    maker.join()
    with made[0] as provider:
        spec = RunSpec(dataset="d", provider="openai", model="m", prompt="judge-cot", concurrency=2,
                       base_url=f"{provider.url}/v1")  # fmt: skip
        run_id = QueuedJobs(db, {}, in_app=False).start_llm(spec, make_provider("openai", base_url=spec.base_url,
                                                                                keys=KEYS))  # fmt: skip
        server = AppServer(postgres_url, env=KEYS)  # type: ignore[arg-type]
        server.start()
        try:
            page = browser.new_page()  # type: ignore[attr-defined]
            page.goto(server.url)  # an annotator opens the app: its worker starts
            deadline = time.monotonic() + 60
            while holder_pid(db, run_id) != server.process.pid and time.monotonic() < deadline:  # type: ignore[union-attr]
                time.sleep(0.2)
            assert holder_pid(db, run_id) == server.process.pid  # type: ignore[union-attr]
            while not result_store.stored_scores(db, run_id):
                time.sleep(0.1)
            stopped = time.monotonic()
            server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            server.process.wait(60)  # type: ignore[union-attr]
            took = time.monotonic() - stopped
        finally:
            server.stop()
    assert took < 30, took  # the run alone would have kept it for 40 s more
    assert job_store.holders(db) == {run_id: ("queued", None, False)}  # for the next worker
    assert len(result_store.stored_scores(db, run_id)) < 400
    assert run_store.run_settings(db, run_id)["status"] == "running"  # type: ignore[index]  # not cancelled
    db.close()


def test_a_note_typed_before_the_database_went_away_is_there_after_try_again(
    postgres_url: str, browser: object
) -> None:
    """An annotator types a note and presses a score as the database server goes away: the page says so in a
    sentence; once it answers again, Try again shows the same pair with the note still in its field (the
    browser draws fields afresh after the failed page: the note is sent back to it), and the key saves it."""
    from tests.conftest import _admin

    db = Database(postgres_url)
    store_demo(db, count=3)
    name = postgres_url.rsplit("/", 1)[1]
    server = AppServer(postgres_url, env={"JUDGE_APP_WORKER": "0"})  # type: ignore[arg-type]
    server.start()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
        page.goto(f"{server.url}/?annotator=cy")
        note = page.get_by_placeholder("What is wrong, or why it is fine")
        note.fill("the window is off by a day")
        note.press("Enter")  # leaves the note; the score key sends it
        _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        try:
            _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            page.keyboard.press("3")
            page.get_by_text("The database did not do what the page asked").wait_for(timeout=60_000)
        finally:
            _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        assert rating_store.rating_count(db) == 0
        page.get_by_role("button", name="Try again").click()
        page.get_by_text("Not saved:").wait_for(timeout=60_000)
        assert note.input_value() == "the window is off by a day"
        page.keyboard.press("3")
        deadline = time.monotonic() + 30
        while rating_store.rating_count(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        events = db.cursor().execute("SELECT score, note FROM rating_events").fetchall()
        assert events == [(3, "the window is off by a day")]
    finally:
        server.stop()
        db.close()
