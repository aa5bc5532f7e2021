"""Datasets and the pairs in them: what is judged and rated."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from storage.db import Database
from storage.errors import StorageError
from storage.sql import fetch_all, fetch_one, frame, utc_now

__all__ = [
    "JudgeablePair",
    "NewPair",
    "Pair",
    "PairConflictError",
    "add_pairs",
    "audience_pairs",
    "identities",
    "dataset_id",
    "datasets",
    "judgeable_pairs",
    "pair",
    "pair_count",
    "pair_keys",
    "pairs_frame",
]


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


@dataclass(frozen=True)
class JudgeablePair:
    id: int
    kind: str
    request: str | None
    ground_truth: str
    generated: str


def dataset_id(
    db: Database, name: str, *, create: bool = False, description: str | None = None
) -> int | None:
    """The id of a dataset by name; with ``create``, made when missing."""
    row = fetch_one(db, "SELECT id FROM datasets WHERE name = ?", [name])
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
    return frame(
        db,
        """SELECT d.id, d.name, d.description, count(p.id) AS pairs, d.created_at
               FROM datasets d LEFT JOIN pairs p ON p.dataset_id = d.id
               GROUP BY d.id, d.name, d.description, d.created_at ORDER BY d.created_at, d.id""",
    )


class PairConflictError(StorageError):
    """An external id already holds a different pair; nothing was stored."""


_NEW_COLUMNS = ("external_id", "kind", "request", "ground_truth", "generated", "generator_model", "content_hash")


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
        new = list(fresh.values())
        columns = {name: [getattr(p, name) for p in new] for name in _NEW_COLUMNS}
        columns["metadata"] = [json.dumps(p.metadata, ensure_ascii=False) for p in new]
        rows = pa.table({**{name: pa.array(values, type=pa.string()) for name, values in columns.items()},
                         "place": pa.array(range(len(new)), pa.int64())})  # pairs keep the file's order
        if len(rows):  # one set-based INSERT from Arrow: row by row took minutes for a team's 200,000 pairs
            cursor.register("new_pairs", rows)
            cursor.execute(
                """INSERT INTO pairs (dataset_id, external_id, kind, request, ground_truth, generated,
                                      generator_model, metadata, content_hash, created_at)
                   SELECT ?, external_id, kind, request, ground_truth, generated, generator_model,
                          CAST(metadata AS JSON), content_hash, ? FROM new_pairs ORDER BY place""",
                [dataset_key, now],
            )
            cursor.unregister("new_pairs")
    return len(rows), len(pairs) - len(rows)


def pair(db: Database, pair_id: int) -> Pair | None:
    row = fetch_one(
        db,
        """SELECT p.id, d.name, p.external_id, p.kind, p.request, p.ground_truth, p.generated,
                      p.generator_model, p.metadata
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id WHERE p.id = ?""",
        [pair_id],
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
    return frame(
        db,
        """SELECT d.name AS dataset, p.external_id, p.kind, p.request, p.ground_truth, p.generated,
                      p.generator_model, p.metadata, p.id AS pair_id
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE ? IS NULL OR d.name = ? ORDER BY p.id""",
        [dataset, dataset],
    )


def audience_pairs(db: Database, dataset: str) -> list[tuple[int, str, str]]:
    """(id, ground truth, generated) of the dataset's audience pairs, in id order."""
    rows = fetch_all(
        db,
        """SELECT p.id, p.ground_truth, p.generated FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = ? AND p.kind = 'audience' ORDER BY p.id""",
        [dataset],
    )
    return [(int(i), str(t), str(g)) for i, t, g in rows]


def judgeable_pairs(db: Database, dataset: str, *, only_rated: bool = False) -> list[JudgeablePair]:
    """Every pair of ``dataset`` (any kind), or only those with a current human rating; in id order."""
    rows = fetch_all(
        db,
        """SELECT p.id, p.kind, p.request, p.ground_truth, p.generated
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = $dataset
                 AND (NOT $rated OR p.id IN (SELECT pair_id FROM current_ratings))
               ORDER BY p.id""",
        {"dataset": dataset, "rated": only_rated},
    )
    return [JudgeablePair(int(i), k, r, g, c) for i, k, r, g, c in rows]


def pair_keys(db: Database, dataset: str) -> dict[str, tuple[int, str]]:
    """External id -> (pair id, content hash) for every pair of a dataset."""
    rows = fetch_all(
        db,
        """SELECT p.external_id, p.id, p.content_hash FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = ?""",
        [dataset],
    )
    return {e: (int(i), h) for e, i, h in rows}


def identities(db: Database, pair_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(external id, content hash) of each pair: what names a pair in a file outside the database."""
    rows = fetch_all(db, "SELECT id, external_id, content_hash FROM pairs WHERE list_contains(?, id)",
                     [[int(p) for p in pair_ids]])  # fmt: skip
    return {int(i): (str(e), str(h)) for i, e, h in rows}
