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
APP = PAGES.parent / "app.py"
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


def test_a_database_that_fails_while_pages_are_open_says_so_without_a_traceback(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app holds its database open and then it fails: on PostgreSQL the server goes away (connections cut,
    new ones refused), on DuckDB a read fails. Every page says so in a sentence; once the database answers
    again the page works with nothing lost."""
    from judge.demo.store import store_demo
    from storage import StorageError
    from storage import ratings as rating_store
    from tests.conftest import _admin
    from tests.pages.conftest import opened

    server = str(db_path).startswith("postgresql://")
    monkeypatch.setattr("storage.postgres.CONNECT_SECONDS", 1.0)  # the pool waits this long for a connection
    monkeypatch.setenv("JUDGE_ANNOTATORS", "ana")
    store_demo(opened(db_path), count=6)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["annotator"] = "ana"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["annotator"] == "ana" and not at.error
    name = str(db_path).rsplit("/", 1)[1]
    if server:
        _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    else:
        def gone(*args: object, **kwargs: object) -> None:
            raise StorageError(f"could not read {db_path}: disk I/O error")

        monkeypatch.setattr(rating_store, "progress", gone)
        monkeypatch.setattr(rating_store, "events_of", gone)
    try:
        for page in ("pages/annotate.py", "pages/judge.py") if server else ("pages/annotate.py",):
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            shown = [e.value for e in at.error]
            assert any("did not do what the page asked" in e and "was not saved unless the page said so" in e
                       for e in shown), (page, shown)  # fmt: skip
    finally:
        if server:
            _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        else:
            monkeypatch.undo()
    at.switch_page("pages/annotate.py").run()
    assert not at.exception, at.exception
    assert not any("did not do what the page asked" in e.value for e in at.error)
