"""Storage on real DuckDB: migrations, append-only ratings, the queue, concurrency, one writer."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from storage import MIGRATIONS, Database, RefusedError, StorageError, migrate
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.pairs import PairConflictError
from tests.conftest import text_pair


def rating(pair_id: int, annotator: str, score: int, token: str) -> rating_store.NewRating:
    return rating_store.NewRating(pair_id, annotator, score, None, 1.0, token)


def test_migrations_are_recorded_and_applied_once(db_file: Path) -> None:
    Database(db_file).close()
    connection = duckdb.connect(str(db_file))
    names = [r[0] for r in connection.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert names == [name for name, _ in MIGRATIONS]
    assert migrate(connection) == []


def test_a_failing_migration_leaves_no_trace() -> None:
    connection = duckdb.connect(":memory:")
    broken = [
        ("0001_ok", "CREATE TABLE a (x INTEGER);"),
        ("0002_broken", "CREATE TABLE b (x INTEGER); SELECT nope;"),
    ]
    with pytest.raises(duckdb.Error):
        migrate(connection, broken)
    tables = {r[0] for r in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "a" in tables and "b" not in tables
    assert connection.execute("SELECT name FROM schema_migrations").fetchall() == [("0001_ok",)]


def test_the_same_pair_is_not_added_twice(db: Database) -> None:
    assert pair_store.add_pairs(db, "d", [text_pair("x"), text_pair("y")]) == (2, 0)
    assert pair_store.add_pairs(db, "d", [text_pair("x"), text_pair("y")]) == (0, 2)
    assert pair_store.pair_count(db) == 2


def test_a_changed_pair_under_a_known_id_is_refused_and_nothing_is_stored(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    with pytest.raises(PairConflictError, match="'x' already holds a different pair"):
        pair_store.add_pairs(db, "d", [text_pair("new"), text_pair("x", generated="changed")])
    assert pair_store.pair_count(db) == 1


def test_ratings_are_events_and_the_current_rating_is_the_latest(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    assert rating_store.record_rating(db, rating(1, "ana", 2, "t1"), first_only=True) == "recorded"
    assert rating_store.record_rating(db, rating(1, "ana", 5, "t2"), first_only=False) == "recorded"
    events = rating_store.ratings_frame(db, current_only=False)
    current = rating_store.ratings_frame(db)
    assert list(events["score"]) == [2, 5]
    assert list(current["score"]) == [5]


def test_the_same_token_records_once(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    outcomes = [rating_store.record_rating(db, rating(1, "ana", 4, "same"), first_only=True) for _ in range(3)]
    assert outcomes == ["recorded", "duplicate", "duplicate"]
    assert rating_store.rating_count(db) == 1


def test_a_second_first_rating_from_another_tab_is_refused(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    assert rating_store.record_rating(db, rating(1, "ana", 4, "tab1"), first_only=True) == "recorded"
    assert rating_store.record_rating(db, rating(1, "ana", 1, "tab2"), first_only=True) == "already_rated"
    assert list(rating_store.ratings_frame(db)["score"]) == [4]


def test_a_score_outside_one_to_five_is_refused_by_the_database(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("x")])
    with pytest.raises(RefusedError, match="pair 'x' of dataset d: the score 6 is off the dataset's scale 1-5"):
        rating_store.record_rating(db, rating(1, "ana", 6, "t"), first_only=True)
    with pytest.raises(RefusedError, match="refused the change, nothing was saved: .*score"), db.transaction() as c:
        c.execute("INSERT INTO rating_events (pair_id, annotator, score, created_at, token) VALUES (1, 'a', 11, now(), 'z')")
    assert rating_store.rating_count(db) == 0


def test_a_driver_error_inside_a_transaction_is_ours_and_rolls_back(db: Database) -> None:
    with pytest.raises(StorageError, match="nothing was saved") as raised, db.transaction() as cursor:
        cursor.execute("INSERT INTO datasets (name, created_at) VALUES ('x', now())")
        cursor.execute("SELECT * FROM no_such_table")
    import psycopg

    assert isinstance(raised.value.__cause__, psycopg.Error if db.backend == "postgresql" else duckdb.Error)
    assert pair_store.datasets(db).empty


def test_sixteen_threads_write_eight_thousand_ratings_and_none_is_lost(db: Database) -> None:
    pairs = [text_pair(f"p{i}") for i in range(50)]
    pair_store.add_pairs(db, "d", pairs)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(500):
                pair_id = (i % 50) + 1
                token = f"w{worker}-{i}"
                outcome = rating_store.record_rating(
                    db, rating(pair_id, f"ann{worker}", 1 + i % 5, token), first_only=False
                )
                assert outcome == "recorded"
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rating_store.rating_count(db) == 8000
    tokens = db.cursor().execute("SELECT count(DISTINCT token) FROM rating_events").fetchone()
    assert tokens == (8000,)
    assert len(rating_store.ratings_frame(db)) == 16 * 50


def test_queue_shows_unrated_pairs_fewest_ratings_first_up_to_the_limit(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(4)])
    for who, pair_id in [("a", 1), ("b", 1), ("a", 2)]:
        rating_store.record_rating(db, rating(pair_id, who, 3, f"{who}{pair_id}"), first_only=True)
    order = rating_store.queue(db, "c", 1, max_annotators=2, limit=10)
    assert set(order[:2]) == {3, 4}  # no rating yet
    assert order[2:] == [2]  # one rating; pair 1 has its two annotators already
    assert set(rating_store.queue(db, "a", 1, max_annotators=5, limit=10)) == {3, 4}  # a rated 1 and 2
    assert rating_store.queue(db, "c", 1, max_annotators=2, skipped=[3, 4], limit=10) == [2]


def test_progress_counts_mine_left_and_everyone(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(3)])
    rating_store.record_rating(db, rating(1, "a", 3, "1"), first_only=True)
    rating_store.record_rating(db, rating(1, "b", 3, "2"), first_only=True)
    progress = rating_store.progress(db, "a", 1, max_annotators=2)
    assert progress == rating_store.Progress(
        mine=1, left_for_me=2, pairs=3, pairs_complete=1, ratings=2, ratings_wanted=6
    )


def test_a_second_process_gets_a_clear_message(db_file: Path) -> None:
    holder = Database(db_file)
    code = (
        "import sys\nfrom storage import Database, DatabaseBusyError\n"
        f"try:\n    Database({str(db_file)!r})\nexcept DatabaseBusyError as e:\n    print(e)\n    sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    holder.close()
    assert result.returncode == 3, result.stderr
    assert "is in use by another process" in result.stdout
