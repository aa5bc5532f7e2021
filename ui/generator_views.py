"""How the Generators page shows a generator comparison: the table's rows and the interval chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from judge.scale import FIVE, Scale

__all__ = ["generator_chart", "generator_rows"]


def percent(value: object) -> str:
    return "n/a" if value is None or value != value else f"{float(value):.0%}"  # type: ignore[arg-type]


def number(value: object, digits: int = 2) -> str:
    return "n/a" if value is None or value != value else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def generator_rows(table: pd.DataFrame, scale: Scale = FIVE) -> list[dict[str, object]]:
    """One row per generator as shown: the mean with its interval, shares, cost and people's mean."""
    top = f"At {scale.high}"
    bottom = "At 1-2" if scale.points == FIVE.points else f"At {scale.low}"
    return [{
        "Generator": row.generator, "Prompt": row.prompt or "(none)", "Pairs": row.pairs,
        "Mean judge score": f"{number(row.mean)} ({number(row.low)} to {number(row.high)})",
        "People's mean, estimated for all pairs": "needs 2+ rated pairs" if row.people_mean is None
        or row.people_mean != row.people_mean
        else f"{number(row.people_mean)} ({number(row.people_low)} to {number(row.people_high)})",
        top: percent(row.share_5), bottom: percent(row.share_1_2), "Invalid": percent(row.invalid),
        "Tokens in / out": f"{number(row.input_tokens, 0)} / {number(row.output_tokens, 0)}",
        "Cost": "n/a" if row.cost_usd is None or row.cost_usd != row.cost_usd else f"${row.cost_usd:.4f}",
        "People's mean (rated pairs)": f"{number(row.human_mean)} ({row.rated} rated)" if row.rated else "not rated",
    } for row in table.itertuples()]  # fmt: skip


def generator_chart(table: pd.DataFrame, scale: Scale = FIVE) -> go.Figure:
    """Each generator's mean judge score and people's estimated mean, each with its 95% interval, on the
    scale's axis: where the two differ, the judge's ranking is not people's."""
    judged = table.dropna(subset=["mean"])
    labels = judged["generator"] + judged["prompt"].fillna("").map(lambda p: f" · {p}" if p else "")
    figure = go.Figure()
    rows = list(range(len(judged)))
    for column, low, high, name, symbol, shift in (("mean", "low", "high", "Judge's mean", "circle", -0.12),
                                                   ("people_mean", "people_low", "people_high",
                                                    "People's mean, estimated (PPI++)", "diamond", 0.12)):  # fmt: skip
        values = judged[column].astype(float)
        figure.add_trace(go.Scatter(
            x=values, y=[r + shift for r in rows], mode="markers", marker={"size": 12, "symbol": symbol}, name=name,
            text=list(labels), hovertemplate="%{text}: %{x:.2f}<extra>" + name + "</extra>",
            error_x={"type": "data", "symmetric": False, "array": (judged[high].astype(float) - values).fillna(0),
                     "arrayminus": (values - judged[low].astype(float)).fillna(0)},
        ))  # fmt: skip
    figure.update_layout(xaxis={"title": f"mean score ({scale.span}), 95% interval",
                                "range": [scale.low - 0.1, scale.high + 0.1], "dtick": 1},
                         yaxis={"autorange": "reversed", "tickvals": rows, "ticktext": list(labels)},
                         height=160 + 60 * len(judged),
                         legend={"orientation": "h", "y": -0.3},
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})  # fmt: skip
    return figure
