"""Every SQL statement the app runs against its database; all values are parameters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import duckdb
import pandas as pd

from storage.db import Database
from storage.errors import StorageError

Cursor = duckdb.DuckDBPyConnection

__all__ = [
    "NewPair",
    "NewRating",
    "Pair",
    "Progress",
    "add_pairs",
    "add_ratings",
    "audience_pairs",
    "judged_pairs",
    "set_run_status",
    "annotator_history",
    "create_run",
    "insert_run",
    "dataset_id",
    "datasets",
    "find_run",
    "pair",
    "pair_count",
    "pairs_frame",
    "progress",
    "queue",
    "rating_count",
    "JUDGE_KINDS",
    "RUN_STATUSES",
    "rated_count",
    "ratings_frame",
    "record_rating",
    "results_frame",
    "utc_now",
]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---- datasets and pairs ----------------------------------------------------


@dataclass(frozen=True)
class NewPair:
    external_id: str
    kind: str
    request: str | None
    ground_truth: str
    generated: str
    generator_model: str | None
    metadata: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class Pair:
    id: int
    dataset: str
    external_id: str
    kind: str
    request: str | None
    ground_truth: str
    generated: str
    generator_model: str | None
    metadata: dict[str, Any]


def dataset_id(
    db: Database, name: str, *, create: bool = False, description: str | None = None
) -> int | None:
    """The id of a dataset by name; with ``create``, made when missing."""
    row = db.cursor().execute("SELECT id FROM datasets WHERE name = ?", [name]).fetchone()
    if row or not create:
        return int(row[0]) if row else None
    with db.transaction() as cursor:
        row = cursor.execute("SELECT id FROM datasets WHERE name = ?", [name]).fetchone()
        if row:
            return int(row[0])
        created = cursor.execute(
            "INSERT INTO datasets (name, description, created_at) VALUES (?, ?, ?) RETURNING id",
            [name, description, utc_now()],
        ).fetchone()
        assert created is not None
        return int(created[0])


def datasets(db: Database) -> pd.DataFrame:
    return (
        db.cursor()
        .execute(
            """SELECT d.id, d.name, d.description, count(p.id) AS pairs, d.created_at
               FROM datasets d LEFT JOIN pairs p ON p.dataset_id = d.id
               GROUP BY ALL ORDER BY d.created_at, d.id"""
        )
        .df()
    )


class PairConflictError(StorageError):
    """An external id already holds a different pair; nothing was stored."""


def add_pairs(db: Database, dataset: str, pairs: Sequence[NewPair]) -> tuple[int, int]:
    """Store pairs all at once, the dataset too when it is new; returns (added, already present). Nothing
    is overwritten, and a refused batch leaves no trace (not even an empty dataset)."""
    with db.transaction() as cursor:
        found = cursor.execute("SELECT id FROM datasets WHERE name = ?", [dataset]).fetchone()
        if found is None:
            found = cursor.execute(
                "INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id", [dataset, utc_now()]
            ).fetchone()
        assert found is not None
        dataset_key = int(found[0])
        existing = dict(
            cursor.execute(
                "SELECT external_id, content_hash FROM pairs WHERE dataset_id = ?", [dataset_key]
            ).fetchall()
        )
        fresh: dict[str, NewPair] = {}
        for item in pairs:
            known = existing.get(item.external_id) or (
                fresh[item.external_id].content_hash if item.external_id in fresh else None
            )
            if known is not None and known != item.content_hash:
                raise PairConflictError(
                    f"external id {item.external_id!r} already holds a different pair in dataset {dataset!r}"
                )
            if known is None:
                fresh[item.external_id] = item
        now = utc_now()
        rows = [
            [dataset_key, p.external_id, p.kind, p.request, p.ground_truth, p.generated, p.generator_model,
             json.dumps(p.metadata, ensure_ascii=False), p.content_hash, now]
            for p in fresh.values()
        ]  # fmt: skip
        if rows:
            cursor.executemany(
                """INSERT INTO pairs (dataset_id, external_id, kind, request, ground_truth, generated,
                                      generator_model, metadata, content_hash, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
    return len(rows), len(pairs) - len(rows)


def pair(db: Database, pair_id: int) -> Pair | None:
    row = (
        db.cursor()
        .execute(
            """SELECT p.id, d.name, p.external_id, p.kind, p.request, p.ground_truth, p.generated,
                      p.generator_model, p.metadata
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id WHERE p.id = ?""",
            [pair_id],
        )
        .fetchone()
    )
    if row is None:
        return None
    pair_id, dataset, external_id, kind, request, truth, generated, model, metadata = row
    return Pair(
        pair_id, dataset, external_id, kind, request, truth, generated, model, json.loads(metadata or "{}")
    )


def pair_count(db: Database, dataset: int | None = None) -> int:
    row = db.cursor().execute(
        "SELECT count(*) FROM pairs WHERE ? IS NULL OR dataset_id = ?", [dataset, dataset]
    )
    return int(row.fetchone()[0])  # type: ignore[index]


def pairs_frame(db: Database, dataset: str | None = None) -> pd.DataFrame:
    return (
        db.cursor()
        .execute(
            """SELECT d.name AS dataset, p.external_id, p.kind, p.request, p.ground_truth, p.generated,
                      p.generator_model, p.metadata, p.id AS pair_id
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE ? IS NULL OR d.name = ? ORDER BY p.id""",
            [dataset, dataset],
        )
        .df()
    )


# ---- human ratings ----------------------------------------------------------


@dataclass(frozen=True)
class NewRating:
    pair_id: int
    annotator: str
    score: int
    note: str | None
    seconds: float | None
    token: str
    created_at: datetime | None = None


Outcome = Literal["recorded", "duplicate", "already_rated"]


def record_rating(db: Database, rating: NewRating, *, first_only: bool) -> Outcome:
    """Append one rating event.

    ``duplicate``: this token was stored before (a double click, a rerun); nothing added.
    ``already_rated``: ``first_only`` was asked and this annotator rated the pair already
    (say, in another tab); nothing added. Editing a rating is a new event with ``first_only=False``.
    """
    with db.transaction() as cursor:
        if cursor.execute("SELECT 1 FROM rating_events WHERE token = ?", [rating.token]).fetchone():
            return "duplicate"
        if (
            first_only
            and cursor.execute(
                "SELECT 1 FROM rating_events WHERE pair_id = ? AND annotator = ? LIMIT 1",
                [rating.pair_id, rating.annotator],
            ).fetchone()
        ):
            return "already_rated"
        cursor.execute(  # after this person saw a judge's score of the pair, a rating is no longer blind
            """INSERT INTO rating_events (pair_id, annotator, score, note, seconds, created_at, token, kind)
               SELECT ?, ?, ?, ?, ?, ?, ?,
                      CASE WHEN EXISTS (SELECT 1 FROM reveals WHERE annotator = ? AND pair_id = ?)
                           THEN 'after_reveal' ELSE 'blind' END""",
            [rating.pair_id, rating.annotator, rating.score, rating.note, rating.seconds,
             rating.created_at or utc_now(), rating.token, rating.annotator, rating.pair_id],
        )  # fmt: skip
    return "recorded"


def add_ratings(db: Database, ratings: Sequence[NewRating]) -> int:
    """Append imported rating events at once (kind ``imported``); events whose token is stored already are
    skipped."""
    with db.transaction() as cursor:
        tokens = [r.token for r in ratings]
        known = {
            row[0]
            for row in cursor.execute(
                "SELECT token FROM rating_events WHERE list_contains(?, token)", [tokens]
            ).fetchall()
        }
        rows, seen = [], set(known)
        for r in ratings:
            if r.token in seen:
                continue
            seen.add(r.token)
            rows.append(
                [r.pair_id, r.annotator, r.score, r.note, r.seconds, r.created_at or utc_now(), r.token]
            )
        if rows:
            cursor.executemany(
                """INSERT INTO rating_events (pair_id, annotator, score, note, seconds, created_at, token, kind)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'imported')""",
                rows,
            )
    return len(rows)


def rating_count(db: Database) -> int:
    return int(db.cursor().execute("SELECT count(*) FROM rating_events").fetchone()[0])  # type: ignore[index]


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
    ratings; then the others, fewest ratings first.

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
               LEFT JOIN (SELECT pair_id, count(*) FILTER (WHERE annotator NOT IN (SELECT annotator
                                                                   FROM excluded_annotators)) AS n,
                                 bool_or(annotator = $who) AS mine
                          FROM current_ratings GROUP BY pair_id) r ON r.pair_id = p.id
               WHERE NOT coalesce(r.mine, false)
                 AND coalesce(r.n, 0) < $most AND NOT list_contains($skipped, p.id)
               ORDER BY p.place > greatest($count, ceil($share * p.total)), 
                        CASE WHEN p.place <= greatest($count, ceil($share * p.total)) THEN p.place END,
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
    row = (
        db.cursor()
        .execute(
            """WITH r AS (SELECT c.pair_id, bool_or(c.annotator = $who) AS mine,
                                 count(*) FILTER (WHERE c.annotator NOT IN (SELECT annotator
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
        .fetchone()
    )
    assert row is not None
    mine, left, pairs, complete, ratings = (int(v) for v in row)
    return Progress(mine, left, pairs, complete, ratings, pairs * max_annotators)


def rated_count(db: Database, annotator: str, dataset: int) -> int:
    """How many pairs of ``dataset`` this annotator has rated."""
    row = (
        db.cursor()
        .execute(
            """SELECT count(DISTINCT r.pair_id) FROM rating_events r JOIN pairs p ON p.id = r.pair_id
               WHERE r.annotator = ? AND p.dataset_id = ?""",
            [annotator, dataset],
        )
        .fetchone()
    )
    return int(row[0]) if row else 0


def annotator_history(db: Database, annotator: str, dataset: int) -> pd.DataFrame:
    """This annotator's current ratings in the dataset, oldest first (for going back)."""
    return (
        db.cursor()
        .execute(
            """SELECT c.pair_id, c.score, c.note, c.created_at, p.external_id FROM current_ratings c
               JOIN pairs p ON p.id = c.pair_id
               JOIN (SELECT pair_id, min(id) AS first_id FROM rating_events WHERE annotator = $who
                     GROUP BY pair_id) f ON f.pair_id = c.pair_id
               WHERE c.annotator = $who AND p.dataset_id = $dataset
               ORDER BY f.first_id""",
            {"who": annotator, "dataset": dataset},
        )
        .df()
    )


def ratings_frame(
    db: Database, dataset: str | None = None, *, current_only: bool = True, everyone: bool = False
) -> pd.DataFrame:
    """Ratings as a table. ``current_only``: what the consensus rests on, the current rating per (pair,
    annotator) of every annotator not left out of it (``everyone``: of those left out too); otherwise every
    event of everyone (history, export). ``excluded`` says whose ratings are left out of the consensus;
    ``kind`` is blind, after_reveal or imported."""
    return (
        db.cursor()
        .execute(
            """SELECT d.name AS dataset, p.external_id, r.annotator, r.score, r.note, r.seconds,
                      r.created_at, r.pair_id, r.kind, x.annotator IS NOT NULL AS excluded
               FROM rating_events r JOIN pairs p ON p.id = r.pair_id JOIN datasets d ON d.id = p.dataset_id
               LEFT JOIN excluded_annotators x ON x.annotator = r.annotator
               WHERE ($dataset IS NULL OR d.name = $dataset)
                 AND (NOT $current OR (r.id IN (SELECT id FROM current_ratings) AND ($all OR x.annotator IS NULL)))
               ORDER BY r.id""",
            {"dataset": dataset, "current": current_only, "all": everyone},
        )
        .df()
    )


# ---- judge runs and results -------------------------------------------------


_RUN_FIELDS = ("provider", "model", "prompt_name", "prompt_version", "prompt_hash", "parameters",
               "dataset_id", "source", "started_at", "finished_at")  # fmt: skip


def create_run(db: Database, *, name: str, judge_kind: str, status: str, **fields: Any) -> int:
    """A new judge run; ``fields`` are the optional columns of ``judge_runs``."""
    with db.transaction() as cursor:
        return insert_run(cursor, name=name, judge_kind=judge_kind, status=status, **fields)


def insert_run(cursor: Cursor, *, name: str, judge_kind: str, status: str, **fields: Any) -> int:
    """:func:`create_run` inside a transaction the caller holds."""
    unknown = set(fields) - set(_RUN_FIELDS)
    if unknown:
        raise ValueError(f"unknown run fields: {sorted(unknown)}")
    if status not in RUN_STATUSES or judge_kind not in JUDGE_KINDS:
        raise ValueError(f"a run is of kind {', '.join(JUDGE_KINDS)} and status {', '.join(RUN_STATUSES)}, "
                         f"not {judge_kind!r} / {status!r}")  # fmt: skip
    if fields.get("parameters") is not None:
        fields["parameters"] = json.dumps(fields["parameters"])
    values = [name, judge_kind, status, utc_now(), *(fields.get(k) for k in _RUN_FIELDS)]
    row = cursor.execute(
        """INSERT INTO judge_runs (name, judge_kind, status, created_at, provider, model, prompt_name,
               prompt_version, prompt_hash, parameters, dataset_id, source, started_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        values,
    ).fetchone()
    assert row is not None
    return int(row[0])


def find_run(db: Database, name: str, judge_kind: str, dataset: int | None) -> int | None:
    """The latest run of this name and kind on ``dataset``: a run belongs to one dataset, so a file of the
    same name imported into another dataset makes a run of its own."""
    row = (
        db.cursor()
        .execute(
            "SELECT max(id) FROM judge_runs WHERE name = ? AND judge_kind = ? AND dataset_id IS NOT DISTINCT FROM ?",
            [name, judge_kind, dataset],
        )
        .fetchone()
    )
    return int(row[0]) if row and row[0] is not None else None


def results_frame(db: Database, run_id: int | None = None) -> pd.DataFrame:
    return (
        db.cursor()
        .execute(
            """SELECT r.id AS run_id, r.name AS run, r.judge_kind, r.model, d.name AS dataset,
                      p.external_id, j.sample, j.score, j.failure, j.error, j.reasoning, j.input_tokens,
                      j.output_tokens, j.cost_usd, j.latency_ms, j.pair_id
               FROM judge_results j JOIN judge_runs r ON r.id = j.run_id
               JOIN pairs p ON p.id = j.pair_id JOIN datasets d ON d.id = p.dataset_id
               WHERE ? IS NULL OR j.run_id = ? ORDER BY j.id""",
            [run_id, run_id],
        )
        .df()
    )


RUN_STATUSES = ("created", "running", "finished", "failed", "cancelled", "imported")
JUDGE_KINDS = ("execution", "llm", "external")


def set_run_status(db: Database, run_id: int, status: str) -> None:
    """Mark a run running, finished, failed or cancelled (with the matching timestamp)."""
    if status not in RUN_STATUSES:
        raise ValueError(f"a run's status is one of {', '.join(RUN_STATUSES)}, not {status!r}")
    with db.transaction() as cursor:
        cursor.execute(
            """UPDATE judge_runs SET status = $status,
                   started_at = CASE WHEN $status = 'running' THEN coalesce(started_at, $now) ELSE started_at END,
                   finished_at = CASE WHEN $status IN ('finished', 'failed', 'cancelled') THEN $now ELSE NULL END
               WHERE id = $run""",
            {"status": status, "now": utc_now(), "run": run_id},
        )


def judged_pairs(db: Database, run_id: int) -> set[int]:
    rows = (
        db.cursor()
        .execute("SELECT DISTINCT pair_id FROM judge_results WHERE run_id = ?", [run_id])
        .fetchall()
    )
    return {int(r[0]) for r in rows}


def audience_pairs(db: Database, dataset: str) -> list[tuple[int, str, str]]:
    """(id, ground truth, generated) of the dataset's audience pairs, in id order."""
    rows = (
        db.cursor()
        .execute(
            """SELECT p.id, p.ground_truth, p.generated FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = ? AND p.kind = 'audience' ORDER BY p.id""",
            [dataset],
        )
        .fetchall()
    )
    return [(int(i), str(t), str(g)) for i, t, g in rows]
