"""Errors of the storage layer; DuckDB's own errors are translated at this boundary."""

from __future__ import annotations

from judge.errors import JudgeError

__all__ = ["DatabaseBusyError", "StorageError"]


class StorageError(JudgeError):
    """The database could not be opened, read or written."""


class DatabaseBusyError(StorageError):
    """Another process holds the database file."""
