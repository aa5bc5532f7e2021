"""The points each dataset's scores may take, enforced where every score is written.

A dataset's scale is the one its rubric declares (``dataset_rubrics.low``/``high``, the latest row); a
dataset without a rubric of its own is on 1-5. A dataset with several criteria has a scale per criterion
(``dataset_scales`` is keyed by dataset and criterion; '' is the one criterion of a dataset that names
none). Every writer of a score (ratings, imported ratings, judge results, adjudicated scores) checks its rows here inside its own transaction, so no path can store a
score off its dataset's scale, and a refused batch stores nothing.
"""

from __future__ import annotations

from storage.errors import RefusedError
from storage.sql import Cursor

__all__ = ["refuse_off_scale"]


def refuse_off_scale(cursor: Cursor, source: str, params: list[object] | None = None) -> None:
    """Refuse (RefusedError) when a row of ``source`` (a relation with ``pair_id``, ``criterion`` and ``score``)
    holds a score off the scale of that criterion of its pair's dataset, or names a criterion the dataset does
    not have; rows whose pair does not exist are left to the foreign key."""
    row = cursor.execute(
        f"""SELECT p.external_id, d.name, n.criterion, n.score, s.low, s.high
            FROM ({source}) n JOIN pairs p ON p.id = n.pair_id JOIN datasets d ON d.id = p.dataset_id
                 LEFT JOIN dataset_scales s ON s.dataset_id = p.dataset_id AND s.criterion = n.criterion
            WHERE s.dataset_id IS NULL OR (n.score IS NOT NULL AND (n.score < s.low OR n.score > s.high))
            LIMIT 1""",  # noqa: S608 - source is a relation named by our own code
        params or [],
    ).fetchone()
    if row:
        external_id, dataset, criterion, score, low, high = row
        if low is None:
            raise RefusedError(f"pair {external_id!r} of dataset {dataset}: the dataset has no criterion "
                               f"{criterion!r}; nothing was saved")  # fmt: skip
        of = f"criterion {criterion!r}'s" if criterion else "the dataset's"
        raise RefusedError(f"pair {external_id!r} of dataset {dataset}: the score {score} is off {of} "
                           f"scale {low}-{high}; nothing was saved")  # fmt: skip
