"""The database: the one connection of this process to a DuckDB file (the embedded default), or a pool of
connections to a PostgreSQL team server (``postgresql://...``, in :mod:`storage.postgres`); a cursor per call
and thread."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, Self

import duckdb

from storage.dialect import is_postgres, unknown_scheme
from storage.errors import DatabaseBusyError, RefusedError, StorageError
from storage.schema import migrate

__all__ = ["MEMORY", "Cursor", "Database"]

MEMORY = ":memory:"


class Cursor(Protocol):
    """What storage code does with a cursor, on either backend (a DuckDB cursor is one as it is)."""

    @property
    def description(self) -> Any: ...

    def execute(self, query: str, parameters: Any = None, /) -> Self: ...

    def executemany(self, query: str, parameters: Any = None, /) -> Self: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def fetchmany(self, size: int = 1, /) -> list[tuple[Any, ...]]: ...

    def df(self) -> Any: ...

    def register(self, view_name: str, python_object: object, /) -> Self: ...

    def unregister(self, view_name: str, /) -> Self: ...

    def close(self) -> None: ...


class Database:
    """Owns the connection; writes go through :meth:`transaction`, one at a time.

    ``Database(path)`` opens a DuckDB file (or memory); ``Database("postgresql://...")`` a PostgreSQL server
    (:class:`storage.postgres.PostgresDatabase`). Both run the same migrations and the same SQL.

    DuckDB lets one process write a file. Within that process, writes are
    serialised by a lock so that check-then-insert steps (a first rating, an
    import) are atomic; reads take their own cursor and run alongside.
    """

    backend = "duckdb"
    path: str  # what messages may show (a server's URL without its password)
    stopped: str | None
    unclean_shutdown: int

    def __new__(cls, path: str | Path = MEMORY) -> Database:
        if cls is Database and is_postgres(str(path)):
            from storage.postgres import PostgresDatabase

            return super().__new__(PostgresDatabase)
        return super().__new__(cls)

    @property
    def version(self) -> int:
        """Changes committed so far: a read cached under one version is fresh while it stays the same."""
        return self._version

    def __init__(self, path: str | Path = MEMORY) -> None:
        if refused := unknown_scheme(str(path)):
            raise StorageError(refused)
        self.path = str(path)
        self.stopped: str | None = None  # why the database takes no more reads or writes, after a fatal error
        self.unclean_shutdown = 0  # bytes of write-ahead log found at opening: the last process did not close
        self._version = 0  # commits made through this object: reads cached under it are never stale, since
        # DuckDB lets one process write the file and that process writes through its one Database
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            wal = Path(self.path + ".wal")
            self.unclean_shutdown = wal.stat().st_size if wal.exists() else 0
        try:
            self._connection = duckdb.connect(self.path)
            # Every commit is checkpointed into the database file before it returns, so what was
            # acknowledged never lives only in the write-ahead log: DuckDB replays a damaged log only up to
            # the damage, without a word, which would otherwise lose acknowledged ratings silently.
            self._connection.execute("SET wal_autocheckpoint = '1B'")
        except duckdb.IOException as e:
            raise _open_error(self.path, e) from e
        except duckdb.Error as e:
            raise StorageError(f"cannot open the database {self.path}: {e}") from e
        self._write_lock = threading.RLock()
        with self._write_lock:
            try:
                migrate(self._connection)
            except duckdb.Error as e:  # each migration is one transaction: the file is as it was before it
                self._connection.close()
                reason = str(e).split("\n", 1)[0]
                raise StorageError(f"cannot bring the database {self.path} up to date, so it was left as it was "
                                   f"(the app and the command line cannot use it until it is fixed): {reason}") from e

    def cursor(self) -> Cursor:
        """A new cursor: use one per call, never share it between threads."""
        if self.stopped:
            raise StorageError(self.stopped)
        return self._connection.cursor()

    @contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A cursor whose reads all see the database as it stood at one moment, while others write on."""
        cursor = self.cursor()
        try:
            cursor.execute("BEGIN TRANSACTION")
            yield cursor
        finally:
            with suppress(duckdb.Error):
                cursor.execute("ROLLBACK")
            cursor.close()

    @contextmanager
    def transaction(self, *, quiet: bool = False, locked: bool = True) -> Iterator[Cursor]:
        """A cursor inside one transaction: all of it is committed, or none of it. ``quiet``: bookkeeping no
        page caches a read of (a worker's heartbeat), so the reads cached stay fresh. ``locked=False``: a write
        that needs no rule checked across rows (a heartbeat), which on a team server then does not wait for the
        write lock (on DuckDB every write takes it: one process writes)."""
        with self._write_lock:
            cursor = self.cursor()
            try:
                cursor.execute("BEGIN TRANSACTION")
                try:
                    yield cursor
                except BaseException as e:
                    with suppress(duckdb.Error):
                        cursor.execute("ROLLBACK")
                    if isinstance(e, duckdb.Error) and not isinstance(e, duckdb.FatalException):
                        raise _write_error(self.path, e) from e
                    raise
                try:
                    cursor.execute("COMMIT")
                except duckdb.FatalException:
                    raise
                except duckdb.Error as e:
                    raise StorageError(f"could not save to {self.path}: {e}") from e
                if not quiet:
                    self._version += 1
            except duckdb.FatalException as e:
                # DuckDB refuses all further use after a failed write (a full disk, a damaged file)
                self.stopped = (f"could not save to {self.path}: {e}. Nothing more can be saved until the app is "
                                "restarted (free some disk space first); everything saved before is kept.")  # fmt: skip
                raise StorageError(self.stopped) from e
            finally:
                cursor.close()

    def close(self) -> None:
        self._connection.close()


def _write_error(path: str, error: duckdb.Error) -> StorageError:
    """A driver error inside a transaction, as ours: a rule of the schema broken, or a failed write."""
    reason = str(error).split("\n", 1)[0]
    if isinstance(error, duckdb.ConstraintException):
        return RefusedError(f"the database refused the change, nothing was saved: {reason}")
    return StorageError(f"could not save to {path}, nothing was saved: {reason}")


def _open_error(path: str, error: duckdb.IOException) -> StorageError:
    message = str(error)
    if "lock" in message.lower():
        holder = re.search(r"PID (\d+)", message)
        who = f" (process {holder.group(1)})" if holder else ""
        return DatabaseBusyError(
            f"the database {path} is in use by another process{who}, such as the running app. "
            "Stop it first, or use the app to do this."
        )
    return StorageError(f"cannot open the database {path}: {message}")
