"""Charts and tables of the Agreement page (Plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from judge.agreement.report import Comparison, Report

__all__ = ["comparison_table", "confusion_heatmap", "distributions", "figures_table", "history_chart"]


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def figures_table(report: Report, headline: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"": "★" if f.key == headline else "", "figure": f.label, "value": _cell(f.value),
          "95% interval": f"{_cell(f.low)} – {_cell(f.high)}"} for f in report.figures]
    )  # fmt: skip


def confusion_heatmap(report: Report) -> go.Figure:
    scores = [str(s) for s in range(1, 6)]
    figure = px.imshow(report.confusion, x=scores, y=scores, text_auto=True, color_continuous_scale="Blues",
                       labels={"x": "Judge", "y": "People (consensus)", "color": "Pairs"})  # fmt: skip
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Confusion matrix")
    return figure


def distributions(report: Report) -> go.Figure:
    frame = pd.concat([pd.DataFrame({"score": report.human_scores, "who": "People (consensus)"}),
                       pd.DataFrame({"score": report.judge_scores, "who": "Judge"})])  # fmt: skip
    figure = px.histogram(frame, x="score", color="who", barmode="group", nbins=5, range_x=[0.5, 5.5])
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Scores given",
                         legend_title_text="")  # fmt: skip
    return figure


def history_chart(history: pd.DataFrame, label: str) -> go.Figure:
    figure = px.line(history, x="label", y="value", markers=True, hover_data=["model", "prompt", "n", "created_at"],
                     labels={"label": "Run (model · prompt), oldest first", "value": label})  # fmt: skip
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=f"{label} across runs")
    return figure


def comparison_table(comparison: Comparison) -> None:
    st.dataframe(
        pd.DataFrame([{"figure": d.label, "before": _cell(d.a), "after": _cell(d.b), "difference": _cell(d.difference),
                       "95% paired interval": f"{_cell(d.low)} – {_cell(d.high)}",
                       "beyond noise": "yes" if d.low is not None and d.high is not None and (d.low > 0 or d.high < 0)
                       else "no"} for d in comparison.differences]),
        hide_index=True, width="stretch",
    )  # fmt: skip
    p = comparison.mcnemar_p
    st.caption(f"{comparison.n} pairs judged by both runs. Exact agreement: {comparison.a_only_right} pairs right "
               f"only before, {comparison.b_only_right} only after; McNemar p = {_cell(p)}.")  # fmt: skip
