"""Worked examples for a judge template: adjudicated pairs from a calibration set's dev split.

A template with ``{examples}`` and ``examples_per_score = k`` shows the judge up to k pairs per score
level, each with the score it deserves. They come only from the set's dev pairs (never from the test
pairs versions are compared on), and only from pairs an engineer has settled: a verdict with a score (the
score the pair deserves), or "people are right" / "both acceptable" (people's consensus in the snapshot
stands). Pairs called ambiguous, or "the judge is right" without a score, say nothing reliable about the
score and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from judge.calibration import CalibrationSet
from storage import Database
from storage import adjudications as adjudication_store
from storage import pairs as pair_store

__all__ = ["Example", "examples_text", "pick_examples"]

CONSENSUS_STANDS = ("humans_right", "both_acceptable")


@dataclass(frozen=True)
class Example:
    pair_id: int
    score: int
    request: str | None
    ground_truth: str
    generated: str
    note: str | None


def pick_examples(db: Database, calibration: CalibrationSet, per_score: int) -> list[Example]:
    """Up to ``per_score`` settled dev pairs per score level, by pair id, best score first."""
    dev = calibration.dev_pairs
    if per_score <= 0 or not dev:
        return []
    consensus = dict(zip(calibration.pairs["pair_id"].astype(int), calibration.pairs["consensus"].astype(int), strict=True))
    chosen: dict[int, list[tuple[int, str | None]]] = {}
    for row in adjudication_store.latest_verdicts(db, dev, calibration.criterion).itertuples():
        pair_id = int(row.pair_id)
        if pair_id not in dev:  # the store was asked for dev pairs only; this holds the line if that changes
            continue
        if pd.notna(row.score):  # a score the engineer gave
            score = int(row.score)
        elif row.verdict in CONSENSUS_STANDS:
            score = consensus[pair_id]
        else:
            continue
        level = chosen.setdefault(score, [])
        if len(level) < per_score:
            level.append((pair_id, str(row.note) if pd.notna(row.note) else None))
    examples = []
    for score in sorted(chosen, reverse=True):
        for pair_id, note in chosen[score]:
            pair = pair_store.pair(db, pair_id)
            if pair is not None:
                examples.append(Example(pair_id, score, pair.request, pair.ground_truth, pair.generated, note))
    return examples


def examples_text(examples: list[Example]) -> str:
    """The examples as the judge reads them (data, inside the ``<examples>`` block)."""
    if not examples:
        return "(no adjudicated examples in this calibration set's dev pairs yet)"
    parts = []
    for number, e in enumerate(examples, 1):
        lines = [f"Example {number}: score {e.score}", f"request: {e.request or '(none recorded)'}",
                 f"ground truth: {e.ground_truth}", f"generated: {e.generated}"]  # fmt: skip
        if e.note:
            lines.append(f"why: {e.note}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
