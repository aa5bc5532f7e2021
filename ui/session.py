"""Who is working (asked once per browser session) and on which dataset."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from judge import workspace
from judge.config import Settings
from ui.resources import read
from ui.text import inert

__all__ = ["admin_gate", "choose_criterion", "choose_dataset", "link_to", "run_labels", "choose_run", "is_admin", "person_in_sidebar", "sign_in_form", "signed_in"]


def _sign_in(name: str, password: str | None, config: Settings) -> None:
    name = name.strip()
    if not config.may_sign_in(name):
        st.session_state.sign_in_error = f"{inert(name) or 'An empty name'} is not on the list of annotators."
        return
    checked = False
    if password and name in config.admins:
        checked = config.admin_password_matches(password)
        if not checked:
            st.session_state.sign_in_error = "That is not the admin password."
            return
    st.session_state.annotator, st.session_state.admin_password_checked = name, checked
    st.query_params["annotator"] = name  # a refresh or a server restart keeps who is rating (never admin rights)


def signed_in(config: Settings) -> str | None:
    """The person of this browser session (or of its address, after a refresh); None when nobody has signed
    in yet. Every page that needs to know who is working asks here."""
    if not st.session_state.get("annotator") and st.query_params.get("annotator"):
        _sign_in(st.query_params["annotator"], None, config)  # the allowlist applies to a name from the address too
        st.session_state.pop("sign_in_error", None)
    name = st.session_state.get("annotator")
    return str(name) if name else None


def person_in_sidebar(config: Settings) -> None:
    """Who is signed in, and a way to switch: drawn once, by app.py, for every page."""
    name = signed_in(config)
    if name is None:
        return
    with st.sidebar:
        st.markdown(f"Signed in as **{inert(name)}**" + (" (admin)" if config.admins and is_admin(config) else ""))
        if st.button("Not you? Switch", key="switch-annotator"):
            for key in ("annotator", "admin_password_checked"):
                st.session_state.pop(key, None)
            st.query_params.pop("annotator", None)
            st.rerun()


def is_admin(config: Settings) -> bool:
    """May the person of this session start runs, import and adjudicate (anyone, when no admin list is set)."""
    name = st.session_state.get("annotator")
    return config.may_administer(name, bool(st.session_state.get("admin_password_checked")))


def admin_gate(config: Settings, what: str) -> bool:
    """Whether this session may ``what`` (start runs, import, adjudicate); if not, says why and, when nobody
    has signed in, offers to sign in right here. The page has called :func:`signed_in` already."""
    who = st.session_state.get("annotator")
    if is_admin(config):
        return True
    if who is None:
        sign_in_form(config, f"Only the admins listed in JUDGE_ADMINS can {what}.", "Who are you?", "Sign in")
    elif who in config.admins:
        st.warning(f"Only admins can {what}: sign in again with the admin password (Not you? Switch).")
    else:
        st.warning(f"Only the admins listed in JUDGE_ADMINS can {what}; {inert(who)} is not one of them.")
    return False


def sign_in_form(
    config: Settings,
    why: str = "Your name goes with each rating you make.",
    question: str = "Who is rating?",
    button: str = "Start rating",
) -> None:
    """Ask who is working, once per browser session; admins give the admin password when one is set."""
    with st.form("who"):
        st.markdown(f"**{question}** {why}")
        names = [*config.annotators, *(a for a in config.admins if a not in config.annotators)]
        if config.annotators:
            choice = st.selectbox("Your name", names, index=None, placeholder="Pick your name")
        else:
            choice = st.text_input("Your name", placeholder="e.g. Ana")
        password = None
        if config.admins and config.admin_password:
            password = st.text_input("Admin password (admins only)", type="password")
        if st.form_submit_button(button, type="primary"):
            _sign_in(choice or "", password, config)
            if "annotator" in st.session_state:
                st.rerun()
    if error := st.session_state.pop("sign_in_error", None):
        st.error(error)


def _sticky(key: str, options: list[str], address: str) -> None:
    """Before the select ``key`` is drawn: its value as the person left it, even on another page (Streamlit
    draws a page's widgets afresh, at their first option). The address (``?dataset=``) wins when something
    other than this page wrote it: a link followed, an address typed, a new session."""
    wanted = st.query_params.get(address)
    kept = st.session_state.get(f"{key}-kept")
    if wanted in options and wanted != st.session_state.get(f"{key}-written"):
        kept = wanted
    elif kept not in options:
        kept = options[0]
    st.session_state[f"{key}-kept"] = kept
    st.session_state[key] = kept  # even when it holds it: a widget new to this page takes it only so


def _kept(key: str) -> None:
    """The person changed the select ``key``: keep the new value (called before the page runs again)."""
    st.session_state[f"{key}-kept"] = st.session_state.get(key)


def _written(key: str, address: str, value: str) -> None:
    st.session_state[f"{key}-kept"] = value
    st.session_state[f"{key}-written"] = value
    st.query_params[address] = value


def link_to(page: str, label: str, **query: str) -> None:
    """A link to another page of the app, kept in this session (a page run on its own, as in a test, has no
    other pages to link to: no link then)."""
    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(page, label=label, icon=":material/arrow_forward:", query_params=query or None)


def choose_dataset(acting: str | None = None) -> int | None:
    """The dataset picked in the sidebar, kept in the address (``?dataset=``) so that a reload or a shared
    link stays on it; ``acting``: a line on the page saying what acts on it (e.g. "Runs start on")."""
    frame = read(workspace.datasets)
    if frame.empty:
        st.info("No pairs yet. Run `judge demo` or import pairs on the Import and export page (or `judge import pairs FILE`).")
        return None
    names = list(frame["name"])
    _sticky("dataset", names, "dataset")
    name = st.sidebar.selectbox("Dataset", names, key="dataset", on_change=_kept, args=("dataset",))
    _written("dataset", "dataset", name)
    if acting:
        st.markdown(f"{acting} dataset **{inert(name)}** (pick another in the sidebar).")
    return int(frame.loc[frame["name"] == name, "id"].iloc[0])


def choose_criterion(dataset: str, key: str) -> str:
    """The criterion a page's figures are of: '' on a dataset that names none (nothing drawn), else one picked
    from the dataset's criteria (kept per dataset for the session)."""
    named = read(workspace.criteria, dataset)
    if named == [""]:
        st.query_params.pop("criterion", None)
        return ""
    state = f"{key}-{dataset}"
    _sticky(state, named, "criterion")
    chosen = str(st.selectbox("Criterion", named, key=state, on_change=_kept, args=(state,),
                              help="This dataset is rated on several criteria; every figure here is of one."))  # fmt: skip
    _written(state, "criterion", chosen)
    return chosen


def run_labels(runs: pd.DataFrame) -> dict[int, str]:
    """Run id -> "12 · name", with the criterion it scored where the name does not say it."""
    return {int(i): f"{i} · {n}" + (f" · {c}" if isinstance(c, str) and c and c not in str(n) else "")
            for i, n, c in zip(runs["id"], runs["name"], runs["criterion"], strict=True)}  # fmt: skip


def choose_run(key: str, column: object = st) -> int | None:
    """A judge run picked from every run, newest first; None (with a hint) when there are none."""

    runs = read(workspace.runs)
    if runs.empty:
        st.info("No judge runs yet: start one on the Judge page, or import judgments.")
        return None
    labels = run_labels(runs)
    return int(column.selectbox("Run", list(labels), format_func=labels.get, key=key))  # type: ignore[attr-defined]
