"""Widgets of the Disagreements page: the list, the pair picked, the judge's side, the people's side, and
the adjudication form (no verdict chosen for anyone)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from judge import workspace
from judge.agreement.disagreements import next_unadjudicated
from judge.annotation import rubric_lines
from judge.config import Settings
from judge.dataset_rubric import run_criterion
from judge.errors import JudgeError
from storage import Database
from storage.kinds import Verdict
from ui.resources import read
from ui.session import admin_gate, sign_in_form
from ui.text import inert

__all__ = ["VERDICT_LABELS", "adjudication_form", "choose_pair", "disagreement_table", "show_people",
           "show_reasoning"]  # fmt: skip

VERDICT_LABELS: dict[Verdict, str] = {"judge_right": "The judge is right", "humans_right": "The people are right",
                  "both_acceptable": "Both are acceptable", "ambiguous": "The pair is ambiguous"}  # fmt: skip
KIND_LABELS = {"blind": "blind", "after_reveal": "after seeing the judge", "imported": "imported"}
_PICKED, _NEXT, _ROWS, _ROUND = "disagree_pair", "disagree_next", "disagree_rows", "disagree_round"


def _table_key() -> str:
    """The list's key, new whenever the pair below is opened another way than by its row (a save, key N, the
    picker): a row stays ticked only while its pair is the one open."""
    return f"{_ROWS}-{st.session_state.get(_ROUND, 0)}"


def _untick() -> None:
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1


def _open(pair_id: int | None) -> None:
    st.session_state[_NEXT] = pair_id
    _untick()


def _verdict_words(value: object) -> str:
    return "not yet" if pd.isna(value) else VERDICT_LABELS.get(str(value), str(value))  # type: ignore[call-overload]


def disagreement_table(found: pd.DataFrame) -> None:
    """The list, largest gap first, verdicts in words; clicking a row opens its pair below."""
    shown = pd.DataFrame({
        "pair": found["external_id"], "people": found["human"], "judge": found["judge"], "gap": found["gap"],
        "verdict": found["verdict"].map(_verdict_words), "by": found["adjudicator"].fillna(""),
        "dataset": found["dataset"], "generator": found["generator_model"],
    })  # fmt: skip

    key = _table_key()

    def opened() -> None:
        rows = st.session_state[key].selection.rows
        if rows:
            st.session_state[_NEXT] = int(found["pair_id"].iloc[rows[0]])

    waiting = int(found["verdict"].isna().sum())
    st.caption(f"{len(found)} pairs, {waiting} not adjudicated yet; largest gap first. Gap = judge - people "
               "(people's score of the pair as said above). Tick the box at the left of a row to open its pair.")  # fmt: skip
    st.dataframe(shown, hide_index=True, width="stretch", height=min(400, 35 * (len(found) + 1) + 3), key=key,
                 on_select=opened, selection_mode="single-row",
                 column_config={"verdict": st.column_config.TextColumn(width="medium"),
                                "people": st.column_config.NumberColumn(width="small"),
                                "judge": st.column_config.NumberColumn(width="small"),
                                "gap": st.column_config.NumberColumn(width="small", format="%+d")})  # fmt: skip


def choose_pair(found: pd.DataFrame, shown: str = "all") -> int | None:
    """The pair open below the list: picked in the list, by a click on a row, or the next one without a
    verdict (key N)."""
    state = st.session_state
    if flash := state.pop("adjudication_flash", None):
        st.success(flash)
    if found.empty:
        st.info("Every pair here has a verdict: show all pairs to read them again." if shown == "open" else
                "No pair matches: lower 'Differ by at least', or show all pairs.")  # fmt: skip
        return None
    ids = [int(p) for p in found["pair_id"]]
    wanted = state.pop(_NEXT, None)
    if wanted in ids:
        state[_PICKED] = wanted
    elif state.get(_PICKED) not in ids:
        state[_PICKED] = next_unadjudicated(found, None) or ids[0]
    labels = {int(p): f"{e} · gap {g:+d} · {_verdict_words(v)}" for p, e, g, v in
              zip(found["pair_id"], found["external_id"], found["gap"], found["verdict"], strict=True)}  # fmt: skip
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.selectbox("Pair", ids, key=_PICKED, format_func=lambda p: labels[p], on_change=_untick)
    following = next_unadjudicated(found, state[_PICKED])
    right.button("Next not adjudicated", key="next-open", shortcut="n", width="stretch",
                 disabled=following is None or following == state[_PICKED],
                 on_click=_open, args=(following,))  # fmt: skip
    return int(state[_PICKED])


def show_reasoning(samples: list[dict[str, Any]]) -> None:
    st.markdown("**The judge**")
    for item in samples:
        st.markdown(
            f"Score **{item['score']}**" if item["score"] is not None else f"Error: {inert(item['error'])}"
        )
        if item["reasoning"]:
            st.text(item["reasoning"])
        if item["evidence"]:
            with st.expander("Execution evidence"):
                st.json(json.loads(item["evidence"]), expanded=False)


def show_people(mine: pd.DataFrame, criterion: str = "") -> None:
    """Every rating of the pair on the run's ``criterion``, edits included: the score with what it means by the
    rubric (most people leave no note), the note, how the rating was given, and whether it counts."""
    mine = mine[mine["criterion"] == criterion]
    st.markdown("**The people** (every rating, edits included" + (f"; criterion {inert(criterion)})" if criterion
                                                                   else ")"))  # fmt: skip
    # the rubric of the pair's own dataset (the run's), never the one picked in the sidebar
    lines = read(rubric_lines, str(mine["dataset"].iloc[0] if len(mine) else st.session_state.get("dataset")),
                 criterion)  # fmt: skip
    st.dataframe(pd.DataFrame({
        "annotator": mine["annotator"],
        "score": [f"{s} · {lines[int(s)][0]}" if int(s) in lines else str(s) for s in mine["score"]],
        "note": mine["note"].fillna(""), "given": mine["kind"].map(KIND_LABELS).fillna(mine["kind"]),
        "counts": ["no, left out" if x else "yes" for x in mine["excluded"]], "at": mine["created_at"],
    }), hide_index=True, width="stretch",
        column_config={"score": st.column_config.TextColumn(width="medium"),
                       "note": st.column_config.TextColumn(width="large")})  # fmt: skip
    given = sorted({int(s) for s in mine["score"] if int(s) in lines})
    st.caption(" · ".join(f"{s} {lines[s][0]}: {lines[s][1]}" for s in given))  # what each score given means


def adjudication_form(db: Database, config: Settings, run_id: int, pair_id: int, found: pd.DataFrame) -> None:
    state = st.session_state
    current = read(workspace.adjudications, run_id)
    mine = current[current["pair_id"] == pair_id]
    if not mine.empty:
        row = mine.iloc[0]
        deserves = "" if pd.isna(row["score"]) else f"; the pair deserves {int(row['score'])}"
        st.info(f"Adjudicated: {VERDICT_LABELS[row['verdict']]}{deserves} - by {inert(row['adjudicator'])} at "
                f"{row['adjudicated_at']:%Y-%m-%d %H:%M}" + (f": {inert(row['note'])}" if row["note"] else ""))  # fmt: skip
    if not admin_gate(config, "adjudicate"):
        return
    who = state.get("annotator")
    if not who:  # no admin list: anyone may, but a verdict says who gave it
        sign_in_form(config, "Your name goes with each verdict you give.", "Who are you?", "Sign in")
        return
    of_pair = found.loc[found["pair_id"] == pair_id, "dataset"]
    lines = read(rubric_lines, str(of_pair.iloc[0] if len(of_pair) else st.session_state.get("dataset")),
                 read(run_criterion, run_id))  # fmt: skip
    with st.form(f"adjudicate-{run_id}-{pair_id}"):
        verdict: Verdict | None = st.radio("Verdict", list(VERDICT_LABELS), format_func=lambda v: VERDICT_LABELS[v],
                                       horizontal=True, index=None)  # fmt: skip
        scores: list[int] = sorted(lines)
        score: int | None = st.radio(
            "The score this pair deserves (optional: it makes the pair a gold pair, mixed into annotators' queues "
            "unmarked to measure their accuracy)", scores, index=None, horizontal=True,
            format_func=lambda s: f"{s} · {lines[s][0]}",
        )  # fmt: skip
        note = st.text_input("Note")
        if st.form_submit_button("Save verdict", type="primary"):
            if verdict is None:
                st.error("Pick a verdict first; nothing was saved.")
                return
            try:
                workspace.adjudicate(db, run_id, pair_id, verdict, note.strip() or None, who, score)
            except JudgeError as e:
                st.error(inert(e))
                return
            done = found.assign(verdict=found["verdict"].where(found["pair_id"] != pair_id, verdict))
            following = next_unadjudicated(done, pair_id)
            state["adjudication_flash"] = f"Saved: {VERDICT_LABELS[verdict]}." + (
                " Here is the next pair without a verdict."
                if following
                else " Every pair listed has a verdict."
            )
            if following is not None:
                state[_NEXT] = following
            _untick()
            st.rerun()
