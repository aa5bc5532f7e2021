"""The rubric each dataset is rated and judged by, as the TOML text it was given in."""

from __future__ import annotations

from storage.db import Database
from storage.errors import RefusedError
from storage.sql import scalar, utc_now

__all__ = ["dataset_rubric", "set_dataset_rubric"]


def set_dataset_rubric(
    db: Database, dataset_id: int, text: str, sha256: str, by: str | None, span: tuple[int, int] = (1, 5)
) -> bool:
    """Make ``text`` the dataset's rubric, on the scale ``span`` (its lowest and highest point); False when it
    is that already. A text given before becomes the current one again (its row is kept, its time renewed).
    Refused when a score stored for the dataset (a rating, a judgment, an adjudicated score) lies off the new
    scale: those scores would mean nothing on it."""
    low, high = span
    with db.transaction() as cursor:
        off = cursor.execute(
            """SELECT what, count(*), min(score), max(score) FROM (
                   SELECT 'ratings' AS what, e.score FROM rating_events e JOIN pairs p ON p.id = e.pair_id
                   WHERE p.dataset_id = ? AND (e.score < ? OR e.score > ?)
                   UNION ALL
                   SELECT 'judge scores', j.score FROM judge_results j JOIN pairs p ON p.id = j.pair_id
                   WHERE p.dataset_id = ? AND (j.score < ? OR j.score > ?)
                   UNION ALL
                   SELECT 'adjudicated scores', a.score FROM adjudications a JOIN pairs p ON p.id = a.pair_id
                   WHERE p.dataset_id = ? AND (a.score < ? OR a.score > ?)
               ) GROUP BY what ORDER BY what""",
            [dataset_id, low, high] * 3,
        ).fetchall()
        if off:
            found = "; ".join(f"{n} {what} from {lo} to {hi}" for what, n, lo, hi in off)
            raise RefusedError(f"the dataset holds scores off the scale {low}-{high} of this rubric ({found}); "
                               "a rubric on another scale is for a new dataset. Nothing was changed.")  # fmt: skip
        latest = cursor.execute(
            "SELECT sha256 FROM dataset_rubrics WHERE dataset_id = ? ORDER BY created_at DESC LIMIT 1",
            [dataset_id],
        ).fetchone()
        if latest is not None and latest[0] == sha256:
            return False
        cursor.execute(
            "DELETE FROM dataset_rubrics WHERE dataset_id = ? AND sha256 = ?", [dataset_id, sha256]
        )
        cursor.execute(
            """INSERT INTO dataset_rubrics (dataset_id, text, sha256, created_by, created_at, low, high)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [dataset_id, text, sha256, by, utc_now(), low, high],
        )
    return True


def dataset_rubric(db: Database, dataset: str) -> str | None:
    """The text of the rubric in force for ``dataset``, or None (the shipped one is used)."""
    return scalar(  # type: ignore[no-any-return]
        db,
        """SELECT r.text FROM dataset_rubrics r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = ?
           ORDER BY r.created_at DESC LIMIT 1""",
        [dataset],
    )
