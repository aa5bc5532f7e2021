"""The import tests run on both backends: DuckDB and PostgreSQL (its COPY path)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import Database
from tests.conftest import BACKENDS, backend_database


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from backend_database(request)
