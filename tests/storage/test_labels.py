"""What labels rest on, on real DuckDB: kinds of rating, people left out of the consensus, gold pairs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from judge import annotation
from judge.config import Settings
from storage import MIGRATIONS, Database, labels, migrate
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import runs as run_store
from tests.conftest import text_pair


def rating(pair_id: int, annotator: str, score: int, token: str) -> rating_store.NewRating:
    return rating_store.NewRating(pair_id, annotator, score, None, 5.0, token)


def pairs(db: Database, count: int) -> list[int]:
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(count)])
    return [int(p) for p in pair_store.pairs_frame(db, "d")["pair_id"]]


def test_a_rating_after_seeing_the_judge_is_not_blind(db: Database) -> None:
    one, two = pairs(db, 2)
    rating_store.record_rating(db, rating(one, "ana", 3, "t1"), first_only=True)
    labels.record_reveal(db, "ana", [one])
    labels.record_reveal(db, "ana", [one, one])  # seen again: one reveal
    rating_store.record_rating(db, rating(one, "ana", 4, "t2"), first_only=False)
    rating_store.record_rating(db, rating(two, "ana", 2, "t3"), first_only=True)
    rating_store.record_rating(db, rating(one, "bo", 2, "t4"), first_only=True)  # bo has not seen it
    rating_store.add_ratings(db, [rating(two, "cy", 5, "import:x")])
    events = rating_store.ratings_frame(db, current_only=False)
    assert list(events["kind"]) == ["blind", "after_reveal", "blind", "blind", "imported"]
    assert labels.label_kinds(db, [one, two]) == {"blind": 2, "after_reveal": 1, "imported": 1, "adjudicated": 0}


def test_a_person_left_out_of_the_consensus_is_left_out_of_figures_and_the_cap(db: Database) -> None:
    one, two = pairs(db, 2)
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    for who, score in (("ana", 1), ("bo", 5)):
        rating_store.record_rating(db, rating(one, who, score, f"{who}1"), first_only=True)
    labels.exclude(db, "ana", "lead", "rates without reading")
    assert list(rating_store.ratings_frame(db)["annotator"]) == ["bo"]
    assert list(rating_store.ratings_frame(db, everyone=True)["annotator"]) == ["ana", "bo"]
    assert list(rating_store.ratings_frame(db, current_only=False)["excluded"]) == [True, False]
    # the cap of two raters per pair counts bo only, so pair one is still open to cy
    assert set(rating_store.queue(db, "cy", dataset, 2, limit=5)) == {one, two}
    assert rating_store.progress(db, "cy", dataset, 2).left_for_me == 2
    assert list(labels.excluded(db)[["annotator", "excluded_by", "reason"]].itertuples(index=False, name=None)) == [
        ("ana", "lead", "rates without reading")
    ]
    labels.include(db, "ana")
    assert list(rating_store.ratings_frame(db)["annotator"]) == ["ana", "bo"]
    assert rating_store.queue(db, "cy", dataset, 2, limit=5) == [two]


def test_gold_pairs_follow_the_latest_adjudication_and_one_in_n_is_served(db: Database) -> None:
    ids = pairs(db, 30)
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    run = run_store.create_run(db, name="j", judge_kind="external", status="imported")
    adjudication_store.add_adjudication(db, run, ids[20], "humans_right", None, "lead", score=2)
    adjudication_store.add_adjudication(db, run, ids[21], "judge_right", None, "lead", score=4)
    adjudication_store.add_adjudication(db, run, ids[21], "ambiguous", "not sure after all", "lead")  # no score: no longer gold
    assert labels.gold_scores(db, dataset)["score"].to_dict() == {ids[20]: 2}
    latest = adjudication_store.adjudications_frame(db, run).set_index("pair_id")
    assert latest.loc[ids[21], "verdict"] == "ambiguous" and pd.isna(latest.loc[ids[21], "score"])
    settings = Settings.from_env({"JUDGE_GOLD_EVERY": "5", "JUDGE_OVERLAP": "0"})
    served = []
    for n in range(10):
        pair = annotation.next_pair(db, settings, "ana", dataset, [])
        assert pair is not None
        served.append(pair)
        rating_store.record_rating(db, rating(pair, "ana", 3, f"a{n}"), first_only=True)
    assert served.index(ids[20]) == 4 and served.count(ids[20]) == 1  # the fifth pair, once
    assert labels.label_kinds(db, ids)["adjudicated"] == 1


def test_the_migration_marks_ratings_imported_before_it_as_imported(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, MIGRATIONS[:5])
    connection.execute("INSERT INTO datasets VALUES (1, 'd', NULL, now())")
    connection.execute("INSERT INTO pairs VALUES (1, 1, 'x', 'text', NULL, 'a', 'b', NULL, NULL, 'h', now())")
    for n, token in enumerate(("browser-token", "import:abc", "hanna-overall-m-1-1")):
        connection.execute(
            "INSERT INTO rating_events (pair_id, annotator, score, created_at, token) VALUES (1, ?, 3, now(), ?)",
            [f"p{n}", token],
        )
    connection.close()
    db = Database(path)
    assert list(rating_store.ratings_frame(db, current_only=False)["kind"]) == ["blind", "imported", "imported"]
    db.close()


def test_a_gold_pair_is_never_served_to_whoever_knows_its_answer(db: Database) -> None:
    ids = pairs(db, 12)
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    run = run_store.create_run(db, name="j", judge_kind="external", status="imported")
    for pair in ids[8:11]:
        adjudication_store.add_adjudication(db, run, pair, "humans_right", None, "lee", score=2)
    labels.record_reveal(db, "bo", [ids[8], ids[9], ids[10]])
    assert labels.gold_queue(db, "lee", dataset, []) is None  # lee adjudicated them
    assert labels.gold_queue(db, "bo", dataset, []) is None  # bo saw the judge's score of them
    first = labels.gold_queue(db, "ana", dataset, [])
    assert first in ids[8:11]
    settings = Settings.from_env({"JUDGE_GOLD_EVERY": "1", "JUDGE_OVERLAP": "0"})
    assert annotation.next_pair(db, settings, "ana", dataset, []) in ids[8:11]
    # ana skips the gold pair: the next one is not another gold pair (a skip must not expose them one by one)
    assert annotation.next_pair(db, settings, "ana", dataset, [first]) not in ids[8:11]
