"""The annotator's work: the rubric, the queue, and recording a rating exactly once."""

from __future__ import annotations

import pandas as pd

from judge.config import Settings
from judge.dataset_rubric import rubric_for
from judge.errors import JudgeError
from judge.judgment import ScoreError, valid_score
from judge.scale import FIVE, Scale
from storage import Database, labels
from storage import pairs as pair_store
from storage import ratings as rating_store

__all__ = ["next_pair", "previous_rating", "recent_ratings", "rubric_lines", "scale_of_dataset", "submit_rating"]


def scale_of_dataset(db: Database, dataset: str) -> Scale:
    """The scale the dataset is rated on: its rubric's points."""
    return rubric_for(db, dataset).scale


def rubric_lines(db: Database, dataset: str) -> dict[int, tuple[str, str]]:
    """Score -> (name, meaning), from the dataset's rubric (the one the offline judge scores by too)."""
    return rubric_for(db, dataset).lines


def next_pair(
    db: Database, settings: Settings, annotator: str, dataset: int, skipped: list[int]
) -> int | None:
    """The next pair for this annotator, or None when nothing is left for them.

    One pair in every ``settings.gold_every`` is a gold pair (adjudicated, so each person's accuracy can be
    measured on it), unmarked, while there are gold pairs they have not rated."""
    found = rating_store.queue(db, annotator, dataset, settings.annotators_per_pair, skipped, overlap=settings.overlap)
    if not found:
        return None
    if not settings.gold_every or not (gold := labels.gold_pairs(db, dataset)):  # one cheap query when none
        return found[0]
    due = (rating_store.rated_count(db, annotator, dataset) + 1) % settings.gold_every == 0
    if due and not set(skipped) & gold:  # a skipped gold pair: no other one now
        served = labels.gold_queue(db, annotator, dataset, list(skipped))
        if served is not None:
            return served
    return found[0]


def previous_rating(
    db: Database, annotator: str, dataset: int, current: int | None
) -> tuple[int, int, str | None] | None:
    """(pair, current score, note) rated just before ``current`` by this annotator.

    When ``current`` is a pair they have not rated, that is their latest rating;
    None when there is nothing earlier.
    """
    frame = rating_store.annotator_history(db, annotator, dataset)
    ids = [int(p) for p in frame["pair_id"]]
    position = ids.index(current) if current in ids else len(ids)
    if position == 0:
        return None
    row = frame.iloc[position - 1]
    return int(row["pair_id"]), int(row["score"]), None if pd.isna(row["note"]) else str(row["note"])


def recent_ratings(
    db: Database, annotator: str, dataset: int, count: int = 5
) -> list[tuple[int, str, int, str | None]]:
    """(pair, its external id, current score, note) of this annotator's last ``count`` pairs in the dataset,
    latest first."""
    frame = rating_store.annotator_history(db, annotator, dataset).tail(count).iloc[::-1]
    return [
        (int(p), str(e), int(s), None if pd.isna(n) else str(n))
        for p, e, s, n in zip(frame["pair_id"], frame["external_id"], frame["score"], frame["note"], strict=True)
    ]


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
    dataset: int | None = None,
) -> rating_store.Outcome:
    """Record a rating; the same ``token`` twice records it once. Editing appends a new event.

    ``dataset``: the dataset on the annotator's screen; a pair of another one is refused (a key press
    must never rate a pair the person did not mean)."""
    if not settings.may_annotate(annotator):
        raise JudgeError(f"{annotator!r} is not on the list of annotators")
    pair = pair_store.pair(db, pair_id)
    if dataset is not None and (pair is None or pair_store.dataset_id(db, pair.dataset) != dataset):
        raise JudgeError(
            "That pair is not in the dataset on your screen; nothing was saved. Rate the pair shown now."
        )
    try:  # the one score check, as for judge answers and imports, on the pair's own scale
        score = valid_score(score, rubric_for(db, pair.dataset).scale if pair is not None else FIVE)
    except ScoreError as e:
        raise JudgeError(str(e)) from None
    rating = rating_store.NewRating(pair_id, annotator, score, note.strip() or None, seconds, token)
    return rating_store.record_rating(db, rating, first_only=not editing)
