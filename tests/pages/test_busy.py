"""A second app on a database another process holds (a DuckDB file), or on a server that does not answer:
one sentence on the page, no traceback. On PostgreSQL, another process on the same database is the normal
case (see tests/test_team_server.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage import Database

PAGES = Path(__file__).parents[2] / "pages"
HOLD = "import sys; from storage import Database; db = Database(sys.argv[1]); print('holding', flush=True); input()"


def test_a_page_on_a_database_held_elsewhere_says_so_without_a_traceback(db_path: Path) -> None:
    if str(db_path).startswith("postgresql://"):
        pytest.skip("a PostgreSQL database is shared by design; the server that does not answer is the next test")
    Database(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        for page in ("annotate.py", "agreement.py"):
            at = AppTest.from_file(str(PAGES / page), default_timeout=30).run()
            assert not at.exception, at.exception
            assert any("cannot open its database" in e.value and "in use by another process" in e.value
                       for e in at.error), [e.value for e in at.error]  # fmt: skip
    finally:
        holder.communicate("\n", timeout=30)


def test_a_page_on_a_server_that_does_not_answer_says_so_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("JUDGE_DB", f"postgresql://judge:secret-word@127.0.0.1:{port}/judge")
    monkeypatch.setattr("storage.postgres.CONNECT_SECONDS", 1.0)
    for page in ("annotate.py", "agreement.py"):
        at = AppTest.from_file(str(PAGES / page), default_timeout=30).run()
        assert not at.exception, at.exception
        shown = [e.value for e in at.error]
        assert any("cannot reach the database server" in e and f"127.0.0.1:{port}/judge" in e for e in shown), shown
        assert not any("secret-word" in e for e in shown)  # the password is never shown
