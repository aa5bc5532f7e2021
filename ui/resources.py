"""The one place that builds cached resources: settings and the database connection."""

from __future__ import annotations

import os

import streamlit as st

from judge.config import Settings
from judge.errors import JudgeError
from judge.jobs import Jobs
from storage import Database, StorageError
from ui.text import inert

__all__ = ["database", "jobs", "keys", "settings"]


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


def _through_app() -> None:
    """Run every page through app.py's navigation, even when opened by its URL on a fresh server.

    Until app.py has called ``st.navigation`` once, Streamlit treats a ``pages/`` folder the
    legacy way and runs a page opened by URL without app.py (no page config, the file names
    as a second menu). Every page asks for the database first, so here is where to leave that
    mode and rerun through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def keys() -> dict[str, str]:
    """Provider API keys and other secrets: Streamlit secrets, overridden by the environment. Never shown."""
    return {**_secrets(), **os.environ}


@st.cache_resource(show_spinner=False)
def _jobs(path: str) -> Jobs:
    return Jobs(_open(path))


def jobs() -> Jobs:
    """The background judge runs of this server process."""
    return _jobs(settings().db_path)
