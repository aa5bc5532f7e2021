"""The one place that builds cached resources: settings and the database connection."""

from __future__ import annotations

import os

import streamlit as st

from judge.config import Settings
from storage import Database

__all__ = ["database", "settings"]


def _secrets() -> dict[str, str]:
    try:
        return {k: str(v) for k, v in st.secrets.items() if isinstance(v, (str, int, float))}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings() -> Settings:
    """Settings from Streamlit secrets, overridden by the environment."""
    return Settings.from_env({**_secrets(), **os.environ})


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The process's one connection (cursors are taken per call by the storage layer)."""
    return _open(settings().db_path)
