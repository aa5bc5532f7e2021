"""Page tests: a database file the app's settings point at, and no team settings leaking in from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Database

CLEARED = ("JUDGE_ANNOTATORS", "JUDGE_ADMINS", "JUDGE_HEADLINE_METRIC", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("JUDGE_DB", str(path))
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    return path


def opened(path: Path) -> Database:
    """The connection the app itself holds for ``path`` (one per process)."""
    from ui.resources import _open

    return _open(str(path))
