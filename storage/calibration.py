"""Calibration sets: named snapshots of human-rated pairs with the consensus each had, split dev/test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from storage.db import Database
from storage.sql import fetch_one, frame, utc_now

__all__ = ["StoredSet", "add_set", "make_current", "latest_set", "set_pairs", "sets_frame"]


@dataclass(frozen=True)
class StoredSet:
    id: int
    name: str
    dataset: str
    sha256: str
    dev_share: float
    criterion: str = ""


def add_set(db: Database, name: str, dataset_id: int, sha256: str, dev_share: float, by: str | None,
            pairs: Sequence[tuple[int, int, str]], criterion: str = "") -> int:  # fmt: skip
    """A new snapshot of set ``name`` with its (pair, consensus, split) rows, all at once; returns its id."""
    with db.transaction() as cursor:
        row = cursor.execute(
            """INSERT INTO calibration_sets (name, dataset_id, sha256, dev_share, created_by, created_at, current_at,
                                             criterion)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [name, dataset_id, sha256, dev_share, by, utc_now(), utc_now(), criterion],
        ).fetchone()
        assert row is not None
        set_id = int(row[0])
        cursor.executemany(
            "INSERT INTO calibration_pairs (set_id, pair_id, consensus, split) VALUES (?, ?, ?, ?)",
            [[set_id, p, c, s] for p, c, s in pairs],
        )
    return set_id


def make_current(db: Database, set_id: int) -> None:
    """An earlier snapshot is the set's current one again (its ratings are as they were then)."""
    with db.transaction() as cursor:
        cursor.execute("UPDATE calibration_sets SET current_at = ? WHERE id = ?", [utc_now(), set_id])


def latest_set(db: Database, name: str, sha256: str | None = None) -> StoredSet | None:
    """The latest snapshot of the set called ``name`` (``sha256``: the snapshot with that hash)."""
    row = fetch_one(
        db,
        """SELECT c.id, c.name, d.name, c.sha256, c.dev_share, c.criterion FROM calibration_sets c
           JOIN datasets d ON d.id = c.dataset_id WHERE c.name = ? AND (? IS NULL OR c.sha256 = ?)
           ORDER BY c.current_at DESC, c.id DESC LIMIT 1""",
        [name, sha256, sha256],
    )
    return None if row is None else StoredSet(int(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4]),
                                              str(row[5]))  # fmt: skip


def set_pairs(db: Database, set_id: int) -> pd.DataFrame:
    """pair_id, consensus and split of every pair of one snapshot, in pair order."""
    return frame(db, "SELECT pair_id, consensus, split FROM calibration_pairs WHERE set_id = ? ORDER BY pair_id",
                 [set_id])  # fmt: skip


def sets_frame(db: Database) -> pd.DataFrame:
    """Every snapshot, newest first, with its dataset and size."""
    return frame(
        db,
        """SELECT c.id, c.name, d.name AS dataset, c.criterion, c.sha256, c.dev_share, c.created_by, c.created_at, c.current_at,
                  count(p.pair_id) AS pairs, count(p.pair_id) FILTER (WHERE p.split = 'test') AS test_pairs
           FROM calibration_sets c JOIN datasets d ON d.id = c.dataset_id
           LEFT JOIN calibration_pairs p ON p.set_id = c.id
           GROUP BY c.id, c.name, d.name, c.criterion, c.sha256, c.dev_share, c.created_by, c.created_at, c.current_at
           ORDER BY c.current_at DESC, c.id DESC""",
    )
