"""Shared fixtures: a real DuckDB (in memory or in a temp dir), small named datasets."""

from __future__ import annotations

import csv
import os
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


@pytest.fixture
def db() -> Database:
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
