"""Runs and results: typed statuses and kinds held by the schema, and the upgrade that made them columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from judge.judgment import Judgment
from storage import MIGRATIONS, Database, RefusedError, StorageError, migrate
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store
from tests.conftest import text_pair


def test_a_status_or_kind_outside_the_closed_set_is_refused_in_code_and_by_the_schema(db: Database) -> None:
    run = run_store.create_run(db, name="r", judge_kind="llm", status="created")
    with pytest.raises(ValueError, match="banana"):
        run_store.set_run_status(db, run, "banana")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        run_store.create_run(db, name="r", judge_kind="oracle", status="created")  # type: ignore[arg-type]
    for sql in ("UPDATE judge_runs SET status = 'banana'", "UPDATE judge_runs SET judge_kind = 'oracle'"):
        with pytest.raises(RefusedError, match="nothing was saved"), db.transaction() as cursor:
            cursor.execute(sql)
    assert run_store.run_settings(db, run)["status"] == "created"  # type: ignore[index]


def test_a_result_must_say_which_failure_it_is_and_a_score_is_not_a_failure(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    run = run_store.create_run(db, name="r", judge_kind="llm", status="created")
    result_store.add_judgments(db, run, [Judgment.failed("llm", "refusal", "no").of(1)])
    for sql in ("UPDATE judge_results SET failure = 'oops'", "UPDATE judge_results SET failure = NULL",
                "UPDATE judge_results SET sample = -1"):  # fmt: skip
        with pytest.raises(RefusedError), db.transaction() as cursor:
            cursor.execute(sql)
    assert list(result_store.results_frame(db)["failure"]) == ["refusal"]


def test_the_planned_count_is_a_column_fixed_when_the_run_is_made(db: Database) -> None:
    run = run_store.create_run(db, name="r", judge_kind="execution", status="created", planned=12)
    assert run_store.run_settings(db, run)["planned"] == 12  # type: ignore[index]
    assert list(run_store.runs_frame(db)["planned"]) == [12]
    with pytest.raises(RefusedError):
        run_store.create_run(db, name="r", judge_kind="execution", status="created", planned=-1)


def test_the_upgrade_keeps_every_run_result_and_verdict_and_lifts_json_facts_into_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, MIGRATIONS[:7])
    connection.execute("INSERT INTO datasets VALUES (1, 'd', NULL, now())")
    connection.execute("INSERT INTO pairs VALUES (1, 1, 'x', 'text', NULL, 'a', 'b', NULL, NULL, 'h', now())")
    connection.execute("""INSERT INTO judge_runs (name, judge_kind, parameters, dataset_id, status, created_at)
                          VALUES ('a', 'llm', '{"calls": 40, "run_file": "tok-1"}', 1, 'finished', now()),
                                 ('b', 'execution', '{"dataset": "d"}', 1, 'running', now())""")  # fmt: skip
    connection.execute("""INSERT INTO judge_results (run_id, pair_id, sample, score, error, failure, created_at)
                          VALUES (1, 1, 0, 4, NULL, NULL, now()), (1, 1, 1, NULL, 'boom', 'provider_error', now()),
                                 (2, 1, 0, NULL, 'old failure', NULL, now())""")  # fmt: skip
    connection.execute("""INSERT INTO adjudications (run_id, pair_id, verdict, adjudicator, created_at, score)
                          VALUES (1, 1, 'judge_right', 'lee', now(), 4)""")  # fmt: skip
    connection.close()
    db = Database(path)
    runs = run_store.runs_frame(db).set_index("id")
    assert runs.loc[1, "planned"] == 40 and runs.loc[1, "judged"] == 2 and runs.loc[2, "judged"] == 1
    assert run_store.run_with_token(db, "tok-1") == 1
    results = result_store.results_frame(db)
    assert list(results["score"].fillna(0)) == [4, 0, 0]
    assert list(results["failure"].fillna("-")) == ["-", "provider_error", "provider_error"]
    assert list(adjudication_store.adjudications_frame(db, 1)["score"]) == [4]
    assert run_store.create_run(db, name="c", judge_kind="llm", status="created") == 3  # ids go on
    db.close()


def test_the_upgrade_cleans_what_the_old_code_let_through_instead_of_locking_the_file(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, MIGRATIONS[:7])
    connection.execute("INSERT INTO datasets VALUES (1, 'd', NULL, now())")
    connection.execute("""INSERT INTO judge_runs (name, judge_kind, parameters, dataset_id, status, created_at)
                          VALUES ('neg', 'llm', '{"calls": -1}', 1, 'imported', now()),
                                 ('a', 'llm', '{"run_file": "tok"}', 1, 'imported', now()),
                                 ('b', 'llm', '{"run_file": "tok"}', 1, 'imported', now())""")  # fmt: skip
    connection.close()
    db = Database(path)
    runs = run_store.runs_frame(db).set_index("id")
    assert runs["planned"].isna().all() and len(runs) == 3
    assert run_store.run_with_token(db, "tok") == 2
    db.close()


def test_a_database_that_cannot_be_brought_up_to_date_is_a_sentence_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "odd.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, MIGRATIONS[:7])
    connection.execute("INSERT INTO datasets VALUES (1, 'd', NULL, now())")
    connection.execute("""INSERT INTO judge_runs (name, judge_kind, dataset_id, status, created_at)
                          VALUES ('odd', 'oracle', 1, 'finished', now())""")  # fmt: skip
    connection.close()
    with pytest.raises(StorageError, match="cannot bring the database .* up to date, so it was left as it was"):
        Database(path)
    connection = duckdb.connect(str(path))
    assert connection.execute("SELECT count(*) FROM judge_runs").fetchone() == (1,)
    assert connection.execute("SELECT count(*) FROM schema_migrations").fetchone() == (7,)
    connection.close()
