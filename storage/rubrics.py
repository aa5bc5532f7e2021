"""The rubric each dataset is rated and judged by, as the TOML text it was given in."""

from __future__ import annotations

from storage.db import Database
from storage.sql import scalar, utc_now

__all__ = ["dataset_rubric", "set_dataset_rubric"]


def set_dataset_rubric(db: Database, dataset_id: int, text: str, sha256: str, by: str | None) -> bool:
    """Make ``text`` the dataset's rubric; False when it is that already. A text given before becomes the
    current one again (its row is kept, its time renewed)."""
    with db.transaction() as cursor:
        latest = cursor.execute(
            "SELECT sha256 FROM dataset_rubrics WHERE dataset_id = ? ORDER BY created_at DESC LIMIT 1", [dataset_id]
        ).fetchone()
        if latest is not None and latest[0] == sha256:
            return False
        cursor.execute("DELETE FROM dataset_rubrics WHERE dataset_id = ? AND sha256 = ?", [dataset_id, sha256])
        cursor.execute(
            "INSERT INTO dataset_rubrics (dataset_id, text, sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            [dataset_id, text, sha256, by, utc_now()],
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
