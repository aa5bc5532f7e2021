"""The annotator's work: the rubric, the queue, and recording a rating exactly once."""

from __future__ import annotations

import pandas as pd

from judge.config import Settings
from judge.errors import JudgeError
from judge.rubric import current_rubric
from storage import Database
from storage import queries as q

__all__ = ["next_pair", "previous_rating", "rubric_lines", "submit_rating"]

def rubric_lines() -> dict[int, tuple[str, str]]:
    """Score -> (name, meaning), from the rubric in force (the one the offline judge scores by too)."""
    return current_rubric().lines


def next_pair(
    db: Database, settings: Settings, annotator: str, dataset: int, skipped: list[int]
) -> int | None:
    """The next pair for this annotator, or None when nothing is left for them."""
    found = q.queue(db, annotator, dataset, settings.annotators_per_pair, skipped)
    return found[0] if found else None


def previous_rating(
    db: Database, annotator: str, dataset: int, current: int | None
) -> tuple[int, int, str | None] | None:
    """(pair, current score, note) rated just before ``current`` by this annotator.

    When ``current`` is a pair they have not rated, that is their latest rating;
    None when there is nothing earlier.
    """
    frame = q.annotator_history(db, annotator, dataset)
    ids = [int(p) for p in frame["pair_id"]]
    position = ids.index(current) if current in ids else len(ids)
    if position == 0:
        return None
    row = frame.iloc[position - 1]
    return int(row["pair_id"]), int(row["score"]), None if pd.isna(row["note"]) else str(row["note"])


def submit_rating(
    db: Database,
    settings: Settings,
    *,
    pair_id: int,
    annotator: str,
    score: int,
    note: str,
    seconds: float | None,
    token: str,
    editing: bool,
) -> q.Outcome:
    """Record a rating; the same ``token`` twice records it once. Editing appends a new event."""
    if not settings.may_annotate(annotator):
        raise JudgeError(f"{annotator!r} is not on the list of annotators")
    if score not in rubric_lines():
        raise JudgeError(f"a score is a whole number from 1 to 5, not {score!r}")
    rating = q.NewRating(pair_id, annotator, score, note.strip() or None, seconds, token)
    return q.record_rating(db, rating, first_only=not editing)
