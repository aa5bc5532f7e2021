"""The execution judge: deterministic, offline, no API key, scoring on the rubric people rate by.

Canonical forms equal -> 5. Otherwise both definitions run on the boundary cases
built from both and on drawn databases (``equivalence.compare``):

- the same members everywhere, every boundary probed -> 5;
- the same members, but some boundary could not be probed -> the rubric's
  ``not_shown_different`` (4 in the shipped rubric), never a silent 5;
- members differ -> the kind of each structural difference (``diff``: a threshold,
  ``>`` for ``>=``, a window, a missing condition, a wrong event, ...) scored by the
  rubric; the lowest counts, and several details together are ``several_details``.

A generated definition that is not valid scores the rubric's ``invalid`` with the
error as the reason. An invalid ground truth is an error, not a score. The reason
says which rubric line applies and shows a member found in one audience only.
"""

from __future__ import annotations

from typing import Final

from judge.audience import AudienceError, Change, diff
from judge.data.records import parse_side
from judge.execution.database import Sandbox
from judge.execution.equivalence import DEFAULT_SEEDS, Evidence, compare
from judge.judgment import Judgment
from judge.rubric import DETAILS, Rubric, current_rubric

__all__ = ["JUDGE_NAME", "judge_execution"]

JUDGE_NAME: Final = "execution"


def judge_execution(
    ground_truth: str,
    generated: str,
    rubric: Rubric | None = None,
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    sandbox: Sandbox | None = None,
) -> Judgment:
    """Score a stored pair (each side AST JSON or text form) on ``rubric`` (default: the one in force)."""
    rubric = rubric or current_rubric()
    try:
        truth = parse_side(ground_truth)
    except AudienceError as e:
        return Judgment.failed(JUDGE_NAME, "invalid_input", f"the ground truth is not a valid audience: {e}")
    try:
        candidate = parse_side(generated)
    except AudienceError as e:
        score = rubric.differences["invalid"]
        return Judgment(JUDGE_NAME, score, f"Rubric {rubric.line(score)} The generated definition is not a valid audience: {e}",
                        evidence={"rubric": rubric.describe(), "kind": "invalid"})  # fmt: skip
    evidence = compare(truth, candidate, seeds, sandbox)
    changes = diff(truth, candidate)
    if evidence.verdict == "equivalent":
        score, kind = rubric.scale.high, "equivalent"  # the top of the rubric's scale
        reason = f"Rubric {rubric.line(score)} {_equivalent_reason(evidence)}"
    elif (
        evidence.verdict == "not_shown_different" and changes and all(g["limit"] for g in evidence.not_probed)
    ):
        # untestable only because a constant is past what the databases hold (a count of 30,000, a number
        # past 2^53): the constants differ for certain, so the structure decides the score
        score, kind = rubric.score_of(_kinds(changes))
        reason = (f"Rubric {rubric.line(score)} {_decisive_change(changes, kind)}Not tested on data: "
                  + "; ".join(f"{g['condition']} ({g['why']})" for g in evidence.not_probed[:2]) + ".")  # fmt: skip
    elif evidence.verdict == "not_shown_different":
        kind = "not_shown_different"
        score = rubric.differences[kind]
        reason = f"Rubric {rubric.line(score)} {_unshown_reason(evidence)}"
    else:
        score, kind = rubric.score_of(_kinds(changes) or ["condition"])
        reason = f"Rubric {rubric.line(score)} {_decisive_change(changes, kind)}{_differs_reason(evidence)}"
    if score == rubric.scale.high:  # the structure differs only in how it is written: no kinds of difference to report
        changes = []
    if changes:
        reason += " Differences: " + "; ".join(str(c) for c in changes) + "."
    extra = {"changes": [str(c) for c in changes], "kinds": [c.category for c in changes], "kind": kind,
             "rubric": rubric.describe()}  # fmt: skip
    return Judgment(JUDGE_NAME, score, reason, evidence={**evidence.to_json(), **extra})


def _kinds(changes: list[Change]) -> list[str]:
    """The kind of each difference; an operator and a number changed in one comparison are one detail."""
    kinds, places = [], set()
    for change in changes:
        place = (change.path_b or change.path_a or "").removesuffix(".op").removesuffix(".right")
        if change.category in DETAILS:
            if place in places:
                continue
            places.add(place)
        kinds.append(change.category)
    return kinds


def _decisive_change(changes: list[Change], kind: str) -> str:
    if kind == "several_details":
        return f"{sum(1 for k in _kinds(changes) if k in DETAILS)} details differ, in different places. "
    found = next((c for c in changes if c.category == kind), None)
    return f"The difference that decides it: {found}. " if found else ""


def _equivalent_reason(evidence: Evidence) -> str:
    if evidence.canonical_equal:
        return "The canonical forms are equal, so both select the same audience on any data."
    boundary = next((d for d in evidence.databases if d.kind == "boundary"), None)
    drawn = [d for d in evidence.databases if d.kind == "random"]
    probed = len(evidence.probed)
    built = (
        f"{boundary.population} users built on both sides of every boundary of the {probed} comparisons of both, each checked to decide, "
        if boundary
        else ""
    )
    return f"Same members on {built}and on {len(drawn)} random databases."


def _unshown_reason(evidence: Evidence) -> str:
    gaps = "; ".join(f"{g['condition']} ({g['why']})" for g in evidence.not_probed[:3])
    more = f"; and {len(evidence.not_probed) - 3} more" if len(evidence.not_probed) > 3 else ""
    return (f"Not shown different: no member is in one audience only on {len(evidence.databases)} test databases, "
            f"but these could not be probed: {gaps}{more}.")  # fmt: skip


def _differs_reason(evidence: Evidence) -> str:
    differing = [d for d in evidence.databases if d.differs]
    worst = next((d for d in differing if d.examples), differing[0])
    text = (
        f"Members differ on {len(differing)} of {len(evidence.databases)} test databases. On {worst.label}: "
        f"ground truth {worst.ground_truth_size} members, generated {worst.generated_size}, {worst.overlap} in both."
    )
    if worst.examples:
        example = worst.examples[0]
        side = "ground truth" if example.only_in == "ground_truth" else "generated audience"
        text += f" For example, member {example.id} is only in the {side}"
        text += f" (built for {example.built_for})." if example.built_for else "."
    return text
