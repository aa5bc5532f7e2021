"""The Agreement page's verdict and the sections after it: each says what its figures mean in a sentence
first, the table after, and why a figure is missing when it is."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from judge import workspace
from judge.agreement.alt_test import EPSILONS, MIN_PAIRS
from judge.agreement.insights import Insights
from judge.agreement.literature import ICC_FORMS, Literature
from judge.agreement.report import Report
from judge.agreement.strata import STRATA, Stratum
from judge.agreement.verdict import (
    SHARES,
    base_rates,
    chance_agreement,
    headline_sentence,
    reading,
)
from judge.config import Settings
from judge.errors import JudgeError
from judge.scale import FIVE, Scale
from storage import Database
from ui.session import is_admin
from ui.text import inert

__all__ = ["alt_section", "base_rate_table", "budget_section", "figures_table", "lean_section", "number",
           "literature_section", "queue_controls", "repeat_section", "strata_section", "verdict"]  # fmt: skip


def number(value: float | None, key: str) -> str:
    """A figure as shown everywhere on the page: shares in whole percent, the rest with two decimals."""
    if value is None or value != value:
        return "n/a"
    return f"{value:.0%}" if key in SHARES else f"{value:+.2f}" if key == "bias" else f"{value:.2f}"


def _span(low: float | None, high: float | None, key: str) -> str:
    return "n/a" if low is None or high is None else f"{number(low, key)} to {number(high, key)}"


def verdict(found: Insights, headline: str) -> None:
    """The headline sentence with its interval and counts, what else a reader must know beside it, and the judge
    against a person on the same target and chart; then the stand-in answer."""
    report = found.report
    close = headline if headline == "exact" or not report.scale.within_one_applies else "within_one"
    st.markdown(f"### {headline_sentence(report, headline)}")
    st.markdown(_beside(report, headline))
    people = found.people
    what = "the same score as" if close == "exact" else "within one point of"
    if people.value is None:
        st.caption(f"How a person does is not known yet on these pairs ({people.pairs} rated by two or more "
                   "people): a second rating of the same pairs fills it in.")  # fmt: skip
    else:
        st.markdown(f"On the {people.pairs} pairs rated by two or more people, a person's rating is {what} the other "
                    f"people's consensus {people.value:.0%} of the time ({_span(people.low, people.high, 'exact')}); "
                    f"the judge, against the same consensus, {number(people.judge, 'exact')} "
                    f"({_span(people.judge_low, people.judge_high, 'exact')}). A judge at a person's figure does as "
                    "well as another person would.")  # fmt: skip
        bars = [("The judge vs the others", people.judge, people.judge_low, people.judge_high),
                ("A person vs the others", people.value, people.low, people.high)]  # fmt: skip
        shown = [(who, v, v if lo is None else lo, v if hi is None else hi) for who, v, lo, hi in bars if v is not None]
        figure = go.Figure(go.Bar(
            y=[b[0] for b in shown], x=[b[1] for b in shown], orientation="h", marker_color=["#1f77b4", "#7f7f7f"][: len(shown)],
            text=[f"{b[1]:.0%}" for b in shown], textposition="inside", insidetextanchor="start",
            error_x={"type": "data", "symmetric": False, "array": [b[3] - b[1] for b in shown],
                     "arrayminus": [b[1] - b[2] for b in shown]},
        ))  # fmt: skip
        figure.update_layout(height=170, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                             title=f"{'Same score as' if close == 'exact' else 'Within one point of'} the other "
                                   "people's consensus, with 95% intervals",
                             yaxis={"autorange": "reversed"},
                             xaxis={"range": [0, 1.04], "tickformat": ".0%", "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1]})  # fmt: skip
        st.plotly_chart(figure, width="stretch")
    alt = found.alt
    box = st.success if alt.passed else st.warning if alt.passed is False else st.info
    box(f"**Can the judge stand in for an annotator?** {alt.answer}")


def _beside(report: Report, headline: str) -> str:
    """What the headline does not say: how often the score is exactly people's, and which way the judge leans."""
    exact, bias = report.figure("exact"), report.figure("bias")
    parts = []
    if headline != "exact" and exact.value is not None:
        parts.append(f"The same score as people's on {exact.value:.0%} of pairs")
    if bias.value is not None and bias.low is not None and bias.high is not None:
        if bias.low > 0 or bias.high < 0:
            side = "above" if bias.value > 0 else "below"
            unit = f" on {report.scale.low} to {report.scale.high}" if report.scale.binary else " points"
            parts.append(f"the judge scores {abs(bias.value):.2f}{unit} {side} people on average, beyond noise")
        else:
            parts.append("no clear lean: not shown to be harsher or kinder than people on average")
    return ("; ".join(parts) + ".") if parts else ""


def figures_table(report: Report, headline: str) -> pd.DataFrame:
    """Every figure with its interval and a reading, indexed by its name (★ marks the headline)."""
    chance = chance_agreement(report)
    return pd.DataFrame([{
        "figure": ("★ " if f.key == headline else "") + f.label, "value": number(f.value, f.key),
        "95% interval": _span(f.low, f.high, f.key), "what it means": reading(f, chance, report),
    } for f in report.figures]).set_index("figure")  # fmt: skip


def base_rate_table(report: Report) -> None:
    """How often each side gives each score, beside the chance-corrected figures that rest on it."""
    rates = base_rates(report)
    chance = chance_agreement(report)
    shown = rates.assign(score=rates["score"].astype(str),
                         **{c: rates[c].map(lambda v: f"{v:.0%}") for c in ("people (consensus)", "judge")})  # fmt: skip
    st.table(shown.set_index("score"))  # a table: it wraps in a narrow column instead of cutting it
    if chance is not None:
        st.caption(f"How often each side gives each score. Given these, judge and people would give the same score "
                   f"on {chance:.0%} of pairs by chance alone; the kappas and alpha count only agreement beyond "
                   "that, so they are low when one score dominates even if the judge is often right.")  # fmt: skip


def alt_section(found: Insights) -> None:
    alt = found.alt
    st.caption(f"For each annotator: on the pairs they rated with others, is the judge as close to those others as "
               f"this person is? The judge passes when it is for half the annotators or more; for being cheaper it "
               f"may come out as close on up to {alt.epsilon:.0%} fewer pairs than the person.")  # fmt: skip
    with st.expander("How this test works"):
        st.markdown(f"The alternative annotator test (Calderon, Reichart and Dror, ACL 2025). Leave out one annotator "
                    f"at a time; on each pair they rated together with others, score how close the judge and how "
                    f"close the left-out person are to the others (negative RMSE); the judge wins a pair when it is "
                    f"at least as close. A one-sided t-test per annotator asks whether the judge wins at least as "
                    f"often as the person, less epsilon = {alt.epsilon:g} (0.2 for experts, 0.15 for skilled "
                    f"annotators, 0.1 for crowd workers: JUDGE_ANNOTATOR_KIND or the choice above); the "
                    f"Benjamini-Yekutieli correction across annotators keeps false passes rare. The winning rate is "
                    f"the share of annotators the judge beats (0.5 passes); the advantage probability is how often "
                    f"the judge wins a pair on average, for comparing judges. Each annotator needs {MIN_PAIRS} or "
                    f"more pairs shared with others, and the test 3 or more annotators.")  # fmt: skip
    if alt.advantage is not None and alt.passed is not None:
        st.markdown(f"Winning rate **{alt.winning_rate:.0%}**; the judge matches the others at least as well as a "
                    f"person on **{alt.advantage:.0%}** of pairs on average (advantage probability, higher is "
                    "better: use it to compare judges).")  # fmt: skip
    st.dataframe(pd.DataFrame([{
        "annotator": a.annotator, "pairs shared": a.pairs,
        "judge as good as the others": "n/a" if a.judge_wins is None else f"{a.judge_wins:.0%}",
        "this person as good": "n/a" if a.person_wins is None else f"{a.person_wins:.0%}",
        "p": "n/a" if a.p_value is None else "< 0.001" if a.p_value < 0.001 else f"{a.p_value:.3f}",
        "judge can replace them": f"not tested ({a.pairs} of {MIN_PAIRS} pairs)" if a.skipped
        else "yes" if a.judge_replaces else "no",
    } for a in alt.annotators]), hide_index=True, width="stretch")  # fmt: skip


def strata_section(strata: list[Stratum], scale: Scale = FIVE) -> None:
    split = "people split on" if scale.binary else "they split by a point"
    st.caption("A judge can look good overall only because most pairs are easy. Here its agreement on pairs "
               f"people all agreed on, on pairs {split}, and on pairs they argued about, beside how "
               "well people agreed with each other on the same pairs.")  # fmt: skip
    shown = pd.DataFrame([{
        "pairs where": s.label, "pairs": s.pairs, "judge: same score": number(s.judge_exact, "exact"),
        "judge: within one": number(s.judge_within_one, "within_one"),
        "people: same score": number(s.people_exact, "exact") if s.key != "single" else "one rating only",
        "people: within one": number(s.people_within_one, "within_one") if s.key != "single" else "one rating only",
    } for s in strata])  # fmt: skip
    if not scale.within_one_applies:
        shown = shown.drop(columns=["judge: within one", "people: within one"])
    if scale.binary:  # two points are never two or more apart; one point apart is the two answers
        shown = shown[[s.key != "contested" for s in strata]]
        shown["pairs where"] = shown["pairs where"].replace(STRATA["split"], "People split (both answers given)")
    st.dataframe(shown, hide_index=True, width="stretch")


def repeat_section(found: Insights) -> None:
    r = found.repeat
    if r.missing:
        st.info(r.missing)
        return
    cols = st.columns(4)
    cols[0].metric("Pairs judged twice or more", f"{r.pairs:,}", help=f"{r.samples:,} judgments on them")
    cols[1].metric("Changed its score", number(r.flip_rate, "exact"), help="Share of those pairs whose judgments differ")
    scale = found.report.scale
    if scale.pass_mark is not None:
        cols[2].metric("Changed pass/fail", number(r.straddle_rate, "exact"),
                       help=f"Share of those pairs with one judgment at pass ({scale.pass_mark}+) and another below")  # fmt: skip
    else:
        cols[2].metric("Gave both answers", number(r.straddle_rate, "exact"), help="Share of those pairs judged "
                       f"{scale.label(scale.low)} once and {scale.label(scale.high)} another time")  # fmt: skip
    close = "Within one" if scale.within_one_applies else "Same as people"
    cols[3].metric(f"{close}, stable pairs", number(r.within_one_stable, "within_one"),
                   help=f"On {r.stable_rated} rated pairs whose judgments all agree; on every rated pair: "
                   f"{number(r.within_one_all, 'within_one')}")  # fmt: skip
    flips = r.per_pair[r.per_pair["spread"] > 0]
    if len(flips):
        st.caption(f"{len(flips)} pairs where the judge changed its score. The figures above this section use, per "
                   "pair, the lower median of the judgments the run planned; judgments added by 'Repeat on N "
                   "pairs' only measure repeatability and never move them.")  # fmt: skip
        shown = flips.rename(columns={"scores": "its scores", "mode": "most common score (the lower on a tie)",
                                      "straddles": "both sides of pass"})  # fmt: skip
        st.dataframe(shown[["pair", "its scores", "most common score (the lower on a tie)", "both sides of pass"]].head(50),
                     hide_index=True, width="stretch")  # fmt: skip


def lean_section(found: Insights) -> None:
    if found.order is not None:
        (st.warning if "Order matters" in found.order.reading else st.markdown)(found.order.reading)
    st.caption(found.order_note)
    (st.warning if "Size matters" in found.size.reading else st.markdown)(found.size.reading)


def budget_section(found: Insights, headline: str) -> None:
    figure = found.report.figure(headline)
    if not found.budget or figure.low is None or figure.high is None:
        st.caption("The headline has no interval yet, so more ratings cannot be priced.")
    else:
        now = (figure.high - figure.low) / 2

        def width(half: float) -> str:
            return f"about ±{half * 100:.1f} percentage points" if headline in SHARES else f"about ±{half:.2f}"

        lines = [f"- **{more}** more pairs rated: {width(half)}" for more, half in found.budget.items()]
        st.markdown(f"The headline's interval ({_span(figure.low, figure.high, headline)}) is {width(now)} wide on "
                    f"{found.report.n} rated pairs. Each newly rated pair the judge scored narrows it; about:\n"
                    + "\n".join(lines))  # fmt: skip
        if found.unrated < max(found.budget):
            st.caption(f"This run scored {found.unrated} pairs nobody has rated yet; for more than that, run the "
                       "judge on more pairs too (or rate pairs it already scored that have fewer ratings).")  # fmt: skip
    if found.next_pairs.empty:
        st.caption("No pair stands out to rate next.")
        return
    st.caption("Rate these next: where people disagree, where the judge is unsure of itself, and where the "
               "judge and a lone rating are far apart, a rating tells the most. Pairs that have as many ratings as "
               "a pair takes (JUDGE_ANNOTATORS_PER_PAIR) are left out: the queue serves them to nobody.")  # fmt: skip
    st.dataframe(found.next_pairs.drop(columns=["pair_id"], errors="ignore").rename(
        columns={"ratings": "ratings so far", "judge": "the judge's scores"}), hide_index=True, width="stretch")


EPSILON_WORDS = {kind: f"{kind} (epsilon {value:g})" for kind, value in EPSILONS.items()}


def queue_controls(db: Database, config: Settings, dataset: str, found: Insights) -> None:
    """Put the rate-next pairs first in everyone's queue, or clear the list (admins; checked at the click)."""
    current = workspace.first_in_queue(db, dataset)
    if len(current):
        by = current["created_by"].iloc[0] or "an admin"
        st.caption(f"{len(current)} pairs are first in every annotator's queue of {inert(dataset)} (after the pairs "
                   f"everyone rates), put there by {inert(by)}; each leaves the queue once rated enough.")  # fmt: skip
    if not is_admin(config):
        st.caption("An admin can put these pairs first in everyone's queue from here.")
        return
    who = str(st.session_state.get("annotator") or "an admin")

    def put() -> None:
        if is_admin(config):  # asked again on the click, not only when the button was drawn
            try:
                kept = workspace.put_first(db, dataset, found.next_pairs, who)
            except JudgeError as e:
                st.session_state["rate_first_error"] = str(e)
                return
            if kept < len(found.next_pairs):
                st.session_state["rate_first_note"] = (
                    f"{kept} of the {len(found.next_pairs)} pairs were put first: the others are of another dataset "
                    "than the one in the sidebar.")  # fmt: skip

    def clear() -> None:
        if is_admin(config):
            workspace.put_first(db, dataset, found.next_pairs.iloc[0:0], who)

    if problem := st.session_state.pop("rate_first_error", None):
        st.error(inert(problem))
    if note := st.session_state.pop("rate_first_note", None):
        st.warning(inert(note))
    left, right = st.columns(2)
    left.button(f"Put these {len(found.next_pairs)} pairs first in everyone's queue", on_click=put,
                disabled=found.next_pairs.empty, key="rate_first_put",
                help="The Annotate page serves them next, in this order, after the pairs everyone rates")  # fmt: skip
    if len(current):
        right.button("Clear the list", on_click=clear, key="rate_first_clear")


def literature_section(papers: Literature | None) -> None:
    """The literature's figures, to set the judge beside published numbers."""
    if papers is None:
        return
    st.caption("For setting this judge beside published meta-evaluations. ICC: 0.5-0.75 is usually called moderate, "
               "0.75-0.9 good, above 0.9 excellent (Koo and Li 2016).")  # fmt: skip
    if papers.judge_icc:
        st.dataframe(pd.DataFrame([{"ICC (judge and people's consensus as two raters)": i.form,
                                    "what it is": ICC_FORMS[i.form], "value": number(i.value, "icc"),
                                    "95% interval": _span(i.low, i.high, "icc")} for i in papers.judge_icc]),
                     hide_index=True, width="stretch")  # fmt: skip
    lines = []
    if papers.people_icc1 is not None:
        p = papers.people_icc1
        lines.append(f"- People among themselves, ICC1 on {papers.people_icc_pairs} pairs rated twice or more: "
                     f"{number(p.value, 'icc')} ({_span(p.low, p.high, 'icc')})")  # fmt: skip
    if papers.fleiss is not None:
        lines.append(f"- People's Fleiss' kappa on the {papers.fleiss_pairs} pairs rated by {papers.fleiss_raters}: "
                     f"{number(papers.fleiss, 'kappa')}")  # fmt: skip
    g = papers.by_group
    if g is not None and g.groups:
        lines.append(f"- Correlations averaged over {g.groups} groups of pairs with the same {inert(papers.group_by)} "
                     f"({g.left_out} left out: one pair, or no spread): Spearman {number(g.spearman, 'r')}, "
                     f"Kendall tau-b {number(g.kendall_tau_b, 'r')}, Pearson {number(g.pearson, 'r')}")  # fmt: skip
    if papers.by_system is not None:
        s = papers.by_system
        lines.append(f"- System level, over the mean scores of {papers.systems} generators: Spearman "
                     f"{number(s['spearman'], 'r')}, Kendall tau-b {number(s['kendall_tau_b'], 'r')}, Pearson "
                     f"{number(s['pearson'], 'r')}")  # fmt: skip
    if lines:
        st.markdown("\n".join(lines))
    for note in papers.notes:
        st.caption(note)
