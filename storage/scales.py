"""The points each dataset's scores may take, enforced where every score is written.

A dataset's scale is the one its rubric declares (``dataset_rubrics.low``/``high``, the latest row); a
dataset without a rubric of its own is on 1-5. Every writer of a score (ratings, imported ratings, judge
results, adjudicated scores) checks its rows here inside its own transaction, so no path can store a
score off its dataset's scale, and a refused batch stores nothing.
"""

from __future__ import annotations

from storage.db import Database
from storage.errors import RefusedError
from storage.sql import Cursor, fetch_one

__all__ = ["dataset_span", "refuse_off_scale"]


def refuse_off_scale(cursor: Cursor, source: str, params: list[object] | None = None) -> None:
    """Refuse (RefusedError) when a row of ``source`` (a relation with ``pair_id`` and ``score``) holds a score
    off the scale of its pair's dataset; rows whose pair does not exist are left to the foreign key."""
    row = cursor.execute(
        f"""SELECT p.external_id, d.name, n.score, s.low, s.high
            FROM ({source}) n JOIN pairs p ON p.id = n.pair_id JOIN datasets d ON d.id = p.dataset_id
                 JOIN dataset_scales s ON s.dataset_id = p.dataset_id
            WHERE n.score IS NOT NULL AND (n.score < s.low OR n.score > s.high)
            LIMIT 1""",  # noqa: S608 - source is a relation named by our own code
        params or [],
    ).fetchone()
    if row:
        external_id, dataset, score, low, high = row
        raise RefusedError(f"pair {external_id!r} of dataset {dataset}: the score {score} is off the dataset's "
                           f"scale {low}-{high}; nothing was saved")  # fmt: skip


def dataset_span(db: Database, dataset_id: int) -> tuple[int, int]:
    """(lowest, highest) point of the dataset's scale."""
    row = fetch_one(db, "SELECT low, high FROM dataset_scales WHERE dataset_id = ?", [dataset_id])
    return (int(row[0]), int(row[1])) if row else (1, 5)
