"""Background runs: a stored run that stopped is resumed as it was started and finishes."""

from __future__ import annotations

import time

from judge.execution.run import new_execution_run
from judge.jobs import Jobs, stop_background_runs
from judge.llm import RunSpec, make_provider
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store
from tests.llm.fake_server import FakeProviderServer, Reply, answer
from tests.llm.test_runs import KEYS, add_text_pairs
from ui.run_views import runs_table


def test_an_interrupted_execution_run_resumes_and_finishes(demo_db: Database) -> None:
    run_id = new_execution_run(demo_db, "demo")  # created, never started: as after a server restart
    jobs = Jobs(demo_db)
    jobs.resume(run_id, keys={})
    jobs.wait(run_id, timeout=120)
    assert run_store.run_settings(demo_db, run_id)["status"] == "finished"  # type: ignore[index]
    assert len(result_store.results_frame(demo_db, run_id)) == pair_store.pair_count(demo_db)


def test_a_stopping_app_stops_its_runs_where_they_stand_and_leaves_them_resumable(db: Database) -> None:
    """Ctrl-C or SIGTERM to the app server (ui.serve): its runs stop within a call's time instead of keeping the
    process alive until they end, and are shown interrupted, with a Resume that judges only the rest."""
    add_text_pairs(db, "d", {f"p{i}": "event('Order')" for i in range(40)})
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.1)) as server:
        spec = RunSpec(dataset="d", provider="openai", model="m", prompt="judge-cot", concurrency=2,
                       base_url=f"{server.url}/v1")  # fmt: skip
        jobs = Jobs(db)
        run_id = jobs.start_llm(spec, make_provider("openai", base_url=spec.base_url, keys=KEYS))
        while len(result_store.stored_scores(db, run_id)) < 5:
            time.sleep(0.05)
        stop_background_runs(wait_seconds=10)
        assert jobs.active() == set()
        judged = len(result_store.stored_scores(db, run_id))
        assert judged < 40
        assert runs_table(run_store.runs_frame(db), jobs.states())["state"].tolist() == ["interrupted"]
        jobs.resume(run_id, KEYS)
        jobs.wait(run_id, timeout=60)
        calls = len(server.received)
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]
    assert len(result_store.stored_scores(db, run_id)) == 40
    assert calls == 40, calls  # nothing asked twice: calls in flight at the stop were answered and stored
