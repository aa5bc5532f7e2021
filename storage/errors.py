"""Errors of the storage layer; DuckDB's own errors are translated at this boundary."""

from __future__ import annotations

from judge.errors import JudgeError

__all__ = ["DatabaseBusyError", "RefusedError", "StorageError"]


class StorageError(JudgeError):
    """The database could not be opened, read or written."""


class DatabaseBusyError(StorageError):
    """Another process holds the database file."""


class RefusedError(StorageError):
    """A change broke a rule of the schema (a value out of range, a duplicate key); nothing was saved."""
