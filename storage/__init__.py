"""DuckDB storage: schema and migrations, the connection, and one module per family of tables (pairs,
ratings, labels, runs, results, cache, adjudications). Nothing else talks SQL."""

from storage.db import MEMORY, Database
from storage.errors import DatabaseBusyError, RefusedError, StorageError
from storage.schema import MIGRATIONS, migrate

__all__ = ["MEMORY", "MIGRATIONS", "Database", "DatabaseBusyError", "RefusedError", "StorageError", "migrate"]
