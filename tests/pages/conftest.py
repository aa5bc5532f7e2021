"""Page tests: a database the app's settings point at (a DuckDB file, or a PostgreSQL database: every page
test runs on both backends), and no team settings leaking in from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import BACKENDS

CLEARED = ("JUDGE_ANNOTATORS", "JUDGE_ADMINS", "JUDGE_HEADLINE_METRIC", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")


@pytest.fixture(params=BACKENDS)
def db_path(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where the app's database is: a file, or (on PostgreSQL) a server URL, typed as a path all the same."""
    server = request.param == "postgresql"
    path = request.getfixturevalue("postgres_url") if server else tmp_path / "app.duckdb"
    monkeypatch.setenv("JUDGE_DB", str(path))
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    yield path  # type: ignore[misc]
    if server:  # the app's worker and pool, on a database about to be dropped
        from judge.queue import stop_workers
        from ui.resources import _jobs, _open

        db = _open(str(path))
        stop_workers(db)
        db.close()
        _open.clear()
        _jobs.clear()


def opened(path: Path) -> Database:
    """The connection the app itself holds for ``path`` (one per process)."""
    from ui.resources import _open

    return _open(str(path))
