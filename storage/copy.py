"""Everything one database holds, copied into another (a DuckDB file up to a team server, or back), and the
proof that the copy is whole: each table's row count and a hash of its content, on both sides.

The copy is one transaction on the target, checked before it commits: all of it, or nothing. A target that holds anything is refused,
so nothing stored there is overwritten or mixed with what is copied. Ids are kept (every reference stays
right), and each id sequence is moved past the largest id copied.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from storage.db import Cursor, Database
from storage.errors import StorageError
from storage.sql import fetch_all

__all__ = ["TABLES", "Copied", "content", "copy_database"]

TABLES = ("datasets", "dataset_criteria", "dataset_rubrics", "dataset_rules", "pairs", "rate_first", "rating_events",
          "reveals", "excluded_annotators", "judge_runs", "judge_results", "judge_batches", "judge_jobs",
          "adjudications", "llm_cache", "calibration_sets", "calibration_pairs", "prompt_versions")  # fmt: skip
"""What is copied, each table after those it refers to."""
NOT_COPIED = ("schema_migrations", "judge_workers", "judge_db_version", "judge_prepared")
"""Each database's own bookkeeping: its migrations (applied when it was opened), who is working on it now."""
SEQUENCES = {"dataset_ids": "datasets", "pair_ids": "pairs", "rating_event_ids": "rating_events",
             "run_ids": "judge_runs", "result_ids": "judge_results", "adjudication_ids": "adjudications",
             "calibration_ids": "calibration_sets", "batch_ids": "judge_batches", "job_ids": "judge_jobs"}  # fmt: skip
CHUNK = 50_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Copied:
    """Per table: (rows, content hash) in the source and in the target after the copy."""

    source: dict[str, tuple[int, str]]
    target: dict[str, tuple[int, str]]

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.source.values())

    @property
    def equal(self) -> bool:
        return self.source == self.target


def tables(db: Database) -> set[str]:
    rows = fetch_all(db, """SELECT table_name FROM information_schema.tables
                            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'""")  # fmt: skip
    return {str(r[0]) for r in rows}


def columns(db: Database, table: str) -> list[str]:
    rows = fetch_all(db, """SELECT column_name FROM information_schema.columns
                            WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position""",
                     [table])  # fmt: skip
    return [str(r[0]) for r in rows]


def _migrations(db: Database) -> set[str]:
    return {str(r[0]) for r in fetch_all(db, "SELECT name FROM schema_migrations")}


def counts(db: Database) -> dict[str, int]:
    with db.snapshot() as cursor:
        return _counts(cursor)


def _counts(cursor: Cursor) -> dict[str, int]:
    return {t: int(cursor.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES}  # noqa: S608 - our names


def _rows(cursor: Cursor, table: str, names: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in chunks, in id order where it has one."""
    order = "ORDER BY id" if "id" in names else ""
    cursor.execute(f"SELECT {', '.join(names)} FROM {table} {order}")  # noqa: S608 - our names
    while chunk := cursor.fetchmany(CHUNK):
        yield chunk


def _canon(value: Any) -> str:
    """One value as text that is the same whichever backend read it."""
    if value is None:
        return "\u2205"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps([_canon(v) for v in value])
    return str(value)


def content(cursor: Cursor, table: str, names: list[str],
            progress: Callable[[int], None] | None = None) -> tuple[int, str]:  # fmt: skip
    """(rows, hash of the content): the hash is a sum of each row's SHA-256, so it does not depend on the order
    the backend returns rows in."""
    total, count = 0, 0
    for chunk in _rows(cursor, table, names):
        for row in chunk:
            digest = hashlib.sha256("\x1f".join(_canon(v) for v in row).encode()).digest()
            total = (total + int.from_bytes(digest)) % (1 << 256)
        count += len(chunk)
        if progress:
            progress(len(chunk))
    return count, f"{total:064x}"


def _write(target: Database, cursor: Cursor, table: str, names: list[str], chunk: list[tuple[Any, ...]]) -> None:
    if target.backend == "postgresql":
        from storage.postgres import PgCursor

        assert isinstance(cursor, PgCursor)
        cursor.copy_rows(table, names, chunk)
        return
    frame = pa.table({name: pa.array([row[i] for row in chunk]) for i, name in enumerate(names)})
    cursor.register("copied_rows", frame)
    listed = ", ".join(names)
    cursor.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM copied_rows")  # noqa: S608 - our names
    cursor.unregister("copied_rows")


def _advance(target: Database, cursor: Cursor) -> None:
    """Every id sequence past the largest id copied, so the next row made gets a new id."""
    for sequence, table in SEQUENCES.items():
        top = cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()  # noqa: S608 - our names
        largest = int(top[0]) if top else 0
        if not largest:
            continue
        if target.backend == "postgresql":
            cursor.execute("SELECT setval(?, ?)", [sequence, largest])
        else:  # DuckDB has no setval: draw the numbers
            cursor.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [largest])


def copy_database(source: Database, target: Database, copying: Progress | None = None,
                  checking: Progress | None = None) -> Copied:  # fmt: skip
    """Copy every table of ``source`` into the empty ``target`` (one transaction), then count and hash both:
    ``copying(done, total)`` as rows are copied, ``checking(done, total)`` as both sides are read back. The source
    is read as it stood when the copy began (one snapshot), so a database in use copies whole."""
    unknown = tables(source) - set(TABLES) - set(NOT_COPIED)
    if unknown:
        raise StorageError(f"the source holds tables this version does not know how to copy: {', '.join(sorted(unknown))}; "
                           "use the version of the app that made it")  # fmt: skip
    newer = _migrations(source) - _migrations(target)
    if newer:
        raise StorageError(f"{source.path} was brought up to date by a newer version of the app ({', '.join(sorted(newer))}): "
                           "copy it with that version, so that nothing it stores is left behind")  # fmt: skip
    known = {t: set(columns(target, t)) for t in TABLES}
    extra = [f"{t}.{c}" for t in TABLES for c in columns(source, t) if c not in known[t]]
    if extra:
        raise StorageError(f"{source.path} has columns this version does not know: {', '.join(extra)}; nothing was "
                           "copied (they would be left behind). Copy it with the version of the app that made it.")  # fmt: skip
    with source.snapshot() as reading, target.transaction() as cursor:
        held = {t: n for t, n in _counts(cursor).items() if n}  # asked under the write lock: nobody adds any now
        if held:
            listed = ", ".join(f"{t} ({n} rows)" for t, n in held.items())
            raise StorageError(f"the target {target.path} is not empty, so nothing was copied: it holds {listed}. "
                               "Copy into a new, empty database.")  # fmt: skip
        total = sum(_counts(reading).values())
        done = 0
        for table in TABLES:
            names = columns(target, table)
            missing = set(names) - set(columns(source, table))
            if missing:
                raise StorageError(f"{source.path} has no column {', '.join(sorted(missing))} in {table}: open it "
                                   "once with this version of the app first")  # fmt: skip
            for chunk in _rows(reading, table, names):
                try:
                    _write(target, cursor, table, names, chunk)
                except Exception as e:  # noqa: BLE001 - the driver's own error, said with where it happened
                    where = (f", among the rows with id {chunk[0][names.index('id')]} to {chunk[-1][names.index('id')]}"
                             if "id" in names else "")  # fmt: skip
                    reason = str(e).strip().split("\n", 1)[0]
                    raise StorageError(f"{target.path} refused what {source.path} holds in {table}{where}: {reason}. "
                                       "Nothing was copied.") from e  # fmt: skip
                done += len(chunk)
                if copying:
                    copying(done, total)
        _advance(target, cursor)
        if copying and not total:
            copying(0, 0)
        checked = 0

        def tick(n: int) -> None:
            nonlocal checked
            checked += n
            if checking:
                checking(checked, 2 * total)

        copied = Copied({}, {})
        for table in TABLES:  # the target read back inside the transaction: a copy that differs is not committed
            names = columns(target, table)
            copied.source[table] = content(reading, table, names, tick)
            copied.target[table] = content(cursor, table, names, tick)
        if not copied.equal:
            differ = [f"{t} ({copied.source[t][0]} rows, {copied.target[t][0]} copied)" for t in TABLES
                      if copied.source[t] != copied.target[t]]  # fmt: skip
            raise StorageError(f"the copy differs from the source in {', '.join(differ)}, so nothing was written to "
                               f"{target.path}")  # fmt: skip
    return copied
