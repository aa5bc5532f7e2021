"""Widgets of the Disagreements page: the judge's side, the people's side, the adjudication form."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from judge.config import Settings
from storage import Database
from storage import runs as r
from ui.session import admin_gate, sign_in_form
from ui.text import inert

__all__ = ["adjudication_form", "show_people", "show_reasoning"]

VERDICT_LABELS = {"judge_right": "The judge is right", "humans_right": "The people are right",
                  "both_acceptable": "Both are acceptable", "ambiguous": "The pair is ambiguous"}  # fmt: skip


def show_reasoning(samples: list[dict[str, Any]]) -> None:
    st.markdown("**The judge**")
    for item in samples:
        st.markdown(f"Score **{item['score']}**" if item["score"] is not None else f"Error: {inert(item['error'])}")
        if item["reasoning"]:
            st.text(item["reasoning"])
        if item["evidence"]:
            with st.expander("Execution evidence"):
                st.json(json.loads(item["evidence"]), expanded=False)


def show_people(events: pd.DataFrame, pair_id: int) -> None:
    st.markdown("**The people** (every rating, edits included)")
    mine = events[events["pair_id"] == pair_id][["annotator", "score", "note", "created_at"]]
    st.dataframe(mine, hide_index=True, width="stretch")


def adjudication_form(db: Database, config: Settings, run_id: int, pair_id: int) -> None:
    current = r.adjudications_frame(db, run_id)
    mine = current[current["pair_id"] == pair_id]
    if not mine.empty:
        row = mine.iloc[0]
        st.info(f"Adjudicated: {VERDICT_LABELS[row['verdict']]} - by {inert(row['adjudicator'])} at "
                f"{row['adjudicated_at']:%Y-%m-%d %H:%M}" + (f": {inert(row['note'])}" if row["note"] else ""))  # fmt: skip
    if not admin_gate(config, "adjudicate"):
        return
    who = st.session_state.get("annotator")
    if not who:  # no admin list: anyone may, but a verdict says who gave it
        sign_in_form(config, "Your name goes with each verdict you give.", "Who are you?", "Sign in")
        return
    with st.form(f"adjudicate-{run_id}-{pair_id}"):
        verdict = st.radio("Verdict", list(VERDICT_LABELS), format_func=VERDICT_LABELS.get, horizontal=True)
        note = st.text_input("Note")
        if st.form_submit_button("Save verdict", type="primary"):
            r.add_adjudication(db, run_id, pair_id, str(verdict), note.strip() or None, who)
            st.rerun()
