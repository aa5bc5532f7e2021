"""Everything beyond the figures table that a team acts on, for one run: can the judge stand in for an
annotator, how it does where people agree and where they do not, whether it repeats itself, whether it
leans on reading order or size, and where people's next ratings help most.

One function from frames (the benchmark's and the tests' way in) and one from the database (the pages'
and the CLI's)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from judge.agreement.alt_test import EPSILONS, AltTest, alt_test
from judge.agreement.bias import OrderShift, SizeSlope, order_shift, size_slope
from judge.agreement.breakdown import ast_nodes
from judge.agreement.budget import narrowed, rate_next
from judge.agreement.literature import Literature, literature
from judge.agreement.repeatability import Repeatability, repeatability
from judge.agreement.report import Report, match, ratings_of_run, report_from
from judge.agreement.stats import headline_for
from judge.agreement.strata import Stratum, strata
from judge.agreement.verdict import PeopleShare, people_share
from judge.dataset_rubric import run_scale
from judge.errors import JudgeError
from judge.scale import FIVE, Scale
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["GROUND_TRUTH", "MORE", "Insights", "group_fields", "insights", "insights_from", "literature_of",
           "opposite_run"]

MORE = (25, 50, 100, 200)  # newly rated pairs the budget planner prices


@dataclass(frozen=True)
class Insights:
    report: Report
    people: PeopleShare  # a person and the judge against the others' consensus (exact or within one)
    alt: AltTest
    strata: list[Stratum]
    repeat: Repeatability
    size: SizeSlope
    order: OrderShift | None  # None: no run of the same prompt and model in the other order
    order_note: str
    budget: dict[int, float]  # newly rated pairs -> the headline's half-width after them
    next_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    papers: Literature | None = None  # the literature's figures (ICC, Fleiss' kappa, per group, per system)

    @property
    def unrated(self) -> int:
        """Judged pairs nobody rated: what the budget can spend on."""
        return self.report.no_human

    def to_json(self) -> dict[str, Any]:
        return {
            "people_among_themselves": self.people.__dict__, "alternative_annotator_test": self.alt.to_json(),
            "by_human_agreement": [s.__dict__ for s in self.strata], "repeatability": self.repeat.to_json(),
            "size_drift": self.size.to_json(), "order": self.order.to_json() if self.order else None,
            "order_note": self.order_note,
            "budget": {"unrated_judged_pairs": self.unrated,
                       "half_width_after": {str(k): v for k, v in self.budget.items()}},
            "rate_next": self.next_pairs.to_dict("records"),
            "literature": self.papers.to_json() if self.papers else None,
        }  # fmt: skip


def insights_from(
    run_id: int, results: pd.DataFrame, ratings: pd.DataFrame, *, headline: str = "within_one",
    annotators: str = "skilled", sizes: pd.Series | None = None, other_order: pd.Series | None = None,
    reversed_run: bool = False, order_note: str = "", resamples: int = 1000, seed: int = 0,
    repeated: pd.DataFrame | None = None, per_pair: int = 3, repeat_note: str | None = None,
    groups: pd.Series | None = None, group_by: str = "ground truth", systems: pd.Series | None = None,
    scale: Scale = FIVE,
) -> Insights:  # fmt: skip
    """From a run's ``results`` (``pair_id``, ``score`` per sample it planned) and current ``ratings``
    (``pair_id``, ``annotator``, ``score``); ``repeated``: the results with the samples added by repeating the
    run (default: ``results``), for repeatability and the order shift; ``sizes``: AST nodes per pair;
    ``other_order``: per pair, the mean score of the run of the same prompt, model and settings in the other
    order (``reversed_run``: this run is the reversed one); ``per_pair``: ratings a pair takes at most (pairs
    that have them are not offered to rate next); ``repeat_note``: why repeatability does not apply."""
    if annotators not in EPSILONS:
        raise JudgeError(f"annotators are one of {', '.join(EPSILONS)}, not {annotators!r}")
    headline = headline_for(headline, scale)
    report = report_from(run_id, results, ratings, resamples, seed, scale)
    both, _, _ = match(results, ratings)
    rated = ratings[ratings["pair_id"].isin(both.index)]
    close = "within_one" if headline != "exact" and scale.within_one_applies else "exact"
    people = people_share(rated, close, both["judge"], resamples, seed, scale)
    tested = alt_test(rated, both["judge"], EPSILONS[annotators])
    gap = (both["judge"] - both["human"]).astype(float)
    size = size_slope(gap, sizes) if sizes is not None else size_slope(gap, pd.Series(dtype=float))
    every = results if repeated is None else repeated
    judge = every.dropna(subset=["score"]).groupby("pair_id")["score"].mean()  # unbiased whatever the samples
    order = None
    if other_order is not None:
        order = order_shift(other_order, judge) if reversed_run else order_shift(judge, other_order)
    figure = report.figure(headline)
    budget = {}
    if figure.low is not None and figure.high is not None and report.n:
        budget = {more: narrowed((figure.high - figure.low) / 2, report.n, more) for more in MORE}
    repeat = repeatability(every, both["human"], scale)
    if repeat_note and repeat.missing:
        repeat = replace(repeat, missing=repeat_note)
    papers = literature(both, rated, groups, group_by, systems, scale)
    return Insights(report, people, tested, strata(rated, both, scale), repeat, size, order, order_note, budget,
                    rate_next(ratings, results, per_pair), papers)  # fmt: skip


SAME_SETTINGS = ("provider", "base_url", "temperature", "max_tokens", "evidence", "calibration", "rubric", "examples")
"""What two runs must share for their difference to be the reading order's: all but the order, the number of
samples (scores are averaged per pair) and how many requests were in flight."""


def opposite_run(db: Database, run_id: int) -> int | None:
    """The latest run of the same dataset, prompt version (same hash), model and settings in the other order."""
    settings = run_store.run_settings(db, run_id)
    if settings is None or settings["judge_kind"] != "llm":
        return None
    mine = settings["parameters"]
    runs = run_store.runs_frame(db)
    label = f"{settings['prompt_name']}@{settings['prompt_version']}"
    candidates = runs[(runs["id"] != run_id) & (runs["judge"] == "llm") & (runs["dataset"] == settings["dataset"])
                      & (runs["model"] == settings["model"]) & (runs["prompt"] == label)]  # fmt: skip
    for row in candidates.itertuples():  # newest first; the settings read only for these
        other = run_store.run_settings(db, int(row.id)) or {}
        theirs = other.get("parameters", {})
        same = all(mine.get(k) == theirs.get(k) for k in SAME_SETTINGS) and all(
            other.get(k) == settings[k]
            for k in ("dataset", "criterion", "model", "prompt_name", "prompt_version", "prompt_hash")
        )  # fmt: skip
        if same and theirs.get("order", "normal") != mine.get("order", "normal"):
            return int(row.id)
    return None


GROUND_TRUTH = "ground truth"


def group_fields(db: Database, run_id: int) -> list[str]:
    """What the literature's per-group correlations can average over for a run: the ground truth (pairs made
    from one), or a top-level metadata field whose value is a plain text or number on its pairs."""
    judged = set(result_store.results_frame(db, run_id)["pair_id"])
    pairs = pair_store.pairs_frame(db)
    fields: set[str] = set()
    for text in pairs.loc[pairs["pair_id"].isin(judged), "metadata"].dropna():
        data = json.loads(text) if isinstance(text, str) else {}
        if isinstance(data, dict):
            fields |= {k for k, v in data.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    return [GROUND_TRUTH, *sorted(fields)]


def _field(metadata: object, name: str) -> str | None:
    """A pair's group under metadata field ``name``, as text (3 and "3" are one group), or None."""
    data = json.loads(metadata) if isinstance(metadata, str) else {}
    value = data.get(name) if isinstance(data, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _groups(pairs: pd.DataFrame, group_by: str) -> tuple[pd.Series, pd.Series]:
    """Per pair: its group for the per-group correlations, and its system (generator)."""
    indexed = pairs.set_index("pair_id")
    groups = (indexed["ground_truth"] if group_by == GROUND_TRUTH  # pairs made from one ground truth: one group
              else indexed["metadata"].map(lambda m: _field(m, group_by)))  # fmt: skip
    return groups, indexed["generator_model"]


def literature_of(db: Database, run_id: int, group_by: str) -> Literature:
    """The literature's figures of a run with its per-group correlations over ``group_by``; what
    :func:`insights` holds for the ground truth, without computing the rest again."""
    results = result_store.results_frame(db, run_id)
    ratings = ratings_of_run(db, run_id)
    both, _, _ = match(results, ratings)
    pairs = pair_store.pairs_frame(db)
    groups, systems = _groups(pairs[pairs["pair_id"].isin(both.index)], group_by)
    return literature(
        both, ratings[ratings["pair_id"].isin(both.index)], groups, group_by, systems, run_scale(db, run_id)
    )


def insights(db: Database, run_id: int, *, headline: str = "within_one", annotators: str = "skilled",
             per_pair: int = 3, group_by: str = GROUND_TRUTH) -> Insights:  # fmt: skip
    results = result_store.results_frame(db, run_id)
    if results.empty:
        raise JudgeError(f"run {run_id} has no judgments (or no such run)")
    ratings = ratings_of_run(db, run_id)
    judged = set(results["pair_id"])
    every = pair_store.pairs_frame(db)
    names = every.set_index("pair_id")["external_id"]
    pairs = every[every["pair_id"].isin(judged) & every["pair_id"].isin(ratings["pair_id"])]
    sizes = pd.Series([ast_nodes(k, g) for k, g in zip(pairs["kind"], pairs["ground_truth"], strict=True)],
                      index=pairs["pair_id"], dtype=float)  # fmt: skip
    groups, systems = _groups(pairs, group_by)
    other = opposite_run(db, run_id)
    other_scores = None
    if other is not None:
        scored = result_store.results_frame(db, other, repeats=True).dropna(subset=["score"])
        other_scores = scored.groupby("pair_id")["score"].mean()
    settings = run_store.run_settings(db, run_id) or {}
    mine = settings.get("parameters", {}).get("order", "normal")
    found = insights_from(run_id, results, ratings, headline=headline, annotators=annotators, sizes=sizes,
                          other_order=other_scores, reversed_run=mine == "reversed",
                          order_note=_order_note(db, run_id, other), per_pair=per_pair,
                          repeated=result_store.results_frame(db, run_id, repeats=True),
                          repeat_note=_repeat_note(settings.get("judge_kind")), groups=groups,
                          group_by=group_by, systems=systems, scale=run_scale(db, run_id))  # fmt: skip
    shown = found.next_pairs.copy()
    shown.insert(0, "pair", shown["pair_id"].map(names))
    repeats = found.repeat.per_pair.copy()
    if not repeats.empty:
        repeats.insert(0, "pair", repeats["pair_id"].map(names))
    return replace(found, next_pairs=shown, repeat=replace(found.repeat, per_pair=repeats))


def _repeat_note(kind: str | None) -> str | None:
    if kind == "execution":
        return ("The execution judge runs both definitions on the same generated data: it gives the same score "
                "every time, so there is nothing to repeat.")  # fmt: skip
    if kind != "llm":
        return ("Every pair of this imported run has one judgment: import several samples per pair (a sample "
                "column) to measure repeatability; 'Repeat on N pairs' is for LLM runs made here.")  # fmt: skip
    return None


def _order_note(db: Database, run_id: int, other: int | None) -> str:
    settings = run_store.run_settings(db, run_id) or {}
    if settings.get("judge_kind") == "execution":
        return "Reading order applies to LLM runs: the execution judge runs both definitions, it reads neither first."
    if settings.get("judge_kind") != "llm":
        return "This run was imported: in which order its judge read the pairs is not known here."
    if other is None:
        mine = settings.get("parameters", {}).get("order", "normal")
        flip = "generated first" if mine == "normal" else "ground truth first (normal)"
        return (f"To measure it, start a run of the same prompt, model and settings with 'Show first: {flip}' on "
                "the Judge page; the shift between the two appears here.")  # fmt: skip
    order = settings.get("parameters", {}).get("order", "normal")
    return (f"Run {run_id} ({order} order) against run {other}, the same prompt, model and settings in the other "
            "order; each pair's score is the mean of its judgments.")  # fmt: skip
