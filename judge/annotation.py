"""The annotator's work: the rubric, the queue, and recording a rating exactly once."""

from __future__ import annotations

import pandas as pd

from judge.config import Settings
from judge.dataset_rubric import criteria_of, rubric_for
from judge.errors import JudgeError
from judge.judgment import ScoreError, valid_score
from judge.scale import Scale
from storage import Database, labels
from storage import pairs as pair_store
from storage import ratings as rating_store

__all__ = ["criteria", "next_pair", "previous_rating", "recent_ratings", "rubric_lines", "scale_of_dataset",
           "submit_rating"]

Scores = dict[str, int]
"""A person's rating of a pair: criterion -> score ('' -> score on a dataset that names no criteria)."""


def criteria(db: Database, dataset: str) -> list[str]:
    """The criteria a pair of the dataset is rated on, in order ([''] when it names none)."""
    return criteria_of(db, dataset)


def scale_of_dataset(db: Database, dataset: str, criterion: str = "") -> Scale:
    """The scale the dataset (its ``criterion``) is rated on: its rubric's points."""
    return rubric_for(db, dataset, criterion).scale


def rubric_lines(db: Database, dataset: str, criterion: str = "") -> dict[int, tuple[str, str]]:
    """Score -> (name, meaning), from the dataset's rubric (the one the offline judge scores by too)."""
    return rubric_for(db, dataset, criterion).lines


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


def _history(db: Database, annotator: str, dataset: int) -> list[tuple[int, str, Scores, str | None]]:
    """(pair, external id, current scores, note) of each pair this annotator rated, oldest first."""
    frame = rating_store.annotator_history(db, annotator, dataset)
    found: dict[int, tuple[int, str, Scores, str | None]] = {}
    for pair, criterion, score, note, external in zip(frame["pair_id"], frame["criterion"], frame["score"],
                                                      frame["note"], frame["external_id"], strict=True):  # fmt: skip
        entry = found.setdefault(int(pair), (int(pair), str(external), {}, None if pd.isna(note) else str(note)))
        entry[2][str(criterion)] = int(score)
    return list(found.values())


def previous_rating(
    db: Database, annotator: str, dataset: int, current: int | None
) -> tuple[int, Scores, str | None] | None:
    """(pair, current scores, note) rated just before ``current`` by this annotator.

    When ``current`` is a pair they have not rated, that is their latest rating;
    None when there is nothing earlier.
    """
    history = _history(db, annotator, dataset)
    ids = [pair for pair, *_ in history]
    position = ids.index(current) if current in ids else len(ids)
    if position == 0:
        return None
    pair, _, scores, note = history[position - 1]
    return pair, scores, note


def recent_ratings(
    db: Database, annotator: str, dataset: int, count: int = 5
) -> list[tuple[int, str, Scores, str | None]]:
    """(pair, its external id, current scores, note) of this annotator's last ``count`` pairs in the dataset,
    latest first."""
    return _history(db, annotator, dataset)[-count:][::-1]


def submit_rating(
    db: Database,
    settings: Settings,
    *,
    pair_id: int,
    annotator: str,
    score: int | None = None,
    scores: Scores | None = None,
    note: str,
    seconds: float | None,
    token: str,
    editing: bool,
    dataset: int | None = None,
) -> rating_store.Outcome:
    """Record a rating: ``score`` on a dataset that names no criteria, else ``scores``, one per criterion of the
    dataset (all of them, saved together or not at all). The same ``token`` twice records it once. Editing
    appends new events.

    ``dataset``: the dataset on the annotator's screen; a pair of another one is refused (a key press
    must never rate a pair the person did not mean)."""
    if not settings.may_annotate(annotator):
        raise JudgeError(f"{annotator!r} is not on the list of annotators")
    pair = pair_store.pair(db, pair_id)
    if dataset is not None and (pair is None or pair_store.dataset_id(db, pair.dataset) != dataset):
        raise JudgeError(
            "That pair is not in the dataset on your screen; nothing was saved. Rate the pair shown now."
        )
    if pair is None:
        raise JudgeError("That pair no longer exists; nothing was saved.")
    given = dict(scores) if scores is not None else {"": score} if score is not None else {}
    wanted = criteria_of(db, pair.dataset)
    if sorted(given) != sorted(wanted):
        missing = [c for c in wanted if c not in given]
        raise JudgeError(
            f"A rating of this pair gives a score for {', '.join(wanted)}; missing: {', '.join(missing)}. "
            "Nothing was saved." if missing else "That is not a criterion of this pair's dataset; nothing was saved."
        )
    checked: Scores = {}
    for criterion in wanted:  # the one score check, as for judge answers and imports, on the criterion's scale
        try:
            checked[criterion] = valid_score(given[criterion], rubric_for(db, pair.dataset, criterion).scale)
        except ScoreError as e:
            raise JudgeError(f"{criterion}: {e}" if criterion else str(e)) from None
    text = note.strip() or None
    if wanted == [""]:
        ratings = [rating_store.NewRating(pair_id, annotator, checked[""], text, seconds, token)]
    else:  # one event per criterion, each under a token made from the showing's and every score given: the same
        # rating sent twice is one, and another rating of the same showing (another tab) is never taken for it
        given_all = ".".join(str(checked[c]) for c in wanted)
        ratings = [rating_store.NewRating(pair_id, annotator, checked[c], text, seconds, f"{token}-{given_all}-{i}",
                                          criterion=c) for i, c in enumerate(wanted)]  # fmt: skip
    return rating_store.record_ratings(db, ratings, first_only=not editing)
