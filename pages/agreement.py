"""Agreement: how a judge run agrees with people, next to how people agree with each other."""

import streamlit as st

from judge.agreement.breakdown import BREAKDOWNS, breakdown
from judge.agreement.report import FIGURES, compare_runs, history, report
from judge.errors import JudgeError
from storage import runs as r
from ui.agreement_views import (
    comparison_table,
    confusion_heatmap,
    distributions,
    figures_table,
    history_chart,
)
from ui.resources import database, settings
from ui.session import choose_run
from ui.text import inert

db, config = database(), settings()
headline = config.headline_metric if config.headline_metric in FIGURES else "within_one"
headline_label = FIGURES[headline][0]
st.title("Agreement")

left, right = st.columns(2)
run_id = choose_run(db, "agreement_run", left)
if run_id is None:
    st.stop()
runs = r.runs_frame(db)
labels = {int(i): f"{i} · {n}" for i, n in zip(runs["id"], runs["name"], strict=True)}
other = right.selectbox("Compare with an earlier run (optional)", [None, *labels], key="agreement_vs",
                        format_func=lambda i: "none" if i is None else labels[i])  # fmt: skip

try:
    result = report(db, int(run_id))
except JudgeError as e:
    st.warning(inert(e))
    st.stop()
if result.n == 0:
    st.info("No pair of this run has a human rating yet: rate some on the Annotate page.")
    st.stop()

value = result.figure(headline)
c1, c2, c3 = st.columns(3)
c1.metric(headline_label, "n/a" if value.value is None else f"{value.value:.1%}" if headline in ("exact",
          "within_one", "pass_fail") else f"{value.value:.3f}")  # fmt: skip
c2.metric("Pairs compared", f"{result.n:,}", help=f"{result.no_human} judged pairs have no human rating yet; "
          f"{result.judge_errors} have only judge errors")  # fmt: skip
ceiling_value = result.ceiling.within_one if headline == "within_one" else result.ceiling.exact
c3.metric("People among themselves (within one)" if headline == "within_one" else "People among themselves (exact)",
          "n/a" if ceiling_value is None else f"{ceiling_value:.1%}",
          help=f"{result.ceiling.pairs} pairs with two or more ratings: the ceiling a judge can be expected to reach")  # fmt: skip
alpha, ac1 = result.ceiling.alpha_ordinal, result.ceiling.gwet_ac1
st.caption(f"Human ceiling: Krippendorff's alpha {'n/a' if alpha is None else f'{alpha:.3f}'}, "
           f"Gwet's AC1 {'n/a' if ac1 is None else f'{ac1:.3f}'} on {result.ceiling.pairs} pairs. "
           "Intervals: 95% bootstrap over pairs (1,000 resamples, seeded).")  # fmt: skip

table = figures_table(result, headline)
st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
left, right = st.columns(2)
left.plotly_chart(confusion_heatmap(result), width="stretch")
right.plotly_chart(distributions(result), width="stretch")

by = st.selectbox("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get, key="breakdown")
st.dataframe(breakdown(db, int(run_id), by, headline), hide_index=True, width="stretch")

if other is not None and other != run_id:
    st.subheader(f"Run {run_id} against run {other}")
    comparison_table(compare_runs(db, int(other), int(run_id)))

st.subheader("Across runs")
trend = history(db, headline)
if len(trend) > 1:
    st.plotly_chart(history_chart(trend, headline_label), width="stretch")
else:
    st.caption("One run so far: each new run (a prompt change, another model) adds a point here.")
