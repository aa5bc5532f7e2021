"""Judge template versions made in the app: added, never changed."""

from __future__ import annotations

import pandas as pd

from storage.db import Database
from storage.sql import frame, utc_now

__all__ = ["add_version", "versions_frame"]


def add_version(db: Database, name: str, version: int, text: str, sha256: str, parent: str | None,
                by: str | None) -> None:  # fmt: skip
    """Store a new version; a version that exists already is refused (:class:`~storage.RefusedError`)."""
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO prompt_versions (name, version, text, sha256, parent, created_by, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [name, version, text, sha256, parent, by, utc_now()],
        )


def versions_frame(db: Database) -> pd.DataFrame:
    """Every stored version: name, version, text, sha256, parent, created_by, created_at, by name and version."""
    return frame(db, "SELECT name, version, text, sha256, parent, created_by, created_at FROM prompt_versions "
                     "ORDER BY name, version")  # fmt: skip
