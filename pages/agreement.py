"""Agreement: how a judge run agrees with people, next to how people agree with each other."""

import streamlit as st

from judge import prompt_loop, workspace
from judge.agreement.breakdown import BREAKDOWNS, breakdown
from judge.agreement.people import people_summary
from judge.agreement.report import FIGURES, compare_runs, report
from judge.errors import JudgeError
from judge.trend import trend
from ui.agreement_views import (
    comparison_table,
    confusion_heatmap,
    distributions,
    exclusion_controls,
    figures_table,
    history_chart,
    judge_headline,
    people_section,
    quality_table,
)
from ui.resources import database, read, settings
from ui.session import choose_dataset, signed_in
from ui.text import inert

db, config = database(), settings()
headline = config.headline_metric if config.headline_metric in FIGURES else "within_one"
headline_label = FIGURES[headline][0]
st.title("Agreement")
signed_in(config)
dataset = choose_dataset(acting="Figures are for")
if dataset is None:
    st.stop()
name = str(st.session_state["dataset"])

st.subheader("People among themselves")
people = read(people_summary, name, config)
people_section(people)
with st.expander("Annotators: who needs a look", expanded=any(a.concerns for a in people.quality)):
    st.caption(f"Each person against the consensus of the others on pairs both rated; a rating under "
               f"{config.too_fast_seconds:g} s is too fast (JUDGE_TOO_FAST_SECONDS); gold pairs are pairs with an "
               "adjudicated score, served unmarked now and then (JUDGE_GOLD_EVERY).")  # fmt: skip
    quality_table(people.quality)
    exclusion_controls(db, config, people)

st.subheader("The judge against people")
runs = read(workspace.runs, name, unassigned=True)
if runs.empty:
    st.info("No judge run on this dataset yet: start one on the Judge page (the offline execution judge needs "
            "no key), or import judgments.")  # fmt: skip
    st.stop()
labels = {int(i): f"{i} · {n}" for i, n in zip(runs["id"], runs["name"], strict=True)}
left, right = st.columns(2)
run_id = left.selectbox("Run", list(labels), format_func=lambda i: labels[i], key="agreement_run")
other = right.selectbox("Compare with an earlier run (optional)", [None, *labels], key="agreement_vs",
                        format_func=lambda i: "none" if i is None else labels[i])  # fmt: skip

try:
    result = read(report, int(run_id))
except JudgeError as e:
    st.warning(inert(e))
    st.stop()
if result.n == 0:
    st.info("No pair of this run has a human rating yet: rate some on the Annotate page.")
    st.stop()

if note := read(prompt_loop.run_staleness, int(run_id)):
    st.warning(note)
judge_headline(result, headline, read(workspace.label_kinds, result.pair_ids))

table = figures_table(result, headline)
st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
left, right = st.columns(2)
left.plotly_chart(confusion_heatmap(result), width="stretch")
right.plotly_chart(distributions(result), width="stretch")

by = str(st.selectbox("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.__getitem__, key="breakdown"))
st.dataframe(read(breakdown, int(run_id), by, headline), hide_index=True, width="stretch")

if other is not None and other != run_id:
    st.subheader(f"Run {run_id} against run {other}")
    comparison_table(read(compare_runs, int(other), int(run_id)))

st.subheader("Across versions")
points = read(trend, headline, name)
if len(points) > 1:
    st.plotly_chart(history_chart(points, headline_label, headline in ("exact", "within_one", "pass_fail")), width="stretch")
    st.caption("One line per calibration set and judge model: runs on a set are measured on its test pairs, the "
               "others on this dataset's rated pairs now, so only like is joined with like.")  # fmt: skip
else:
    st.caption("One run so far: each new run (a prompt change, another model) adds a point here.")
