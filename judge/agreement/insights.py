"""Everything beyond the figures table that a team acts on, for one run: can the judge stand in for an
annotator, how it does where people agree and where they do not, whether it repeats itself, whether it
leans on reading order or size, and where people's next ratings help most.

One function from frames (the benchmark's and the tests' way in) and one from the database (the pages'
and the CLI's)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from judge.agreement.alt_test import EPSILONS, AltTest, alt_test
from judge.agreement.bias import OrderShift, SizeSlope, order_shift, size_slope
from judge.agreement.breakdown import ast_nodes
from judge.agreement.budget import narrowed, rate_next
from judge.agreement.repeatability import Repeatability, repeatability
from judge.agreement.report import Report, consensus, match, report_from
from judge.agreement.strata import Stratum, strata
from judge.agreement.verdict import PeopleShare, people_share
from judge.errors import JudgeError
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["MORE", "Insights", "insights", "insights_from", "opposite_run"]

MORE = (25, 50, 100, 200)  # newly rated pairs the budget planner prices


@dataclass(frozen=True)
class Insights:
    report: Report
    people: PeopleShare  # people among themselves on the headline's scale (exact or within one)
    alt: AltTest
    strata: list[Stratum]
    repeat: Repeatability
    size: SizeSlope
    order: OrderShift | None  # None: no run of the same prompt and model in the other order
    order_note: str
    budget: dict[int, float]  # newly rated pairs -> the headline's half-width after them
    unrated: int  # judged pairs nobody rated: what the budget can spend on
    next_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_json(self) -> dict[str, Any]:
        return {
            "people_among_themselves": self.people.__dict__, "alternative_annotator_test": self.alt.to_json(),
            "by_human_agreement": [s.__dict__ for s in self.strata], "repeatability": self.repeat.to_json(),
            "size_drift": self.size.to_json(), "order": self.order.to_json() if self.order else None,
            "order_note": self.order_note,
            "budget": {"unrated_judged_pairs": self.unrated,
                       "half_width_after": {str(k): v for k, v in self.budget.items()}},
            "rate_next": self.next_pairs.to_dict("records"),
        }  # fmt: skip


def insights_from(
    run_id: int, results: pd.DataFrame, ratings: pd.DataFrame, *, headline: str = "within_one",
    annotators: str = "skilled", sizes: pd.Series | None = None, other_order: pd.Series | None = None,
    reversed_run: bool = False, order_note: str = "", resamples: int = 1000, seed: int = 0,
) -> Insights:  # fmt: skip
    """From a run's ``results`` (``pair_id``, ``score`` per sample) and current ``ratings`` (``pair_id``,
    ``annotator``, ``score``); ``sizes``: AST nodes per pair; ``other_order``: per pair, the score of the run
    of the same prompt and model in the other order (``reversed_run``: this run is the reversed one)."""
    if annotators not in EPSILONS:
        raise JudgeError(f"annotators are one of {', '.join(EPSILONS)}, not {annotators!r}")
    report = report_from(run_id, results, ratings, resamples, seed)
    both, _, _ = match(results, ratings)
    rated = ratings[ratings["pair_id"].isin(both.index)]
    people = people_share(rated, "exact" if headline == "exact" else "within_one", resamples, seed)
    tested = alt_test(rated, both["judge"], EPSILONS[annotators])
    gap = (both["judge"] - both["human"]).astype(float)
    size = size_slope(gap, sizes) if sizes is not None else size_slope(gap, pd.Series(dtype=float))
    judge = consensus(results.dropna(subset=["score"]).astype({"score": int}))
    order = None
    if other_order is not None:
        order = order_shift(other_order, judge) if reversed_run else order_shift(judge, other_order)
    figure = report.figure(headline)
    budget = {}
    if figure.low is not None and figure.high is not None and report.n:
        budget = {more: narrowed((figure.high - figure.low) / 2, report.n, more) for more in MORE}
    return Insights(report, people, tested, strata(rated, both), repeatability(results, both["human"]), size,
                    order, order_note, budget, report.no_human, rate_next(ratings, results))  # fmt: skip


def opposite_run(db: Database, run_id: int) -> int | None:
    """The latest finished-or-not run of the same dataset, prompt version and model in the other order."""
    settings = run_store.run_settings(db, run_id)
    if settings is None or settings["judge_kind"] != "llm":
        return None
    order = settings["parameters"].get("order", "normal")
    runs = run_store.runs_frame(db)
    for row in runs.itertuples():
        if int(row.id) == run_id or row.judge != "llm":
            continue
        other = run_store.run_settings(db, int(row.id)) or {}
        if (other.get("dataset"), other.get("model"), other.get("prompt_name"), other.get("prompt_version")) == (
            settings["dataset"], settings["model"], settings["prompt_name"], settings["prompt_version"]
        ) and other["parameters"].get("order", "normal") != order:  # fmt: skip
            return int(row.id)
    return None


def insights(db: Database, run_id: int, *, headline: str = "within_one", annotators: str = "skilled") -> Insights:
    results = result_store.results_frame(db, run_id)
    if results.empty:
        raise JudgeError(f"run {run_id} has no judgments (or no such run)")
    ratings = rating_store.ratings_frame(db)
    judged = set(results["pair_id"])
    every = pair_store.pairs_frame(db)
    names = every.set_index("pair_id")["external_id"]
    pairs = every[every["pair_id"].isin(judged) & every["pair_id"].isin(ratings["pair_id"])]
    sizes = pd.Series([ast_nodes(k, g) for k, g in zip(pairs["kind"], pairs["ground_truth"], strict=True)],
                      index=pairs["pair_id"], dtype=float)  # fmt: skip
    other = opposite_run(db, run_id)
    other_scores = None
    if other is not None:
        scored = result_store.results_frame(db, other).dropna(subset=["score"]).astype({"score": int})
        other_scores = consensus(scored)
    mine = (run_store.run_settings(db, run_id) or {}).get("parameters", {}).get("order", "normal")
    found = insights_from(run_id, results, ratings, headline=headline, annotators=annotators, sizes=sizes,
                          other_order=other_scores, reversed_run=mine == "reversed",
                          order_note=_order_note(db, run_id, other))  # fmt: skip
    shown = found.next_pairs.copy()
    shown.insert(0, "pair", shown["pair_id"].map(names))
    per_pair = found.repeat.per_pair.copy()
    if not per_pair.empty:
        per_pair.insert(0, "pair", per_pair["pair_id"].map(names))
    return replace(found, next_pairs=shown, repeat=replace(found.repeat, per_pair=per_pair))


def _order_note(db: Database, run_id: int, other: int | None) -> str:
    settings = run_store.run_settings(db, run_id) or {}
    if settings.get("judge_kind") != "llm":
        return "Reading order applies to LLM runs: the execution judge runs both definitions, it reads neither first."
    if other is None:
        mine = settings.get("parameters", {}).get("order", "normal")
        flip = "generated first" if mine == "normal" else "ground truth first (normal)"
        return (f"To measure it, start a run of the same prompt and model with 'Show first: {flip}' on the Judge "
                "page; the shift between the two appears here.")  # fmt: skip
    order = settings.get("parameters", {}).get("order", "normal")
    return f"Run {run_id} ({order} order) against run {other}, the same prompt and model in the other order."
