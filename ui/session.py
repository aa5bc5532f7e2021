"""Who is working (asked once per browser session) and on which dataset."""

from __future__ import annotations

import streamlit as st

from judge.config import Settings
from storage import Database
from storage import queries as q
from ui.text import inert

__all__ = ["annotator_name", "choose_dataset", "choose_run"]


def _sign_in(name: str, config: Settings) -> None:
    name = name.strip()
    if config.may_annotate(name):
        st.session_state.annotator = name
        st.query_params["annotator"] = name  # a refresh or a server restart keeps who is rating
    else:
        st.session_state.sign_in_error = f"{inert(name) or 'An empty name'} is not on the list of annotators."


def annotator_name(config: Settings) -> str | None:
    """The annotator of this browser session (or of its address, after a refresh); asks for it the first time."""
    if not st.session_state.get("annotator") and st.query_params.get("annotator"):
        _sign_in(st.query_params["annotator"], config)  # the allowlist applies to a name from the address too
        st.session_state.pop("sign_in_error", None)
    name = st.session_state.get("annotator")
    if name:
        with st.sidebar:
            st.markdown(f"Rating as **{inert(name)}**")
            if st.button("Not you? Switch", key="switch-annotator"):
                del st.session_state.annotator
                del st.query_params["annotator"]
                st.rerun()
        return str(name)
    with st.form("who"):
        st.markdown("**Who is rating?** Your name goes with each rating you make.")
        if config.annotators:
            choice = st.selectbox("Your name", config.annotators, index=None, placeholder="Pick your name")
        else:
            choice = st.text_input("Your name", placeholder="e.g. Ana")
        if st.form_submit_button("Start rating", type="primary"):
            _sign_in(choice or "", config)
            if "annotator" in st.session_state:
                st.rerun()
    if error := st.session_state.pop("sign_in_error", None):
        st.error(error)
    return None


def choose_dataset(db: Database) -> int | None:
    frame = q.datasets(db)
    if frame.empty:
        st.info("No pairs yet. Run `judge demo` or import pairs on the Import and export page (or `judge import pairs FILE`).")
        return None
    names = list(frame["name"])
    name = st.sidebar.selectbox("Dataset", names, key="dataset")
    return int(frame.loc[frame["name"] == name, "id"].iloc[0])


def choose_run(db: Database, key: str, column: object = st) -> int | None:
    """A judge run picked from every run, newest first; None (with a hint) when there are none."""
    from storage import runs as r

    runs = r.runs_frame(db)
    if runs.empty:
        st.info("No judge runs yet: start one on the Judge page, or import judgments.")
        return None
    labels = {int(i): f"{i} · {n}" for i, n in zip(runs["id"], runs["name"], strict=True)}
    return int(column.selectbox("Run", list(labels), format_func=labels.get, key=key))  # type: ignore[attr-defined]
