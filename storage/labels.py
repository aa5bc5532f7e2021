"""What the human side rests on: who saw a judge's score (reveals), whose ratings are left out of the
consensus, and the adjudicated scores that make gold pairs."""

from __future__ import annotations

import pandas as pd

from storage.db import Database
from storage.sql import utc_now

__all__ = [
    "exclude",
    "excluded",
    "gold_pairs",
    "gold_queue",
    "gold_scores",
    "include",
    "label_kinds",
    "record_reveal",
]


def record_reveal(db: Database, annotator: str, pair_ids: list[int]) -> None:
    """``annotator`` has seen a judge's score of ``pair_ids``: their ratings of them from now on are not
    blind."""
    if not pair_ids:
        return
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO reveals (annotator, pair_id, first_at) SELECT $who, unnest($ids), $now
               ON CONFLICT DO NOTHING""",
            {"who": annotator, "ids": [int(p) for p in pair_ids], "now": utc_now()},
        )


def exclude(db: Database, annotator: str, by: str, reason: str | None) -> None:
    """Leave ``annotator``'s ratings out of the consensus (they stay stored; :func:`include` undoes it)."""
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO excluded_annotators (annotator, excluded_by, reason, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            [annotator, by, reason, utc_now()],
        )


def include(db: Database, annotator: str) -> None:
    with db.transaction() as cursor:
        cursor.execute("DELETE FROM excluded_annotators WHERE annotator = ?", [annotator])


def excluded(db: Database) -> pd.DataFrame:
    """Annotators left out of the consensus, who left them out, why and when."""
    return (
        db.cursor()
        .execute(
            "SELECT annotator, excluded_by, reason, created_at FROM excluded_annotators ORDER BY annotator"
        )
        .df()
    )


def gold_scores(db: Database, dataset: int | None = None, criterion: str = "") -> pd.DataFrame:
    """The gold pairs of ``criterion`` (a pair whose latest adjudication in a run of that criterion gave a
    score), indexed by pair id: ``score``, and ``since``, when that adjudication was made (ratings before it
    were not tests)."""
    return (
        db.cursor()
        .execute(
            f"""SELECT pair_id, score, since FROM ({_LATEST}) latest WHERE score IS NOT NULL AND criterion = $criterion
                  AND ($dataset IS NULL OR pair_id IN (SELECT id FROM pairs WHERE dataset_id = $dataset))
                ORDER BY pair_id""",
            {"dataset": dataset, "criterion": criterion},
        )
        .df()
        .astype({"pair_id": int})
        .set_index("pair_id")
    )


def gold_pairs(db: Database, dataset: int) -> set[int]:
    """The ids of the gold pairs of ``dataset`` (usually none: then one cheap query)."""
    rows = (
        db.cursor()
        .execute(
            f"""SELECT DISTINCT pair_id FROM ({_LATEST}) latest WHERE score IS NOT NULL
                AND pair_id IN (SELECT id FROM pairs WHERE dataset_id = ?)""",
            [dataset],
        )
        .fetchall()
    )
    return {int(r[0]) for r in rows}


def gold_queue(db: Database, annotator: str, dataset: int, skipped: list[int]) -> int | None:
    """A gold pair of ``dataset`` for this annotator: one they have not rated, skipped, adjudicated, nor
    seen a judge's score of (then it would test nothing); None when there is none."""
    row = (
        db.cursor()
        .execute(
            f"""SELECT g.pair_id FROM ({_LATEST}) g JOIN pairs p ON p.id = g.pair_id
                WHERE g.score IS NOT NULL AND p.dataset_id = $dataset AND NOT list_contains($skipped, p.id)
                  AND p.id NOT IN (SELECT pair_id FROM rating_events WHERE annotator = $who)
                  AND p.id NOT IN (SELECT pair_id FROM reveals WHERE annotator = $who)
                  AND p.id NOT IN (SELECT pair_id FROM adjudications WHERE adjudicator = $who)
                ORDER BY hash(p.id::VARCHAR || $who), p.id LIMIT 1""",
            {"dataset": dataset, "who": annotator, "skipped": skipped},
        )
        .fetchone()
    )
    return None if row is None else int(row[0])


_LATEST = """SELECT a.pair_id, coalesce(r.criterion, '') AS criterion,
                    (array_agg(a.score ORDER BY a.id DESC))[1] AS score, max(a.created_at) AS since
             FROM adjudications a JOIN judge_runs r ON r.id = a.run_id GROUP BY a.pair_id, coalesce(r.criterion, '')"""
"""The latest adjudication of each pair on each criterion (that of the run it was given in)."""


def label_kinds(db: Database, pair_ids: list[int], criterion: str = "") -> dict[str, int]:
    """How many labels of each kind ``pair_ids`` have on ``criterion``: the current ratings in the consensus, by
    kind (blind, after_reveal, imported), and the pairs with an adjudicated score (adjudicated)."""
    cursor = db.cursor()
    rows = cursor.execute(
        """SELECT r.kind, count(*) FROM rating_events r
           WHERE r.id IN (SELECT id FROM current_ratings) AND list_contains($ids, r.pair_id)
             AND r.criterion = $criterion AND r.annotator NOT IN (SELECT annotator FROM excluded_annotators)
           GROUP BY r.kind""",
        {"ids": pair_ids, "criterion": criterion},
    ).fetchall()
    kinds = {"blind": 0, "after_reveal": 0, "imported": 0} | {str(k): int(n) for k, n in rows}
    adjudicated = cursor.execute(
        f"""SELECT count(DISTINCT pair_id) FROM ({_LATEST}) latest
            WHERE score IS NOT NULL AND list_contains(?, pair_id) AND criterion = ?""",
        [pair_ids, criterion],
    ).fetchone()
    kinds["adjudicated"] = int(adjudicated[0]) if adjudicated else 0
    return kinds
