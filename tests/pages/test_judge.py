"""The Judge page in AppTest: start an execution run, see it finish, read a judgment; LLM settings and keys."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.demo.store import store_demo
from storage import runs as run_store
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "judge.py")


@pytest.fixture
def seeded(db_path: Path) -> Path:
    store_demo(opened(db_path), count=12)
    return db_path


def test_an_execution_run_starts_finishes_and_its_judgments_can_be_read(seeded: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "lee"
    at.run()
    assert not at.exception
    next(b for b in at.button if b.label.startswith("Start on ")).click().run()
    db = opened(seeded)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (run_store.runs_frame(db).empty or run_store.runs_frame(db)["status"][0] != "finished"):
        time.sleep(0.2)
    runs = run_store.runs_frame(db)
    assert list(runs["status"]) == ["finished"] and runs["judged"][0] == 12
    at.run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["State"][0] == "finished" and shown["Judgments"][0] == "12/12" and shown["Progress"][0] == 100.0  # a percentage
    text = " ".join(m.value for m in at.markdown)
    assert "Score **" in text
    assert any("Reasoning" in m.value for m in at.markdown)
    assert db.cursor().execute("SELECT count(*) FROM reveals WHERE annotator = 'lee'").fetchone() == (1,)


def test_an_llm_run_shows_its_cost_estimate_and_names_a_missing_key(seeded: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.radio(key="judge_kind").set_value("llm").run()
    assert any("12 calls" in i.value for i in at.info)
    next(b for b in at.button if b.label.startswith("Start on ")).click().run()
    assert any("set OPENAI_API_KEY" in e.value for e in at.error)
    assert run_store.runs_frame(opened(seeded)).empty


def test_with_an_admin_list_others_cannot_start_runs(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert next(b for b in at.button if b.label.startswith("Start on ")).disabled
    assert any("Only the admins listed in JUDGE_ADMINS can start runs." in m.value for m in at.markdown)
    at.text_input[0].input("sam")  # signing in right here, as someone who is not an admin
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert next(b for b in at.button if b.label.startswith("Start on ")).disabled
    assert any("sam is not one of them" in w.value for w in at.warning)
    at.session_state["annotator"] = "lee"
    at.run()
    assert not next(b for b in at.button if b.label.startswith("Start on ")).disabled


def test_only_admins_can_cancel_a_running_run(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from storage import jobs as job_store
    from ui.resources import _jobs

    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    monkeypatch.setenv("JUDGE_APP_WORKER", "0")  # on a team server, the run below is worked by "w" alone
    db = opened(seeded)
    run_id = run_store.create_run(db, name="slow", judge_kind="execution", status="running")
    release = threading.Event()
    work = _jobs(str(seeded))
    if db.backend == "postgresql":  # a job some worker is working
        job_store.enqueue(db, run_id)
        job = job_store.claim(db, "w", lease_seconds=60)
        assert job is not None
    else:
        work._start(run_id, lambda cancel: release.wait(30) or cancel.wait(0))  # type: ignore[union-attr]
    try:
        at = AppTest.from_file(PAGE, default_timeout=60).run()
        assert not any(b.label.startswith("Cancel run") for b in at.button)  # a visitor who never signed in
        at.session_state["annotator"] = "sam"
        at.run()
        assert not any(b.label.startswith("Cancel run") for b in at.button)  # signed in, not an admin
        at.session_state["annotator"] = "lee"
        at.run()
        next(b for b in at.button if b.label == f"Cancel run {run_id}").click().run()
        if db.backend == "postgresql":
            assert job_store.beat(db, job.id, "w", 60) == (True, True)  # its worker hears the cancel
        else:
            assert work._jobs[run_id].cancel.is_set()  # type: ignore[union-attr]
    finally:
        release.set()


def test_a_batch_run_from_the_page_shows_the_provider_at_work_then_its_judgments(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Send "as a provider batch": the estimate is at the batch rate, the runs table says what the provider has
    answered while it works, and the run ends with every pair judged at the batch price."""
    from tests.llm.fake_server import FakeProviderServer

    with FakeProviderServer(batch_seconds=0.15) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("JUDGE_BATCH_POLL", "0.1")
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["annotator"] = "lee"
        at.run()
        at.radio(key="judge_kind").set_value("llm").run()
        at.radio(key="send").set_value("batch").run()
        assert not at.exception
        assert any("at the batch rate" in i.value for i in at.info)
        assert at.number_input(key="concurrency").disabled  # a batch has no requests in flight to set
        next(b for b in at.button if b.label.startswith("Start on ")).click().run()
        db = opened(seeded)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (server.batches.batches and run_store.runs_frame(db)["provider_done"].notna().any()):
            time.sleep(0.05)
        at.run()
        working = at.dataframe[0].value
        assert "answered there" in str(working["At the provider"][0])  # the provider at work, before anything is stored
        assert any(b.label == "Cancel run 1 and its batches at the provider" for b in at.button)
        while time.monotonic() < deadline and run_store.runs_frame(db)["status"][0] != "finished":
            time.sleep(0.1)
        at.run()
    runs = run_store.runs_frame(db)
    assert list(runs["status"]) == ["finished"] and runs["judged"][0] == 12 and runs["name"][0].endswith("· batch")
    shown = at.dataframe[0].value
    assert shown["Judgments"][0] == "12/12" and shown["At the provider"][0] is None
    assert len(server.batches.batches) == 1 and not server.received[0][0].endswith("/chat/completions")
