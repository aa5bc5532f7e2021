"""The execution judge: deterministic, offline, no API key.

Canonical forms equal -> 5. Otherwise both definitions run on the same seeded
databases: the same members on every one -> 5; else the mean F1 of the
generated audience against the ground truth maps to 4, 3, 2 or 1 by
:class:`ScoreBands`. A generated definition that is not valid scores 1 with
the error as the reason. An invalid ground truth is an error, not a score.
"""

from __future__ import annotations

from dataclasses import dataclass

from judge.audience import AudienceError, diff
from judge.data.records import parse_side
from judge.execution.database import Sandbox
from judge.execution.equivalence import DEFAULT_SEEDS, Evidence, compare
from judge.judgment import Judgment

__all__ = ["DEFAULT_BANDS", "JUDGE_NAME", "ScoreBands", "judge_execution"]

JUDGE_NAME = "execution"


@dataclass(frozen=True)
class ScoreBands:
    """Lowest mean F1 for each score below 5 (5 needs the same members everywhere)."""

    four: float = 0.9
    three: float = 0.6
    two: float = 0.3

    def score(self, f1: float) -> int:
        return 4 if f1 >= self.four else 3 if f1 >= self.three else 2 if f1 >= self.two else 1


DEFAULT_BANDS = ScoreBands()


def judge_execution(
    ground_truth: str,
    generated: str,
    bands: ScoreBands = DEFAULT_BANDS,
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    sandbox: Sandbox | None = None,
) -> Judgment:
    """Score a stored pair (each side AST JSON or text form)."""
    try:
        truth = parse_side(ground_truth)
    except AudienceError as e:
        return Judgment.failed(JUDGE_NAME, f"the ground truth is not a valid audience: {e}")
    try:
        candidate = parse_side(generated)
    except AudienceError as e:
        return Judgment(JUDGE_NAME, 1, f"The generated definition is not a valid audience: {e}")
    evidence = compare(truth, candidate, seeds, sandbox)
    changes = [str(c) for c in diff(truth, candidate)]
    if evidence.verdict == "equivalent":
        score, reason = 5, _equivalent_reason(evidence)
    else:
        score, reason = bands.score(evidence.mean_f1), _differs_reason(evidence)
    if changes:
        reason += " Differences: " + "; ".join(changes) + "."
    return Judgment(JUDGE_NAME, score, reason, evidence={**evidence.to_json(), "changes": changes})


def _equivalent_reason(evidence: Evidence) -> str:
    if evidence.canonical_equal:
        return "The canonical forms are equal, so both select the same audience on any data."
    sizes = ", ".join(str(d.ground_truth_size) for d in evidence.databases)
    return f"Same members on all {len(evidence.databases)} test databases (audience sizes {sizes})."


def _differs_reason(evidence: Evidence) -> str:
    differing = [d for d in evidence.databases if d.differs]
    worst = min(differing, key=lambda d: d.f1)
    text = (
        f"Members differ on {len(differing)} of {len(evidence.databases)} test databases; "
        f"mean F1 {evidence.mean_f1:.2f}. On database {worst.seed}: ground truth {worst.ground_truth_size} "
        f"members, generated {worst.generated_size}, {worst.overlap} in both "
        f"(precision {worst.precision:.2f}, recall {worst.recall:.2f})."
    )
    if worst.examples:
        example = worst.examples[0]
        side = "ground truth" if example.only_in == "ground_truth" else "generated audience"
        text += f" For example, member {example.id} is only in the {side}."
    return text
