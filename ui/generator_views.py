"""How the Generators page shows a generator comparison: the table's rows and the interval chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["generator_chart", "generator_rows"]


def percent(value: object) -> str:
    return "n/a" if value is None or value != value else f"{float(value):.0%}"  # type: ignore[arg-type]


def number(value: object, digits: int = 2) -> str:
    return "n/a" if value is None or value != value else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def generator_rows(table: pd.DataFrame) -> list[dict[str, object]]:
    """One row per generator as shown: the mean with its interval, shares, cost and people's mean."""
    return [{
        "Generator": row.generator, "Prompt": row.prompt or "(none)", "Pairs": row.pairs,
        "Mean judge score": f"{number(row.mean)} [{number(row.low)}, {number(row.high)}]",
        "At 5": percent(row.share_5), "At 1-2": percent(row.share_1_2), "Invalid": percent(row.invalid),
        "Tokens in / out": f"{number(row.input_tokens, 0)} / {number(row.output_tokens, 0)}",
        "Cost": "n/a" if row.cost_usd is None or row.cost_usd != row.cost_usd else f"${row.cost_usd:.4f}",
        "People's mean": f"{number(row.human_mean)} ({row.rated} rated)" if row.rated else "not rated",
    } for row in table.itertuples()]  # fmt: skip


def generator_chart(table: pd.DataFrame) -> go.Figure:
    """Each generator's mean judge score with its 95% interval, on the 1-5 axis."""
    judged = table.dropna(subset=["mean"])
    labels = judged["generator"] + judged["prompt"].fillna("").map(lambda p: f" · {p}" if p else "")
    figure = go.Figure(go.Scatter(
        x=judged["mean"], y=labels, mode="markers", marker={"size": 12},
        error_x={"type": "data", "symmetric": False, "array": (judged["high"] - judged["mean"]).fillna(0),
                 "arrayminus": (judged["mean"] - judged["low"]).fillna(0)},
    ))  # fmt: skip
    figure.update_layout(xaxis={"title": "mean judge score (1-5), 95% interval", "range": [1, 5.05]},
                         yaxis={"autorange": "reversed"}, height=120 + 50 * len(judged),
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})  # fmt: skip
    return figure
