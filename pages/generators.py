"""Generators: which AST generator (model, prompt version) a judge run scores best, with intervals and costs."""

import streamlit as st

from judge import annotation, workspace
from judge.synth.compare import generator_difference, generator_name, generator_table
from ui.agreement_views import human_side
from ui.generator_views import generator_chart, generator_rows
from ui.resources import read
from ui.session import choose_criterion, choose_dataset, run_labels

st.title("Generators")
st.caption("Each AST generator's pairs as a judge run scored them: the mean with a 95% bootstrap interval, "
           "the shares at 5 and at 1-2, invalid definitions (scored 1), what generating cost, and what people "
           "said where they rated. Make such a dataset with `judge synth` (`--offline` needs no key).")  # fmt: skip
st.caption("A judge can be harsher or kinder than people, and more so for one generator than another. "
           "'People's mean, estimated for all pairs' corrects for that: it starts from the judge's scores of every "
           "pair and corrects them by how far the judge was from people on the pairs people rated "
           "(prediction-powered inference, PPI++). 'People's mean (rated pairs)' is the plain mean of those "
           "pairs only, which may be easier or harder than the rest. The estimate's interval is valid however "
           "biased the judge is, as long as the rated pairs are a fair draw of the generator's pairs (pairs put "
           "first in the queue on purpose are not); more rated pairs make it narrower.")  # fmt: skip
if choose_dataset(acting="Figures for generators of") is None:
    st.stop()
dataset = str(st.session_state.dataset)
criterion = choose_criterion(dataset, "generators_criterion")
st.caption(read(human_side, dataset))
runs = read(workspace.runs, dataset, criterion=criterion)
if runs.empty:
    st.info(f"No judge run on {dataset} yet: start one on the Judge page.")
    st.stop()
labels = run_labels(runs)
run_id = int(st.selectbox("Scored by run", list(labels), format_func=labels.__getitem__, key="generators_run"))
table = read(generator_table, dataset, run_id)
if table["judged"].sum() == 0:
    st.info("This run has scored none of the dataset's pairs yet.")
    st.stop()
scale = read(annotation.scale_of_dataset, dataset, criterion)
st.dataframe(generator_rows(table, scale), hide_index=True, width="stretch")
st.plotly_chart(generator_chart(table, scale), width="stretch")
if len(table) >= 2:
    st.subheader("Is one generator better than another?")
    names = [generator_name(row) for _, row in table.iterrows()]
    left, right = st.columns(2)
    a = left.selectbox("Generator", range(len(names)), format_func=names.__getitem__, key="generators_a")
    b = right.selectbox("against", range(len(names)), index=1, format_func=names.__getitem__, key="generators_b")
    if a == b:
        st.caption("Choose two different generators.")
    else:
        st.markdown(generator_difference(table, int(a), int(b)))
