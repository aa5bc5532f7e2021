"""The one place that builds cached resources (settings, the database connection, background runs) and
caches reads.

A cached read is keyed on the database's version, the count of commits this process made through its one
connection: any write makes every read fresh, and nothing is read twice between writes. The writer is always
this process (DuckDB lets one process write the file). Cached values are copies; writes are never cached.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from judge.config import Settings
from judge.errors import JudgeError
from judge.jobs import Jobs
from judge.queue import QueuedJobs
from storage import Database, StorageError
from storage.dialect import is_postgres
from ui.serve import LEGACY_PAGES_FLAG
from ui.text import inert

__all__ = ["database", "database_failed", "jobs", "keys", "read", "refill_typed_fields", "settings", "start_app_worker",
           "steady"]

P = ParamSpec("P")
T = TypeVar("T")
READ_TTL = 600  # seconds a read stays cached at most, also without a write
READ_ENTRIES = 256
TYPED = "_typed_before_the_database_failed"


def _secrets() -> dict[str, str]:
    try:
        return {k: str(v) for k, v in st.secrets.items() if isinstance(v, (str, int, float))}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings() -> Settings:
    """Settings from Streamlit secrets, overridden by the environment; a bad one stops the page with a
    sentence saying which setting and what it must be."""
    try:
        return Settings.from_env(keys())
    except JudgeError as e:
        st.error(f"The app's settings are not valid: {inert(e)}. Fix it in the environment or in Streamlit "
                 "secrets and restart the app.")  # fmt: skip
        st.stop()


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The process's one connection (cursors are taken per call by the storage layer)."""
    _through_app()
    path = settings().db_path
    try:
        db = _open(path)
    except StorageError as e:  # another app holds the file, or it cannot be opened: a sentence, no traceback
        st.error(f"The app cannot open its database: {inert(e)}", icon=":material/database:")
        st.stop()
    if db.unclean_shutdown and not st.session_state.get("told_unclean_shutdown"):
        st.session_state.told_unclean_shutdown = True
        st.toast("The app was not shut down cleanly last time. Every rating it acknowledged had already been "
                 "written to the database file.", icon=":material/warning:")  # fmt: skip
    return db


def database_failed(error: StorageError) -> None:
    """A read or write of the open database failed (its server restarted or went away, its disk is full): a
    sentence in place of the page, no traceback. Every rating the page said was saved is stored; what was done
    just now without that word was not, and is done again once the database answers."""
    st.error(f"The database did not do what the page asked: {inert(error)}\n\n"
             "Every rating the page said was saved is stored; whatever you did just now was not saved unless the "
             "page said so. Try again in a moment.", icon=":material/database:")  # fmt: skip
    st.button("Try again", icon=":material/refresh:", key="database-failed-again")
    # The page ends here: the fields it did not draw go back to their defaults, on the server as in the browser
    # (a choice the page no longer shows is never the one a run starts with). What was typed (a note) is kept
    # aside and written back into its field on the next run.
    st.session_state[TYPED] = {k: v for k, v in st.session_state.items() if isinstance(v, str) and k != TYPED}


def refill_typed_fields() -> None:
    """After a page the database failed: the text typed in its fields (a note), set again through the session
    state, which sends it back to the browser's fields. Called first thing, before any field is drawn."""
    typed = st.session_state.pop(TYPED, None) or {}
    for key, value in typed.items():
        if st.session_state.get(key, value) == value:  # gone with its field, or as it was: not changed since
            st.session_state[key] = value


def steady(part: Callable[P, None]) -> Callable[P, None]:
    """``part`` (a fragment that rereads the database every few seconds) saying in a sentence, not a
    traceback, when the database fails it; it tries again at its next refresh."""

    @functools.wraps(part)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            part(*args, **kwargs)
        except StorageError as e:
            st.warning(f"Not up to date: the database did not answer ({inert(e)}). Trying again.",
                       icon=":material/database:")  # fmt: skip

    return run


def _through_app() -> None:
    """Run every page through app.py's navigation, also on a server started with ``streamlit run`` rather
    than ``python -m ui.serve`` (which leaves Streamlit's legacy pages/ mode before any session starts;
    see there): here the first run of a session on a fresh server leaves it, and reruns through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, LEGACY_PAGES_FLAG, None):
        setattr(PagesManager, LEGACY_PAGES_FLAG, False)
        st.rerun()


def keys() -> dict[str, str]:
    """Provider API keys and other secrets: Streamlit secrets, overridden by the environment. Never shown."""
    return {**_secrets(), **os.environ}


@st.cache_resource(show_spinner=False)
def _jobs(path: str) -> Jobs | QueuedJobs:
    db, team = _open(path), settings()
    if db.backend == "postgresql":  # runs are jobs in the database, worked by any worker (this process's too)
        return QueuedJobs(db, keys(), in_app=team.app_worker, batch_poll_seconds=team.batch_poll_seconds)
    return Jobs(db, team.batch_poll_seconds)


def jobs() -> Jobs | QueuedJobs:
    """The judge runs of this app: threads of this server process (DuckDB), or the team server's queue."""
    database()  # a database that cannot be opened stops the page with a sentence
    return _jobs(settings().db_path)


def start_app_worker() -> None:
    """On a team server whose app servers work runs too, this one starts its worker with the first page anyone
    opens, so a run queued before a restart goes on without waiting for a visit to the Judge page."""
    team = settings()
    if is_postgres(team.db_path) and team.app_worker:
        jobs()


def read(fn: Callable[Concatenate[Database, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(db, *args, **kwargs)`` from the cache while nothing was written since; ``fn`` is a library read
    defined at the top of its module, its arguments plain values."""
    db = database()
    return _read(fn.__module__, fn.__qualname__, settings().db_path, db.version, args,  # type: ignore[no-any-return]
                 tuple(sorted(kwargs.items())))


@st.cache_data(ttl=READ_TTL, max_entries=READ_ENTRIES, show_spinner=False)
def _read(module: str, name: str, path: str, version: int, args: tuple[Any, ...],
          kwargs: tuple[tuple[str, Any], ...]) -> Any:  # fmt: skip
    fn = getattr(importlib.import_module(module), name)
    return fn(_open(path), *args, **dict(kwargs))
