"""Disagreements: where judge and people differ most, with everything that explains each side; adjudicate."""

import streamlit as st

from judge.agreement.disagreements import disagreements
from judge.data.files import safe_csv
from storage import queries as q
from storage import runs as r
from ui.disagreement_views import adjudication_form, show_people, show_reasoning
from ui.pair_view import show_pair, show_request
from ui.resources import database, settings
from ui.session import choose_run, signed_in

db, config = database(), settings()
st.title("Disagreements")
signed_in(config)
left, middle, right = st.columns(3)
run_id = choose_run(db, "disagree_run", left)
if run_id is None:
    st.stop()
gap = middle.slider("Differ by at least", 1, 4, 2, key="gap")
direction = right.radio("Direction", ["any", "judge_higher", "judge_lower"], horizontal=True, key="direction",
                        format_func={"any": "Any", "judge_higher": "Judge higher", "judge_lower": "Judge lower"}.get)  # fmt: skip
found = disagreements(db, run_id, gap, direction)  # type: ignore[arg-type]
for column, name in (("dataset", "Dataset"), ("generator_model", "Generator model")):
    values = sorted(v for v in found[column].dropna().unique())
    if len(values) > 1:
        picked = st.multiselect(name, values, key=f"filter-{column}")
        found = found[found[column].isin(picked)] if picked else found

st.caption(f"{len(found)} pairs; largest gap first. Gap = judge - people (median of current ratings).")
st.dataframe(found, hide_index=True, width="stretch", height=min(400, 35 * (len(found) + 1) + 3))
st.download_button("Export the list as CSV", safe_csv(found), file_name=f"disagreements-run-{run_id}.csv",
                   mime="text/csv")  # fmt: skip
if found.empty:
    st.stop()

pair_id = int(st.selectbox("Pair", list(found["pair_id"]), key="disagree_pair",
                           format_func=lambda i: str(found.loc[found["pair_id"] == i, "external_id"].iloc[0])))  # fmt: skip
pair = q.pair(db, pair_id)
assert pair is not None
show_request(pair)
show_pair(pair)
left, right = st.columns(2)
with left:
    show_reasoning(r.result_detail(db, run_id, pair_id))
with right:
    show_people(q.ratings_frame(db, current_only=False), pair_id)
adjudication_form(db, config, run_id, pair_id)
