"""A PostgreSQL team server as the database: a pool of connections shared by the threads of this process, and
any number of processes (app servers, judge workers, the command line) on the same database at once.

Writes are serialised across every process by a transaction-level advisory lock taken first in each write
transaction: the check-then-insert rules (a rating's token stored once, a person's first rating of a pair,
an import all or nothing) hold across servers because the database enforces them, as one process's lock does
on DuckDB. Reads run alongside, each on the latest committed state.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from storage.db import Cursor, Database
from storage.dialect import FUNCTIONS, hidden, pg_type, redacted, to_postgres
from storage.errors import RefusedError, StorageError

__all__ = ["PostgresDatabase", "WRITE_LOCK"]

WRITE_LOCK = 7_331_001  # the advisory lock every write transaction holds until it commits
MIGRATE_LOCK = 7_331_002  # held while the schema is brought up to date, so two processes never both do it
POOL_SIZE = 8  # connections per process at most; a server has a hundred by default
CONNECT_SECONDS = 10.0
# How long the pool goes on reconnecting (after 1, 2, 4 ... s) before it gives up, to try afresh when next asked.
# psycopg_pool's own five minutes would let its waits grow to a minute: a server back up would go unused that long.
RECONNECT_SECONDS = 10.0

# The pool's warnings (every failed reconnect, every closed connection dropped) would fill a worker's output
# during an outage; the storage errors say what happened. A logging setup of one's own still sees them.
if logging.getLogger("psycopg.pool").level == logging.NOTSET:
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)


class _Float(Loader):
    """NUMERIC (what PostgreSQL's sum and avg of integers give) as a float, as DuckDB gives it."""

    def load(self, data: Any) -> float:
        return float(bytes(data))


class _Text(Loader):
    """JSON as the text stored, as DuckDB gives it (the callers parse it when they need to)."""

    def load(self, data: Any) -> str:
        return bytes(data).decode()


def _configure(connection: psycopg.Connection[Any]) -> None:
    connection.adapters.register_loader("numeric", _Float)
    connection.adapters.register_loader("json", _Text)
    connection.adapters.register_loader("jsonb", _Text)


class PgCursor:
    """A cursor with DuckDB's cursor's manners: ``execute`` returns it, a write statement's result is its row
    count, ``df()`` gives a frame, ``register`` stages a frame as a table. Outside a transaction each statement
    borrows a pooled connection for itself and keeps its rows."""

    def __init__(self, db: PostgresDatabase, connection: psycopg.Connection[Any] | None = None) -> None:
        self._db = db
        self._connection = connection
        self._rows: list[tuple[Any, ...]] = []
        self._at = 0
        self.description: Any = None

    def execute(self, query: str, parameters: Any = None, /) -> Self:
        text = to_postgres(query, parameters is not None)
        if self._connection is not None:
            self._run(self._connection, text, parameters)
        else:
            with self._db.connection() as connection:
                self._run(connection, text, parameters)
        return self

    def _run(self, connection: psycopg.Connection[Any], text: str, parameters: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(text, parameters)
            if cursor.description is None:  # a write: DuckDB answers with the rows it changed
                self.description = [("Count",)]
                self._rows = [(cursor.rowcount,)]
            else:
                self.description = cursor.description
                self._rows = cursor.fetchall()
        self._at = 0

    def executemany(self, query: str, parameters: Any = None, /) -> Self:
        text = to_postgres(query, True)
        if self._connection is None:
            raise StorageError("writes go through a transaction")
        with self._connection.cursor() as cursor:
            cursor.executemany(text, parameters or [])
        self.description, self._rows, self._at = None, [], 0
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at:]
        self._at = len(self._rows)
        return rows

    def fetchmany(self, size: int = 1, /) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def copy_rows(self, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows into a table of this transaction with COPY, PostgreSQL's bulk path."""
        if self._connection is None:
            raise StorageError("writes go through a transaction")
        with self._connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def df(self) -> pd.DataFrame:
        columns = self.description or []
        return frame_of(self.fetchall(), [c[0] for c in columns], [getattr(c, "type_code", 0) for c in columns])

    def register(self, view_name: str, python_object: object, /) -> Self:
        """Stage a frame (Arrow or pandas) as a temporary table of this transaction, copied in with COPY."""
        if self._connection is None:
            raise StorageError("a staged table lives in a transaction")
        table = python_object if isinstance(python_object, pa.Table) else pa.Table.from_pandas(
            python_object, preserve_index=False)  # type: ignore[arg-type]  # fmt: skip
        columns = ", ".join(f"{name} {pg_type(field.type)}" for name, field in zip(table.column_names,
                                                                                   table.schema, strict=True))  # fmt: skip
        with self._connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {view_name} ({columns}) ON COMMIT DROP")
        if table.num_rows:
            self.copy_rows(view_name, table.column_names,
                           list(zip(*(column.to_pylist() for column in table.columns), strict=True)))  # fmt: skip
            with self._connection.cursor() as cursor:  # its size and values, so a join with it is planned well
                cursor.execute(f"ANALYZE {view_name}")
        return self

    def unregister(self, view_name: str, /) -> Self:
        if self._connection is not None:
            self._connection.execute(f"DROP TABLE IF EXISTS {view_name}")
        return self

    def close(self) -> None:
        self._rows = []


_WHOLE = {21: "int16", 23: "int32", 20: "int64"}  # PostgreSQL's type oids: smallint, integer, bigint
_BOOLEAN, _TIMESTAMP, _FRACTIONS = 16, 1114, (700, 701, 1700)  # real, double precision, numeric


def frame_of(rows: Sequence[tuple[Any, ...]], names: list[str], types: Sequence[int]) -> pd.DataFrame:
    """Rows with the dtypes DuckDB's ``df()`` gives the same columns: whole numbers by width (pandas' nullable
    ones where a NULL is), booleans likewise, fractions as floats, timestamps to the microsecond, text as
    text."""
    data = {}
    for i, (name, kind) in enumerate(zip(names, types, strict=True)):
        values = [row[i] for row in rows]
        gap = any(v is None for v in values)
        if kind in _WHOLE:
            data[name] = pd.array(values, dtype=_WHOLE[kind].capitalize() if gap else _WHOLE[kind])
        elif kind == _BOOLEAN:
            data[name] = pd.array(values, dtype="boolean" if gap else "bool")
        elif kind in _FRACTIONS:
            data[name] = pd.array([float("nan") if v is None else float(v) for v in values], dtype="float64")
        elif kind == _TIMESTAMP:
            data[name] = pd.array(pd.to_datetime(values), dtype="datetime64[us]")
        else:
            data[name] = pd.Series(values, dtype=object).infer_objects() if values else pd.Series([], dtype=object)
    if len(set(names)) != len(names):
        return pd.DataFrame({i: v for i, v in enumerate(data.values())}).set_axis(names, axis=1)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


class PostgresDatabase(Database):
    """The team server (see the module's text); the same interface as the DuckDB :class:`Database`."""

    backend = "postgresql"

    def __init__(self, path: str) -> None:  # noqa: D107 - see the class
        self._url = str(path)
        self.path = redacted(self._url)
        self.stopped = None
        self.unclean_shutdown = 0
        self._local = threading.local()
        try:  # one connection first: a wrong URL is told at once and plainly, not retried by the pool
            psycopg.connect(self._url, connect_timeout=int(CONNECT_SECONDS)).close()
        except psycopg.Error as e:
            raise StorageError(_unreachable(self.path, e, self._url)) from None  # its text may hold the URL
        try:
            # each connection is checked as it is lent: after a server restart the pool's old connections are
            # replaced, rather than failing the next call of every thread once each
            self._pool = ConnectionPool(self._url, min_size=1, max_size=POOL_SIZE, open=True, timeout=CONNECT_SECONDS,
                                        check=ConnectionPool.check_connection, reconnect_timeout=RECONNECT_SECONDS,
                                        configure=_configure,
                                        kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor,
                                                "connect_timeout": int(CONNECT_SECONDS)})  # fmt: skip
            self._pool.wait(CONNECT_SECONDS)
        except (PoolTimeout, psycopg.Error) as e:
            self._close_pool()
            raise StorageError(_unreachable(self.path, e, self._url)) from None
        try:
            with self.connection() as connection:
                from storage.schema import migrate_postgres

                migrate_postgres(connection)
        except psycopg.Error as e:
            self._close_pool()
            raise StorageError(f"cannot bring the database {self.path} up to date, so it was left as it was "
                               f"(the app and the command line cannot use it until it is fixed): {_reason(e)}") from e

    @property
    def url(self) -> str:
        """The URL with its password, for opening another connection; never shown."""
        return self._url

    @property
    def version(self) -> int:
        """Changes committed by any process: a counter every write transaction moves."""
        row = self.cursor().execute("SELECT n FROM judge_db_version").fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def connection(self, *, writing: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit) for this block (``writing``: a write's, whose failure to get one
        says that nothing was saved)."""
        if self.stopped:
            raise StorageError(self.stopped)
        try:
            with self._pool.connection() as connection:
                yield connection
        except PoolTimeout as e:
            said = f"could not save to {self.path}, nothing was saved: the server" if writing else (
                f"the database server {self.path}")  # fmt: skip
            raise StorageError(f"{said} did not answer in time: {_reason(e)}") from e
        except psycopg.OperationalError as e:
            raise StorageError(f"lost the database server {self.path}: {_reason(e)}") from e

    def cursor(self) -> Cursor:
        if self.stopped:
            raise StorageError(self.stopped)
        return PgCursor(self)

    @contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A cursor whose reads all see the database as it stood at one moment, while others write on."""
        with self.connection() as connection:
            try:
                with connection.transaction():
                    connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    yield PgCursor(self, connection)
            except psycopg.Error as e:
                raise StorageError(f"could not read {self.path}: {_reason(e)}") from e

    @contextmanager
    def transaction(self, *, quiet: bool = False, locked: bool = True) -> Iterator[Cursor]:
        """A cursor inside one transaction, holding the write lock: all of it is committed, or none of it.
        ``quiet``: bookkeeping no page caches a read of, which leaves the change counter as it is. ``locked=False``:
        without the write lock, for a write that checks no rule across rows (a worker's heartbeat must not wait
        for an import)."""
        with self.connection(writing=True) as connection:
            try:
                with connection.transaction():
                    if locked:
                        connection.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                    if not quiet:
                        connection.execute("UPDATE judge_db_version SET n = n + 1")
                    yield PgCursor(self, connection)
            except psycopg.Error as e:
                raise _write_error(self.path, e) from e

    def close(self) -> None:
        self.stopped = f"the connection to {self.path} was closed"
        self._close_pool()

    def _close_pool(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()


def _reason(error: BaseException) -> str:
    return str(error).strip().split("\n", 1)[0] or type(error).__name__


def _unreachable(path: str, error: BaseException, url: str) -> str:
    """Why a server could not be used, and what to do (a database not made yet is not a server not running),
    never with the password, which a driver's message may quote."""
    reason = hidden(_reason(error), url)
    if isinstance(error, pg_errors.InvalidCatalogName) or "does not exist" in reason:
        return (f"{path}: {reason} on that server. Make it first (createdb, or CREATE DATABASE in psql), or name "
                "one that exists.")  # fmt: skip
    if isinstance(error, pg_errors.InvalidPassword) or "authentication failed" in reason or "password" in reason:
        return f"{path}: the server refused the user: {reason}. Check the user and its password."
    if isinstance(error, psycopg.ProgrammingError):  # the URL itself could not be read
        return f"{path}: not a URL the driver can read: {reason}. A '%' in a password is written %25."
    return (f"cannot reach the database server {path}: {reason}. Is it running, and does the URL name its host, "
            "port, user and database?")  # fmt: skip


def _write_error(path: str, error: psycopg.Error) -> StorageError:
    """A driver error inside a transaction, as ours: a rule of the schema broken, or a failed write."""
    if isinstance(error, pg_errors.IntegrityError):
        return RefusedError(f"the database refused the change, nothing was saved: {_reason(error)}")
    return StorageError(f"could not save to {path}, nothing was saved: {_reason(error)}")


FUNCTIONS_MADE = hashlib.sha256(FUNCTIONS.encode()).hexdigest()[:16]
"""Which :data:`FUNCTIONS` a database has (kept in ``judge_prepared``): made again only when they changed."""


def prepare(connection: psycopg.Connection[Any]) -> None:
    """What the shared SQL needs on PostgreSQL beyond the migrations: DuckDB's functions it calls, and the
    change counter. Idempotent; run under the migration lock."""
    connection.execute(FUNCTIONS)
    connection.execute("CREATE TABLE IF NOT EXISTS judge_db_version (n BIGINT NOT NULL)")
    connection.execute("INSERT INTO judge_db_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM judge_db_version)")
    connection.execute("CREATE TABLE IF NOT EXISTS judge_prepared (functions VARCHAR NOT NULL)")
    connection.execute("DELETE FROM judge_prepared")
    connection.execute("INSERT INTO judge_prepared VALUES (%s)", [FUNCTIONS_MADE])


def current(connection: psycopg.Connection[Any], migrations: list[str]) -> bool:
    """The database has these migrations and this version's functions: nothing to change (asked read only)."""
    row = connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AND "
                             "to_regclass('judge_prepared') IS NOT NULL").fetchone()  # fmt: skip
    if not row or not row[0]:
        return False
    made = connection.execute("SELECT functions FROM judge_prepared").fetchall()
    done = {r[0] for r in connection.execute("SELECT name FROM schema_migrations").fetchall()}
    return made == [(FUNCTIONS_MADE,)] and set(migrations) <= done
