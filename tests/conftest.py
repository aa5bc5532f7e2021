"""Shared fixtures: a real DuckDB (in memory or in a temp dir) or a real PostgreSQL database, small named
datasets."""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from judge.demo.store import store_demo
from storage import Database
from storage import pairs as pair_store

# CI must not depend on luck: there the property tests replay one fixed search (derandomized, no
# example database); in development they search afresh each run. Every counterexample found is kept as
# an explicit @example beside its test.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


POSTGRES = os.environ.get("JUDGE_TEST_POSTGRES", "")
"""A PostgreSQL server whose user may create databases (``postgresql://judge@127.0.0.1:54329/``): each test
on the PostgreSQL backend gets a database of its own. ``./dev test`` starts a throwaway one and sets this."""
BACKENDS = ["duckdb", "postgresql"]
_made = itertools.count()


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(sql)


def _template() -> str:
    """A database with every migration applied, made once per test process: new ones are copies of it."""
    name = f"judge_template_{os.getpid()}"
    if not getattr(_template, "made", False):
        _admin(f"DROP DATABASE IF EXISTS {name}")
        _admin(f"CREATE DATABASE {name}")
        Database(POSTGRES + name).close()
        _template.made = True  # type: ignore[attr-defined]
    return name


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, migrated, empty PostgreSQL database, dropped after the test."""
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("JUDGE_TEST_POSTGRES is not set: CI runs every backend test on PostgreSQL too")
        pytest.skip("no PostgreSQL server for the tests: run ./dev test, or set JUDGE_TEST_POSTGRES")
    name = f"judge_test_{os.getpid()}_{next(_made)}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {_template()}")
    yield POSTGRES + name
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def backend_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database on the backend the test is parametrised with."""
    if request.param == "postgresql":
        database = Database(request.getfixturevalue("postgres_url"))
    else:
        database = Database()
    yield database
    database.close()


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database()
    yield database
    database.close()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "judge.duckdb"


@pytest.fixture
def demo_db(db: Database) -> Database:
    store_demo(db, count=24)
    return db


def text_pair(external_id: str, truth: str = "a", generated: str = "b") -> pair_store.NewPair:
    return pair_store.NewPair(
        external_id, "text", None, truth, generated, None, {}, f"hash-{external_id}-{truth}-{generated}"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="also run tests that call the real provider APIs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="calls a real provider API: run with --live and a key set")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


def csv_file(path: Path, rows: list[dict[str, object]]) -> Path:
    """A CSV file of ``rows`` (the first row's keys are the header)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
