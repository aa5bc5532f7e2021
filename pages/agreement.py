"""Agreement: can this judge be trusted? How it agrees with people, next to how people agree with each other,
whether it could stand in for an annotator, and how it fails."""

import streamlit as st

from judge import annotation, prompt_loop, workspace
from judge.agreement.breakdown import BREAKDOWNS, breakdown
from judge.agreement.insights import GROUND_TRUTH, group_fields, insights, literature_of
from judge.agreement.people import people_summary
from judge.agreement.report import FIGURES, compare_runs
from judge.agreement.stats import figure_label, headline_for
from judge.config import ANNOTATOR_KINDS
from judge.errors import JudgeError
from judge.trend import trend
from ui.agreement_views import (
    breakdown_table,
    comparison_table,
    confusion_heatmap,
    distributions,
    exclusion_controls,
    history_chart,
    human_side,
    judge_headline,
    people_section,
    quality_table,
    rules_control,
)
from ui.insight_views import (
    EPSILON_WORDS,
    alt_section,
    base_rate_table,
    budget_section,
    figures_table,
    lean_section,
    literature_section,
    queue_controls,
    repeat_section,
    strata_section,
    verdict,
)
from ui.resources import database, read, settings
from ui.session import choose_criterion, choose_dataset, run_labels, signed_in
from ui.text import inert

db, config = database(), settings()
st.title("Agreement")
signed_in(config)
dataset = choose_dataset(acting="Figures are for")
if dataset is None:
    st.stop()
name = str(st.session_state["dataset"])
criterion = choose_criterion(name, "agreement_criterion")
scale = read(annotation.scale_of_dataset, name, criterion)
wanted = config.headline_metric if config.headline_metric in FIGURES else "within_one"
headline = headline_for(wanted, scale)
headline_label = figure_label(headline, scale)
st.caption(f"Rated and judged on a {scale.describe()} scale"
           + ("" if headline == wanted else f": {figure_label(wanted, scale).lower()} means nothing on it, so the "
              f"headline is {headline_label.lower()}") + ". " + read(human_side, name))  # fmt: skip
with st.expander("How scores combine per pair"):
    st.caption("Every figure, calibration set and gate of this dataset takes people's score and a judge's score of "
               "a pair this way. A named person is for a column such as an imported expert consensus.")  # fmt: skip
    rules_control(db, config, name)

runs = read(workspace.runs, name, unassigned=True, criterion=criterion)
found = None
if not runs.empty:  # the verdict first: it is what a team lead opens the page for
    st.subheader("The judge against people")
    labels = run_labels(runs)
    left, right = st.columns(2)
    run_id = left.selectbox("Run", list(labels), format_func=lambda i: labels[i], key="agreement_run")
    kind = right.selectbox("Who the annotators are (for the stand-in test)", ANNOTATOR_KINDS,
                           index=ANNOTATOR_KINDS.index(config.annotator_kind), format_func=EPSILON_WORDS.__getitem__,
                           key="agreement_annotators",
                           help="How much a cheaper judge is let off: experts cost most, so the judge may trail "
                                "them by more (the paper's defaults). The default is JUDGE_ANNOTATOR_KIND.")  # fmt: skip
    try:
        found = read(insights, int(run_id), headline=headline, annotators=str(kind),
                     per_pair=config.annotators_per_pair)  # fmt: skip
    except JudgeError as e:
        st.warning(inert(e))
    if found is not None and found.report.n == 0:
        if found.report.judge_errors:
            st.info(f"Nothing to compare yet: {found.report.judge_errors} pairs of this run have only judge errors "
                    "(open them on the Judge page) and the others no human rating yet.")  # fmt: skip
        else:
            st.info("No pair of this run has a human rating yet: rate some on the Annotate page.")
    if found is not None and found.report.n:
        if note := read(prompt_loop.run_staleness, int(run_id)):
            st.warning(note)
        verdict(found, headline)
        judge_headline(found.report, headline, read(workspace.label_kinds, found.report.pair_ids, criterion))
        if between := read(workspace.between_points, int(run_id)):
            st.caption(f"{between:,} of this judge's scores are numbers between the scale's points (such as 3.67, a "
                       "mean of samples). Counts of agreement (same score, within one point, kappa, the confusion "
                       "matrix) take the nearest point, a half going down; correlations, the mean difference and "
                       "bias take the numbers as given.")  # fmt: skip

st.subheader("People among themselves")
people = read(people_summary, name, config, criterion)
people_section(people)
with st.expander("Annotators: who needs a look", expanded=any(a.concerns for a in people.quality)):
    st.caption(f"Each person against the consensus of the others on pairs both rated; a rating under "
               f"{config.too_fast_seconds:g} s is too fast (JUDGE_TOO_FAST_SECONDS); gold pairs are pairs with an "
               "adjudicated score, served unmarked now and then (JUDGE_GOLD_EVERY).")  # fmt: skip
    quality_table(people.quality, people.scale)
    exclusion_controls(db, config, people)

if runs.empty:
    st.info("No judge run on this dataset yet: start one on the Judge page (the offline execution judge needs "
            "no key), or import judgments.")  # fmt: skip
    st.stop()
if found is None or found.report.n == 0:
    st.stop()
result = found.report

st.subheader("Every figure, and what it means")
left, right = st.columns([3, 1])
left.table(figures_table(result, headline))  # a table, not a grid: the readings wrap instead of being cut off
with right:
    base_rate_table(result)
left, right = st.columns(2)
left.plotly_chart(confusion_heatmap(result), width="stretch")
right.plotly_chart(distributions(result), width="stretch")

st.subheader("Can the judge stand in for an annotator?")
alt_section(found)

st.subheader("Where people agree, and where they do not")
strata_section(found.strata, result.scale)

st.subheader("Does the judge give the same score twice?")
repeat_section(found)

st.subheader("Does the judge lean?")
lean_section(found)

st.subheader("Where the next ratings help most")
budget_section(found, headline)
queue_controls(db, config, name, found)

with st.expander("For comparison with papers: ICC, Fleiss' kappa, correlations per group and per generator"):
    fields = read(group_fields, int(run_id))
    group_by = st.selectbox("Average correlations over groups of pairs with the same", fields, key="agreement_group_by",
                            help="The ground truth (pairs made from one), or a metadata field of the pairs, such "
                                 "as a dialogue or request id")  # fmt: skip
    literature_section(found.papers if group_by == GROUND_TRUTH else read(literature_of, int(run_id), str(group_by)))

st.subheader("Break down")
by = str(st.selectbox("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.__getitem__, key="breakdown"))
breakdown_table(read(breakdown, int(run_id), by, headline), headline)

st.subheader("Against an earlier run")
other = st.selectbox("Compare with an earlier run (optional)", [None, *labels], key="agreement_vs",
                     format_func=lambda i: "none" if i is None else labels[i])  # fmt: skip
if other is not None and other != run_id:
    comparison_table(read(compare_runs, int(other), int(run_id)))

st.subheader("Across versions")
points = read(trend, headline, name, criterion=criterion)
if len(points) > 1:
    st.plotly_chart(history_chart(points, headline_label, headline in ("exact", "within_one", "pass_fail")), width="stretch")
    st.caption("One line per calibration set and judge model: runs on a set are measured on its test pairs, the "
               "others on this dataset's rated pairs now, so only like is joined with like.")  # fmt: skip
else:
    st.caption("One run so far: each new run (a prompt change, another model) adds a point here.")
