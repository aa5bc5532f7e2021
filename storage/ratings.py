"""People's ratings: an append-only log of rating events, the queue that hands out pairs, progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd
import pyarrow as pa

from storage.db import Database
from storage.errors import RefusedError
from storage.scales import refuse_off_scale
from storage.sql import fetch_one, frame, scalar, utc_now

__all__ = [
    "NewRating",
    "Outcome",
    "Progress",
    "add_ratings",
    "annotator_history",
    "events_of",
    "progress",
    "queue",
    "rate_first",
    "rated_count",
    "rating_count",
    "ratings_frame",
    "pair_ratings",
    "record_rating",
    "record_ratings",
    "set_rate_first",
]


@dataclass(frozen=True)
class NewRating:
    pair_id: int
    annotator: str
    score: int
    note: str | None
    seconds: float | None
    token: str
    created_at: datetime | None = None
    criterion: str = ""  # '' for a dataset that names no criteria


Outcome = Literal["recorded", "duplicate", "already_rated"]


def record_rating(db: Database, rating: NewRating, *, first_only: bool) -> Outcome:
    """Append one rating event.

    ``duplicate``: this token was stored before (a double click, a rerun); nothing added.
    ``already_rated``: ``first_only`` was asked and this annotator rated the pair already
    (say, in another tab); nothing added. Editing a rating is a new event with ``first_only=False``.
    """
    return record_ratings(db, [rating], first_only=first_only)


def record_ratings(db: Database, ratings: Sequence[NewRating], *, first_only: bool) -> Outcome:
    """Append the events of one person's rating of one pair, one per criterion, in one transaction: all of
    them or none (as :func:`record_rating`: ``duplicate`` when a token is stored already, ``already_rated``
    when ``first_only`` and they rated the pair before)."""
    if not ratings or len({(r.pair_id, r.annotator) for r in ratings}) != 1:
        raise ValueError("one rating is of one pair by one person, with at least one score")
    if len({r.criterion for r in ratings}) != len(ratings) or len({r.token for r in ratings}) != len(ratings):
        raise ValueError("one rating gives each criterion one score, each under its own token")
    first = ratings[0]
    with db.transaction() as cursor:
        tokens = [r.token for r in ratings]
        if cursor.execute("SELECT 1 FROM rating_events WHERE list_contains(?, token)", [tokens]).fetchone():
            return "duplicate"
        if (
            first_only
            and cursor.execute(
                "SELECT 1 FROM rating_events WHERE pair_id = ? AND annotator = ? LIMIT 1",
                [first.pair_id, first.annotator],
            ).fetchone()
        ):
            return "already_rated"
        now = utc_now()
        for rating in ratings:
            refuse_off_scale(cursor, "SELECT ?::INTEGER AS pair_id, ?::VARCHAR AS criterion, ?::INTEGER AS score",
                             [rating.pair_id, rating.criterion, rating.score])  # fmt: skip
            cursor.execute(  # after this person saw a judge's score of the pair, a rating is no longer blind
                """INSERT INTO rating_events (pair_id, annotator, score, note, seconds, created_at, token, kind,
                                              criterion)
                   SELECT ?, ?, ?, ?, ?, ?, ?,
                          CASE WHEN EXISTS (SELECT 1 FROM reveals WHERE annotator = ? AND pair_id = ?)
                               THEN 'after_reveal' ELSE 'blind' END, ?""",
                [rating.pair_id, rating.annotator, rating.score, rating.note, rating.seconds,
                 rating.created_at or now, rating.token, rating.annotator, rating.pair_id, rating.criterion],
            )  # fmt: skip
    return "recorded"


def add_ratings(db: Database, ratings: Sequence[NewRating]) -> int:
    """Append imported rating events at once (kind ``imported``). An event is skipped when its token is stored
    already, or when the same person gave the same pair the same score and note at the same moment (an
    exported file imported back); returns how many were added."""
    if not ratings:
        return 0
    now = utc_now()
    first = {r.token: r for r in reversed(ratings)}  # a token given twice in the batch: its first event
    kept = [r for r in ratings if first[r.token] is r]
    batch = pa.table({  # Arrow columns: a million imported ratings go in within seconds
        "pair_id": pa.array([r.pair_id for r in kept], pa.int32()),
        "annotator": pa.array([r.annotator for r in kept], pa.string()),
        "score": pa.array([r.score for r in kept], pa.int32()),
        "note": pa.array([r.note for r in kept], pa.string()),
        "seconds": pa.array([r.seconds for r in kept], pa.float64()),
        "created_at": pa.array([r.created_at or now for r in kept], pa.timestamp("us")),
        "token": pa.array([r.token for r in kept], pa.string()),
        "criterion": pa.array([r.criterion for r in kept], pa.string()),
        "place": pa.array(range(len(kept)), pa.int64()),  # the events keep the file's order
    })  # fmt: skip
    with db.transaction() as cursor:
        cursor.register("new_ratings", batch)
        refuse_off_scale(cursor, "SELECT pair_id, criterion, score FROM new_ratings")
        row = cursor.execute(
            """INSERT INTO rating_events (pair_id, annotator, score, note, seconds, created_at, token, kind,
                                          criterion)
               SELECT pair_id, annotator, score, note, seconds, created_at, token, 'imported', criterion
               FROM new_ratings n
               WHERE NOT EXISTS (SELECT 1 FROM rating_events e WHERE e.token = n.token)
                 AND NOT EXISTS (SELECT 1 FROM rating_events e
                                 WHERE e.pair_id = n.pair_id AND e.annotator = n.annotator AND e.score = n.score
                                   AND e.criterion = n.criterion
                                   AND e.note IS NOT DISTINCT FROM n.note AND e.created_at = n.created_at)
               ORDER BY n.place"""
        ).fetchone()
        cursor.unregister("new_ratings")
    return int(row[0]) if row else 0


def rating_count(db: Database) -> int:
    return int(scalar(db, "SELECT count(*) FROM rating_events"))


def set_rate_first(db: Database, dataset: int, pairs: Sequence[tuple[int, str]], by: str | None) -> int:
    """Put these pairs (id, why), in this order, first in every annotator's queue after the overlap pairs,
    replacing the dataset's earlier list; pairs of another dataset are refused. Returns how many."""
    pairs = [(int(p), why) for p, why in pairs]
    ids = [p for p, _ in pairs]
    if len(set(ids)) != len(ids):
        raise RefusedError("a pair can be put first once")
    with db.transaction() as cursor:
        if ids:
            found = cursor.execute("SELECT count(*) FROM pairs WHERE dataset_id = ? AND list_contains(?, id)",
                                   [dataset, ids]).fetchone()  # fmt: skip
            if found is None or int(found[0]) != len(ids):
                raise RefusedError(f"every pair put first must be of dataset {dataset}")
        cursor.execute("DELETE FROM rate_first WHERE dataset_id = ?", [dataset])
        now = utc_now()
        if ids:
            cursor.executemany(
                "INSERT INTO rate_first (dataset_id, pair_id, rank, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [[dataset, p, rank, why, by, now] for rank, (p, why) in enumerate(pairs, start=1)],
            )
    return len(ids)


def rate_first(db: Database, dataset: int) -> pd.DataFrame:
    """The dataset's pairs put first, in order: pair id, rank, why, who put them there and when."""
    return frame(db, """SELECT pair_id, rank, reason, created_by, created_at FROM rate_first
                        WHERE dataset_id = ? ORDER BY rank""", [dataset])  # fmt: skip


def queue(
    db: Database,
    annotator: str,
    dataset: int,
    max_annotators: int,
    skipped: Sequence[int] = (),
    limit: int = 1,
    overlap: tuple[int, float] = (0, 0.0),
) -> list[int]:
    """Pairs this annotator has not rated, under ``max_annotators`` raters: first the dataset's overlap
    pairs (the same ones for everyone, in one fixed order: ``overlap`` is a count and a share of the
    dataset, whichever is more), so that people's agreement among themselves exists from the first
    ratings; then the pairs put first (:func:`set_rate_first`), in their order; then the others, fewest
    ratings first.

    Ties among the others are broken by a hash of the pair and the annotator, so that several
    annotators working at once start on different pairs.
    """
    rows = (
        db.cursor()
        .execute(
            """WITH ranked AS (
                   SELECT id, row_number() OVER (ORDER BY hash(id::VARCHAR), id) AS place, count(*) OVER () AS total
                   FROM pairs WHERE dataset_id = $dataset)
               SELECT p.id FROM ranked p
               LEFT JOIN (SELECT pair_id, count(DISTINCT annotator) FILTER (WHERE annotator NOT IN (SELECT annotator
                                                                   FROM excluded_annotators)) AS n,
                                 bool_or(annotator = $who) AS mine
                          FROM current_ratings GROUP BY pair_id) r ON r.pair_id = p.id
               LEFT JOIN rate_first f ON f.dataset_id = $dataset AND f.pair_id = p.id
               WHERE NOT coalesce(r.mine, false)
                 AND coalesce(r.n, 0) < $most AND NOT list_contains($skipped, p.id)
               ORDER BY p.place > greatest($count, ceil($share * p.total)), 
                        CASE WHEN p.place <= greatest($count, ceil($share * p.total)) THEN p.place END,
                        f.rank NULLS LAST,
                        coalesce(r.n, 0), hash(p.id::VARCHAR || $who), p.id
               LIMIT $limit""",
            {
                "who": annotator,
                "dataset": dataset,
                "most": max_annotators,
                "skipped": list(skipped),
                "limit": limit,
                "count": overlap[0],
                "share": overlap[1],
            },
        )  # fmt: skip
        .fetchall()
    )
    return [int(r[0]) for r in rows]


@dataclass(frozen=True)
class Progress:
    mine: int
    left_for_me: int
    pairs: int
    pairs_complete: int
    ratings: int
    ratings_wanted: int


def progress(db: Database, annotator: str, dataset: int, max_annotators: int) -> Progress:
    row = fetch_one(
        db,
        """WITH r AS (SELECT c.pair_id, bool_or(c.annotator = $who) AS mine,
                                 count(DISTINCT c.annotator) FILTER (WHERE c.annotator NOT IN (SELECT annotator
                                                                            FROM excluded_annotators)) AS n
                          FROM current_ratings c JOIN pairs p ON p.id = c.pair_id
                          WHERE p.dataset_id = $dataset GROUP BY c.pair_id)
               SELECT count(*) FILTER (WHERE coalesce(r.mine, false)),
                      count(*) FILTER (WHERE NOT coalesce(r.mine, false) AND coalesce(r.n, 0) < $most),
                      count(*),
                      count(*) FILTER (WHERE coalesce(r.n, 0) >= $most),
                      coalesce(sum(least(coalesce(r.n, 0), $most)), 0)
               FROM pairs p LEFT JOIN r ON r.pair_id = p.id WHERE p.dataset_id = $dataset""",
        {"who": annotator, "dataset": dataset, "most": max_annotators},
    )
    assert row is not None
    mine, left, pairs, complete, ratings = (int(v) for v in row)
    return Progress(mine, left, pairs, complete, ratings, pairs * max_annotators)


def rated_count(db: Database, annotator: str, dataset: int) -> int:
    """How many pairs of ``dataset`` this annotator has rated."""
    row = fetch_one(
        db,
        """SELECT count(DISTINCT r.pair_id) FROM rating_events r JOIN pairs p ON p.id = r.pair_id
               WHERE r.annotator = ? AND p.dataset_id = ?""",
        [annotator, dataset],
    )
    return int(row[0]) if row else 0


def annotator_history(db: Database, annotator: str, dataset: int) -> pd.DataFrame:
    """This annotator's current ratings in the dataset, oldest pair first (for going back): a row per pair and
    criterion."""
    return frame(
        db,
        """SELECT c.pair_id, c.criterion, c.score, c.note, c.created_at, p.external_id FROM current_ratings c
               JOIN pairs p ON p.id = c.pair_id
               JOIN (SELECT pair_id, min(id) AS first_id FROM rating_events WHERE annotator = $who
                     GROUP BY pair_id) f ON f.pair_id = c.pair_id
               WHERE c.annotator = $who AND p.dataset_id = $dataset
               ORDER BY f.first_id, c.criterion""",
        {"who": annotator, "dataset": dataset},
    )


def ratings_frame(
    db: Database,
    dataset: str | None = None,
    *,
    current_only: bool = True,
    everyone: bool = False,
    criterion: str | None = None,
) -> pd.DataFrame:
    """Ratings as a table. ``current_only``: what the consensus rests on, the current rating per (pair,
    annotator, criterion) of every annotator not left out of it (``everyone``: of those left out too);
    otherwise every event of everyone (history, export). ``criterion``: only the ratings of that criterion
    (what a figure compares; None: every criterion, for exports and lists of raters). ``excluded`` says whose
    ratings are left out of the consensus; ``kind`` is blind, after_reveal or imported."""
    return frame(
        db,
        """SELECT d.name AS dataset, p.external_id, r.annotator, r.score, r.note, r.seconds,
                      r.created_at, r.pair_id, r.kind, x.annotator IS NOT NULL AS excluded, r.token,
                      coalesce(u.people, 'median') AS consensus_rule, r.criterion
               FROM rating_events r JOIN pairs p ON p.id = r.pair_id JOIN datasets d ON d.id = p.dataset_id
               LEFT JOIN excluded_annotators x ON x.annotator = r.annotator
               LEFT JOIN dataset_rules u ON u.dataset_id = p.dataset_id
               WHERE ($dataset IS NULL OR d.name = $dataset) AND ($criterion IS NULL OR r.criterion = $criterion)
                 AND (NOT $current OR (r.id IN (SELECT id FROM current_ratings) AND ($all OR x.annotator IS NULL)))
               ORDER BY r.id""",
        {"dataset": dataset, "current": current_only, "all": everyone, "criterion": criterion},
    )


def pair_ratings(db: Database, pair_id: int) -> pd.DataFrame:
    """Every rating event of one pair, oldest first: the columns of :func:`ratings_frame`."""
    return frame(
        db,
        """SELECT d.name AS dataset, p.external_id, r.annotator, r.score, r.note, r.seconds,
                  r.created_at, r.pair_id, r.kind, x.annotator IS NOT NULL AS excluded, r.token,
                  coalesce(u.people, 'median') AS consensus_rule, r.criterion
           FROM rating_events r JOIN pairs p ON p.id = r.pair_id JOIN datasets d ON d.id = p.dataset_id
           LEFT JOIN excluded_annotators x ON x.annotator = r.annotator
           LEFT JOIN dataset_rules u ON u.dataset_id = p.dataset_id
           WHERE r.pair_id = ? ORDER BY r.id""",
        [pair_id],
    )


def events_of(db: Database, annotator: str, pair_id: int) -> int:
    """How many rating events this annotator has given this pair (0: never rated it)."""
    return int(scalar(db, "SELECT count(*) FROM rating_events WHERE annotator = ? AND pair_id = ?", [annotator, pair_id]))
