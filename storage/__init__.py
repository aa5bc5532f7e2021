"""DuckDB storage: schema and migrations, the connection, and every query. Nothing else talks SQL."""

from storage.db import MEMORY, Database
from storage.errors import DatabaseBusyError, StorageError
from storage.schema import MIGRATIONS, migrate

__all__ = ["MEMORY", "MIGRATIONS", "Database", "DatabaseBusyError", "StorageError", "migrate"]
