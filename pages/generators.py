"""Generators: which AST generator (model, prompt version) a judge run scores best, with intervals and costs."""

import plotly.graph_objects as go
import streamlit as st

from judge.synth.compare import generator_table
from storage import runs as run_store
from ui.resources import database
from ui.session import choose_dataset

db = database()
st.title("Generators")
st.caption("Each AST generator's pairs as a judge run scored them: the mean with a 95% bootstrap interval, "
           "the shares at 5 and at 1-2, invalid definitions (scored 1), what generating cost, and what people "
           "said where they rated. Make such a dataset with `judge synth` (`--offline` needs no key).")  # fmt: skip
if choose_dataset(db, acting="Figures for generators of") is None:
    st.stop()
dataset = str(st.session_state.dataset)
runs = run_store.runs_frame(db)
runs = runs[runs["dataset"] == dataset]
if runs.empty:
    st.info(f"No judge run on {dataset} yet: start one on the Judge page.")
    st.stop()
labels = {int(i): f"{i} · {n}" for i, n in zip(runs["id"], runs["name"], strict=True)}
run_id = int(st.selectbox("Scored by run", list(labels), format_func=labels.__getitem__, key="generators_run"))
table = generator_table(db, dataset, run_id)
if table["judged"].sum() == 0:
    st.info("This run has scored none of the dataset's pairs yet.")
    st.stop()


def percent(value: object) -> str:
    return "n/a" if value is None or value != value else f"{float(value):.0%}"  # type: ignore[arg-type]


def number(value: object, digits: int = 2) -> str:
    return "n/a" if value is None or value != value else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


shown = [{
    "Generator": row.generator, "Prompt": row.prompt or "(none)", "Pairs": row.pairs,
    "Mean judge score": f"{number(row.mean)} [{number(row.low)}, {number(row.high)}]",
    "At 5": percent(row.share_5), "At 1-2": percent(row.share_1_2), "Invalid": percent(row.invalid),
    "Tokens in / out": f"{number(row.input_tokens, 0)} / {number(row.output_tokens, 0)}",
    "Cost": "n/a" if row.cost_usd is None or row.cost_usd != row.cost_usd else f"${row.cost_usd:.4f}",
    "People's mean": f"{number(row.human_mean)} ({row.rated} rated)" if row.rated else "not rated",
} for row in table.itertuples()]  # fmt: skip
st.dataframe(shown, hide_index=True, width="stretch")

judged = table.dropna(subset=["mean"])
figure = go.Figure(go.Scatter(
    x=judged["mean"], y=judged["generator"] + judged["prompt"].fillna("").map(lambda p: f" · {p}" if p else ""),
    mode="markers", marker={"size": 12},
    error_x={"type": "data", "symmetric": False, "array": (judged["high"] - judged["mean"]).fillna(0),
             "arrayminus": (judged["mean"] - judged["low"]).fillna(0)},
))  # fmt: skip
figure.update_layout(xaxis={"title": "mean judge score (1-5), 95% interval", "range": [1, 5.05]},
                     yaxis={"autorange": "reversed"}, height=120 + 50 * len(judged),
                     margin={"l": 10, "r": 10, "t": 10, "b": 10})  # fmt: skip
st.plotly_chart(figure, width="stretch")
