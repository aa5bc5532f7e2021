"""Disagreements: where judge and people differ most, with everything that explains each side; adjudicate."""

import streamlit as st

from judge import workspace
from judge.agreement.disagreements import disagreements
from judge.data.files import safe_csv
from judge.dataset_rubric import run_criterion, run_scale
from ui.agreement_views import human_side
from ui.disagreement_views import (
    adjudication_form,
    choose_pair,
    disagreement_table,
    show_people,
    show_reasoning,
)
from ui.pair_view import show_pair, show_request
from ui.resources import database, read, settings
from ui.session import choose_run, sign_in_form, signed_in
from ui.text import inert

db, config = database(), settings()
st.title("Disagreements")
who = signed_in(config)
if who is None:  # judge scores are shown here: whoever looks is known, so their later ratings are not "blind"
    sign_in_form(config, "Judge scores are shown here, so ratings you make after seeing them are marked as "
                 "such.", "Who is looking?", "Sign in")  # fmt: skip
    st.stop()
top = st.columns([2, 2, 3, 3])
run_id = choose_run("disagree_run", top[0])
if run_id is None:
    st.stop()
scale = read(run_scale, run_id)
if scale.k > 2:
    gap = top[1].slider("Differ by at least", 1, scale.k - 1, min(2, scale.k - 1), key="gap")
else:  # on a binary scale every disagreement is one point
    gap = 1
    top[1].caption(f"Binary scale ({inert(scale.describe())}): every pair where judge and people differ.")
direction = top[2].radio("Direction", ["any", "judge_higher", "judge_lower"], horizontal=True, key="direction",
                         format_func={"any": "Any", "judge_higher": "Judge higher", "judge_lower": "Judge lower"}.get)  # fmt: skip
shown = top[3].radio("Show", ["all", "open", "done"], horizontal=True, key="adjudicated",
                     format_func={"all": "All", "open": "Not adjudicated", "done": "Adjudicated"}.get)  # fmt: skip
found = read(disagreements, run_id, gap, direction)  # type: ignore[arg-type]
if shown != "all":
    found = found[found["verdict"].isna() == (shown == "open")].reset_index(drop=True)
for column, name in (("dataset", "Dataset"), ("generator_model", "Generator model")):
    values = sorted(v for v in found[column].dropna().unique())
    if len(values) > 1:
        picked = st.multiselect(name, values, key=f"filter-{column}")
        found = found[found[column].isin(picked)].reset_index(drop=True) if picked else found

st.caption(read(human_side, str(found["dataset"].iloc[0])) if len(found) else "")
workspace.reveal(db, who, list(found["pair_id"]))  # the list shows each pair's judge score
disagreement_table(found)
st.download_button("Export the list as CSV", lambda: safe_csv(found), file_name=f"disagreements-run-{run_id}.csv",
                   mime="text/csv")  # fmt: skip  # built when clicked, not on every rerun
pair_id = choose_pair(found, shown)
if pair_id is None:
    st.stop()
pair = read(workspace.pair, pair_id)
show_request(pair)
show_pair(pair)
left, right = st.columns(2)
with left:
    show_reasoning(read(workspace.judgment_detail, run_id, pair_id))
with right:
    show_people(read(workspace.pair_ratings, pair_id), read(run_criterion, run_id))
adjudication_form(db, config, run_id, pair_id, found)
