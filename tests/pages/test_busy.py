"""A second app on a database another process holds (a DuckDB file), or on a server that does not answer:
one sentence on the page, no traceback. On PostgreSQL, another process on the same database is the normal
case (see tests/test_team_server.py)."""

from __future__ import annotations

import subprocess
import sys
import time
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
    new ones refused), on DuckDB its reads and writes fail. A score pressed meanwhile, with a note typed: the
    page says in a sentence that the database failed (no traceback), and once it answers again, Try again
    shows the same pair, says the score was not saved, and still holds the note; the same key then saves it."""
    from judge import annotation
    from judge.demo.store import store_demo
    from storage import StorageError
    from storage import ratings as rating_store
    from tests.conftest import _admin
    from tests.pages.conftest import opened

    server = str(db_path).startswith("postgresql://")
    monkeypatch.setattr("storage.postgres.CONNECT_SECONDS", 1.0)  # the pool waits this long for a connection
    monkeypatch.setenv("JUDGE_ANNOTATORS", "ana")
    db = opened(db_path)
    store_demo(db, count=6)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["annotator"] = "ana"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["annotator"] == "ana" and not at.error
    token, pair = at.session_state["token"], at.session_state["pair_id"]
    name = str(db_path).rsplit("/", 1)[1]

    def gone(*args: object, **kwargs: object) -> None:
        raise StorageError(f"could not read {db_path}: disk I/O error")

    with monkeypatch.context() as failing:
        if server:
            _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        else:
            for read in ("progress", "events_of"):
                failing.setattr(rating_store, read, gone)
            failing.setattr(annotation, "submit_rating", gone)
        try:
            at.text_input(key=f"note-{token}").input("the window is off by a day")
            at.button(key=f"score-4-{token}").click().run()  # the form sends the note with the score
            assert not at.exception, at.exception
            assert said_the_database_failed(at)
        finally:
            if server:
                _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    back = time.monotonic() + 30
    while True:  # "try again in a moment": the pool's next reconnect is a few seconds away at most
        try:
            rating_store.rating_count(db)
            break
        except StorageError:
            assert time.monotonic() < back, "the database did not answer again"
            time.sleep(0.5)
    at.button(key="database-failed-again").click().run()
    assert not at.exception, at.exception
    assert at.session_state["pair_id"] == pair and at.session_state["token"] == token  # the same pair
    assert any(e.value.startswith("Not saved:") for e in at.error), [e.value for e in at.error]
    assert at.text_input(key=f"note-{token}").value == "the window is off by a day"  # the note is still there
    assert rating_store.rating_count(db) == 0
    at.button(key=f"score-4-{token}").click().run()  # the same key, now that the database answers
    assert rating_store.rating_count(db) == 1
    assert rating_store.pair_ratings(db, pair)["note"].tolist() == ["the window is off by a day"]
    if server:  # the Judge page, whose runs table refreshes every 2 s, in a second outage
        _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        try:
            at.switch_page("pages/judge.py").run()
            assert not at.exception, at.exception
            assert said_the_database_failed(at)
        finally:
            _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")


def said_the_database_failed(at: AppTest) -> bool:
    return any("did not do what the page asked" in e.value and "was not saved unless the page said so" in e.value
               for e in at.error)  # fmt: skip
