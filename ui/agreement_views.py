"""Charts and tables of the Agreement page (Plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from judge import workspace
from judge.agreement.annotators import AnnotatorQuality
from judge.agreement.people import PeopleSummary
from judge.agreement.report import FIGURES, RULES, SAMPLE_RULES, Comparison, Report, rule_words
from judge.agreement.verdict import SHARES
from judge.config import Settings
from judge.dataset_rubric import rules_of, set_rules
from judge.errors import JudgeError
from judge.scale import FIVE, Scale
from storage import Database
from ui.insight_views import number
from ui.session import admin_gate, is_admin, sign_in_form
from ui.text import inert

__all__ = ["breakdown_table", "comparison_table", "confusion_heatmap", "distributions", "exclusion_controls",
           "history_chart", "human_side", "judge_headline", "people_section", "quality_table",
           "rules_control"]  # fmt: skip


def human_side(db: Database, dataset: str) -> str:
    """What people's score and a judge's score of a pair are on ``dataset``, in one sentence."""
    people, samples = rules_of(db, dataset)
    return (f"People's score of a pair: {rule_words(people)}. A judge's: the {samples} of its samples"
            + (" (between two, the lower)." if samples == "median" else ", rounded to the nearest score (a half down)."))


def rules_control(db: Database, config: Settings, dataset: str) -> None:
    """Choose how ratings and a judge's samples combine per pair (admins; checked again at the click)."""
    people, samples = rules_of(db, dataset)
    raters = workspace.raters(db, dataset)
    choices = [*RULES, *(f"rater:{r}" for r in raters)]
    if people not in choices:
        choices.append(people)
    left, middle, right = st.columns([3, 2, 1], vertical_alignment="bottom")
    chosen = left.selectbox("People's score of a pair", choices, index=choices.index(people), key="rule_people",
                            format_func=lambda r: f"one person: {r.removeprefix('rater:')}" if r.startswith("rater:")
                            else {"median": "median (default)", "mean": "mean", "majority": "majority"}[r],
                            help="One person is for a column such as an imported expert consensus: the others then "
                                 "count as people among themselves only.")  # fmt: skip
    given = middle.selectbox("A judge's samples", list(SAMPLE_RULES), index=list(SAMPLE_RULES).index(samples),
                             key="rule_samples", format_func={"median": "median (default)", "mean": "mean"}.__getitem__)  # fmt: skip
    admin = is_admin(config)
    if not admin:
        st.caption("Only an admin may change them (sign in with the admin password).")
    if right.button("Use these", disabled=(chosen, given) == (people, samples) or not admin, key="rule_set"):
        if not is_admin(config):  # asked at the click, not only when the control was drawn
            st.error("Only an admin may change how a dataset's scores combine.")
            return
        who = st.session_state.get("annotator")
        try:
            st.success(set_rules(db, dataset, str(chosen), str(given), str(who) if who else None))
        except JudgeError as e:
            st.error(inert(e))


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _score_names(report: Report) -> list[str]:
    """Each point of the scale as the chart shows it: "3", or "1 · right" where the points have labels."""
    scale = report.scale
    return [str(p) if scale.label(p) == str(p) else f"{p} · {scale.label(p)}" for p in scale.points]


def confusion_heatmap(report: Report) -> go.Figure:
    scores = _score_names(report)
    figure = px.imshow(report.confusion, x=scores, y=scores, text_auto=True, color_continuous_scale="Blues",
                       labels={"x": "Judge's score", "y": "People's score (consensus)", "color": "Pairs"})  # fmt: skip
    figure.update_xaxes(type="category", side="bottom")
    figure.update_yaxes(type="category")  # every point of the scale labelled, lowest first
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         title="Who gave what: pairs on the diagonal agree")  # fmt: skip
    return figure


def distributions(report: Report) -> go.Figure:
    frame = pd.concat([pd.DataFrame({"score": report.human_scores, "who": "People (consensus)"}),
                       pd.DataFrame({"score": report.judge_scores, "who": "Judge"})])  # fmt: skip
    low, high = report.scale.low, report.scale.high
    figure = px.histogram(frame, x="score", color="who", barmode="group", histnorm="percent",
                          category_orders={"score": list(report.scale.points)})  # fmt: skip
    figure.update_traces(xbins={"start": low - 0.5, "end": high + 0.5, "size": 1})
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Scores given",
                         legend_title_text="", yaxis={"title": "% of pairs"},
                         xaxis={"range": [low - 0.5, high + 0.5], "title": "score",
                                "tickvals": list(report.scale.points), "ticktext": _score_names(report)})  # fmt: skip
    return figure


def breakdown_table(table: pd.DataFrame, key: str) -> None:
    """A breakdown with its numbers as the rest of the page writes them."""
    if table.empty:
        st.caption("Nothing to break down yet.")
        return
    label = FIGURES[key][0]
    shown = table.copy()
    shown[label] = [_figure(v, key) for v in shown["value"]]
    shown["95% interval"] = [
        "n/a" if lo != lo or hi != hi or lo is None else f"{_figure(lo, key)} to {_figure(hi, key)}"
        for lo, hi in zip(shown["low"], shown["high"], strict=True)
    ]
    shown["same score"] = [_figure(v, "exact") for v in shown["exact"]]
    st.dataframe(shown.drop(columns=["value", "low", "high", "exact"]), hide_index=True, width="stretch")


def _figure(value: object, key: str) -> str:
    return number(None if value is None or value != value else float(value), key)  # type: ignore[arg-type]


def history_chart(history: pd.DataFrame, label: str, percent: bool = False) -> go.Figure:
    """One line per calibration set (or dataset) and judge model, points ``name@version · model`` oldest first,
    the 95% interval as a band around each line."""
    figure = go.Figure()
    palette = px.colors.qualitative.Plotly
    for count, (line, points) in enumerate(history.groupby("line", sort=False)):
        colour = palette[count % len(palette)]
        banded = points.dropna(subset=["low", "high"])
        if len(banded):
            figure.add_trace(go.Scatter(
                x=[*banded["point"], *banded["point"][::-1]], y=[*banded["high"], *banded["low"][::-1]],
                fill="toself", fillcolor=colour, opacity=0.18, line={"width": 0}, hoverinfo="skip", mode="lines",
                showlegend=count == 0, legendgroup=line, name="shaded: 95% interval",
            ))  # fmt: skip
        figure.add_trace(go.Scatter(
            x=points["point"], y=points["value"], mode="lines+markers", name=line, legendgroup=line,
            line={"color": colour}, customdata=points[["run", "n", "low", "high"]].to_numpy(),
            hovertemplate="%{x}<br>" + label + ": %{y:.3f} (95% interval %{customdata[2]:.3f} to %{customdata[3]:.3f})"
                          "<br>run %{customdata[0]} on %{customdata[1]} pairs<extra>%{fullData.name}</extra>",
        ))  # fmt: skip
    figure.update_layout(height=560, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title=f"{label} across versions",
                         xaxis={"automargin": True, "tickangle": 30},
                         legend={"title": {"text": "Pairs measured on · judge model"}, "orientation": "h",
                                 "y": -0.45, "yanchor": "top"},
                         yaxis={"tickformat": ".0%" if percent else None, "range": [0, 1.02] if percent else None},
                         xaxis_title="Version · model, oldest first", yaxis_title=label)  # fmt: skip
    return figure


def comparison_table(comparison: Comparison) -> None:
    if comparison.rubrics:
        st.warning(comparison.rubrics)
    st.dataframe(
        pd.DataFrame([{"figure": d.label, "before": _figure(d.a, d.key), "after": _figure(d.b, d.key),
                       "difference": _figure(d.difference, "bias" if d.key not in SHARES else d.key),
                       "95% paired interval": "n/a" if d.low is None or d.high is None
                       else f"{_figure(d.low, 'bias')} to {_figure(d.high, 'bias')}" if d.key not in SHARES
                       else f"{d.low:+.0%} to {d.high:+.0%}",
                       "beyond noise": "yes" if d.low is not None and d.high is not None and (d.low > 0 or d.high < 0)
                       else "no"} for d in comparison.differences]),
        hide_index=True, width="stretch",
    )  # fmt: skip
    p = comparison.mcnemar_p
    shown = "n/a" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"
    st.caption(f"{comparison.n} pairs judged by both runs. Exact agreement: {comparison.a_only_right} pairs right "
               f"only before, {comparison.b_only_right} only after; McNemar p = {shown} (below 0.05: the change "
               "in exact agreement is beyond noise).")  # fmt: skip


FEW_PAIRS = 10  # fewer pairs rated twice than this: say the figures are still unsteady


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def people_section(summary: PeopleSummary) -> None:
    """People among themselves: four figures, what they rest on, and what is missing when they are n/a."""
    c, scale = summary.ceiling, summary.scale
    cols = iter(st.columns(5 if scale.within_one_applies else 4))
    next(cols).metric(
        "Pairs rated by two or more", f"{c.pairs:,}", help=f"{summary.rated_pairs:,} pairs rated in all"
    )
    next(cols).metric(
        "Same score", _percent(c.exact), help="Share of every two ratings of the same pair that agree"
    )
    if scale.within_one_applies:
        next(cols).metric("Within one point", _percent(c.within_one))
    next(cols).metric("Gwet's AC1", "n/a" if c.gwet_ac1 is None else f"{c.gwet_ac1:.2f}",
                      help=f"Agreement beyond chance that holds up when one score is much more common than the "
                      f"others; it counts the {scale.k} points of this dataset's {scale.describe()} scale")  # fmt: skip
    next(cols).metric("Krippendorff's alpha", "n/a" if c.alpha_ordinal is None else f"{c.alpha_ordinal:.2f}",
                      help=("" if scale.binary else "Ordinal alpha: ") + "1 is perfect agreement, 0 is what chance "
                      "would give; teams often look for 0.67 or more")  # fmt: skip
    paradox = c.gwet_ac1 is not None and c.alpha_ordinal is not None and c.gwet_ac1 - c.alpha_ordinal > 0.3
    if paradox and c.common is not None:
        point, share = c.common
        st.caption(f"Why alpha is so much lower than AC1: {share:.0%} of these ratings give the same answer, {point}"
                   + (f" ({inert(scale.label(point))})" if scale.label(point) != str(point) else "") + ". "
                   "When one answer is that common, agreement by chance is high, and alpha (like kappa) leaves "
                   "little room above it even when people mostly agree; AC1 is made for this case. Read both.")  # fmt: skip
    if summary.missing:
        st.info(summary.missing)
    elif c.pairs < FEW_PAIRS:
        st.warning(f"Only {c.pairs} pairs are rated by two or more people: these figures can move a lot with "
                   "each new rating.")  # fmt: skip
    k = summary.kinds
    rests = (f"Ratings in the consensus: {k['blind']:,} given blind, {k['after_reveal']:,} after seeing a judge's "
             f"score, {k['imported']:,} imported; {k['adjudicated']:,} pairs have an adjudicated score.")  # fmt: skip
    if summary.excluded:
        rests += (
            " Left out of the consensus: "
            + ", ".join(
                inert(n) + (f" ({inert(why)})" if (why := summary.reasons.get(n)) else "")
                for n in summary.excluded
            )
            + "."
        )
    st.caption(rests)


def quality_table(quality: list[AnnotatorQuality], scale: Scale = FIVE) -> None:
    """Who needs a look and why, in sentences; then every person's figures, their name pinned."""
    for a in quality:
        if a.concerns:
            st.markdown(f"**{inert(a.annotator)}**: " + "; ".join(a.concerns) + ".")
    if quality and not any(a.concerns for a in quality):
        st.caption("Nobody needs a look on these figures.")
    shown = pd.DataFrame([{
            "annotator": a.annotator, "needs a look": str(len(a.concerns) or "-"),
            "ratings": a.ratings, "shared with others": a.shared,
            "same as the others": _percent(a.exact), "within one of the others": _percent(a.within_one),
            "above the others by": "n/a" if a.bias is None else f"{a.bias:+.1f}",
            "median time": "n/a" if a.median_seconds is None else f"{a.median_seconds:.0f} s",
            "too fast": f"{a.too_fast} of {a.timed}", "gold pairs": a.gold,
            "gold: same score": _percent(a.gold_exact), "in the consensus": "no, left out" if a.excluded else "yes",
        } for a in quality])  # fmt: skip
    if not scale.within_one_applies and not shown.empty:
        shown = shown.drop(columns=["within one of the others"])
    st.dataframe(
        shown,
        hide_index=True, width="stretch",
        column_config={"annotator": st.column_config.TextColumn(pinned=True),
                       "needs a look": st.column_config.TextColumn(help="How many concerns (listed above)")},
    )  # fmt: skip


def exclusion_controls(db: Database, config: Settings, summary: PeopleSummary) -> None:
    """Leave one annotator's ratings out of the consensus, or count them again (admins; checked on each
    click, not only when the buttons are drawn)."""
    if not summary.quality or not admin_gate(config, "leave an annotator out of the consensus"):
        return
    who = st.session_state.get("annotator")
    if not who:
        sign_in_form(config, "Your name goes with each change you make.", "Who are you?", "Sign in")
        return

    def leave_out() -> None:
        name, reason = st.session_state.get("exclude_who"), st.session_state.get("exclude_why") or ""
        if name and is_admin(config):  # asked again on the click, not only when the button was drawn
            workspace.exclude(db, name, str(who), reason.strip() or None)
            st.session_state["exclude_who"], st.session_state["exclude_why"] = None, ""

    def count_again(name: str) -> None:
        if is_admin(config):
            workspace.include(db, name)

    counted = [a.annotator for a in summary.quality if not a.excluded]
    left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
    name = left.selectbox("Annotator", counted, index=None, key="exclude_who", placeholder="Pick a person")
    middle.text_input("Why (kept with the change, shown on this page)", key="exclude_why")
    right.button("Leave out of the consensus", disabled=name is None, on_click=leave_out,
                 help="Their ratings stay stored and can be counted again; every figure is computed without them.")  # fmt: skip
    for out in summary.excluded:
        st.button(f"Count {inert(out)} again", key=f"include-{out}", on_click=count_again, args=(out,))


def judge_headline(result: Report, headline: str, kinds: dict[str, int]) -> None:
    """What the headline rests on: the pairs compared, those left out, and the kinds of human labels."""
    alpha, ac1 = result.ceiling.alpha_ordinal, result.ceiling.gwet_ac1
    st.caption(f"Compared on {result.n:,} pairs that people rated and the judge scored ({result.no_human:,} judged "
               f"pairs have no human rating yet, {result.judge_errors:,} only judge errors). People on these pairs: "
               f"Krippendorff's alpha {'n/a' if alpha is None else f'{alpha:.2f}'}, "
               f"Gwet's AC1 {'n/a' if ac1 is None else f'{ac1:.2f}'} on {result.ceiling.pairs} pairs (both count "
               f"the {result.scale.k} points of the {result.scale.describe()} scale). "
               f"The human side rests on {kinds['blind']:,} blind ratings, {kinds['after_reveal']:,} given after "
               f"seeing a judge's score and {kinds['imported']:,} imported ({kinds['adjudicated']:,} of the pairs "
               "also have an adjudicated score). Intervals: exact binomial ones for the shares, a 95% bootstrap over "
               "pairs (1,000 resamples, seeded) for the rest.")  # fmt: skip
