"""Background runs: a stored run that stopped is resumed as it was started and finishes."""

from __future__ import annotations

from judge.execution.run import new_execution_run
from judge.jobs import Jobs
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store


def test_an_interrupted_execution_run_resumes_and_finishes(demo_db: Database) -> None:
    run_id = new_execution_run(demo_db, "demo")  # created, never started: as after a server restart
    jobs = Jobs(demo_db)
    jobs.resume(run_id, keys={})
    jobs.wait(run_id, timeout=120)
    assert run_store.run_settings(demo_db, run_id)["status"] == "finished"  # type: ignore[index]
    assert len(result_store.results_frame(demo_db, run_id)) == pair_store.pair_count(demo_db)
