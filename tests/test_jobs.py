"""Background runs: a stored run that stopped is resumed as it was started and finishes."""

from __future__ import annotations

from judge.execution.run import new_execution_run
from judge.jobs import Jobs
from storage import Database
from storage import queries as q
from storage import runs as r


def test_an_interrupted_execution_run_resumes_and_finishes(demo_db: Database) -> None:
    run_id = new_execution_run(demo_db, "demo")  # created, never started: as after a server restart
    jobs = Jobs(demo_db)
    jobs.resume(run_id, keys={})
    jobs.wait(run_id, timeout=120)
    assert r.run_settings(demo_db, run_id)["status"] == "finished"  # type: ignore[index]
    assert len(q.results_frame(demo_db, run_id)) == q.pair_count(demo_db)
