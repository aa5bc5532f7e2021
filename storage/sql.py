"""The scaffolding every storage module shares: a cursor per call, a statement, its rows or a frame.

Values always travel as parameters; a read takes its own cursor, a write goes through
:meth:`~storage.db.Database.transaction`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from storage.db import Cursor, Database

__all__ = ["Cursor", "Params", "frame", "fetch_all", "fetch_one", "records", "scalar", "utc_now"]

Params = Sequence[Any] | Mapping[str, Any] | None


def utc_now() -> datetime:
    """Now in UTC, without a zone: every timestamp column holds UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def frame(db: Database, sql: str, params: Params = None) -> pd.DataFrame:
    """The result of a read as a DataFrame."""
    return db.cursor().execute(sql, params).df()


def fetch_all(db: Database, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
    """Every row of a read."""
    return db.cursor().execute(sql, params).fetchall()


def fetch_one(db: Database, sql: str, params: Params = None) -> tuple[Any, ...] | None:
    """The first row of a read, or None."""
    return db.cursor().execute(sql, params).fetchone()


def scalar(db: Database, sql: str, params: Params = None) -> Any:
    """The first value of the first row of a read, or None when there is no row."""
    row = fetch_one(db, sql, params)
    return None if row is None else row[0]


def records(db: Database, sql: str, params: Params = None) -> list[dict[str, Any]]:
    """Every row of a read as a dict by column name."""
    cursor = db.cursor().execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
