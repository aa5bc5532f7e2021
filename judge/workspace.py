"""What the pages read and do, in the library's words: the pages call here (or a feature module), never
storage. Reads take the database first and return plain values or frames, so the UI can cache them;
writes say what they change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from judge.dataset_rubric import criteria_of
from judge.errors import JudgeError
from storage import Database, labels
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from storage.kinds import Verdict
from storage.pairs import Pair

__all__ = [
    "EXPORTS",
    "adjudicate",
    "adjudications",
    "between_points",
    "criteria",
    "datasets",
    "exclude",
    "export_frame",
    "export_rows",
    "first_in_queue",
    "include",
    "judgment_detail",
    "label_kinds",
    "pair",
    "pair_ratings",
    "put_first",
    "reveal",
    "run_results",
    "runs",
]

Export = Literal["pairs", "ratings", "judgments"]
EXPORTS: tuple[Export, ...] = ("pairs", "ratings", "judgments")


def datasets(db: Database) -> pd.DataFrame:
    """Every dataset with its id, name, description and number of pairs, oldest first."""
    return pair_store.datasets(db)


def criteria(db: Database, dataset: str) -> list[str]:
    """The dataset's criteria in order ([''] when it names none)."""
    return criteria_of(db, dataset)


def runs(db: Database, dataset: str | None = None, *, unassigned: bool = False,
         criterion: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Every judge run, newest first (those of ``dataset`` when given; ``unassigned``: with the runs that
    belong to no dataset too; ``criterion``: only the runs that scored it)."""
    frame = run_store.runs_frame(db)
    if dataset is None:
        return frame
    kept = frame["dataset"] == dataset
    if criterion is not None:
        kept &= frame["criterion"] == criterion
    if unassigned:
        kept |= frame["dataset"].isna()
    return frame[kept].reset_index(drop=True)


def pair(db: Database, pair_id: int) -> Pair:
    found = pair_store.pair(db, pair_id)
    if found is None:
        raise JudgeError(f"no pair with id {pair_id}")
    return found


def pair_ratings(db: Database, pair_id: int) -> pd.DataFrame:
    """Every rating event of one pair, oldest first, with how it was given and whether it counts."""
    return rating_store.pair_ratings(db, pair_id)


def run_results(db: Database, run_id: int) -> pd.DataFrame:
    """Every result of a run, one row per (pair, sample), repeats included."""
    return result_store.results_frame(db, run_id, repeats=True)


def between_points(db: Database, run_id: int) -> int:
    """How many of a run's scores are numbers between the scale's points (a mean of samples, 3.67)."""
    frame = result_store.results_frame(db, run_id)
    given = frame["value"].notna() & frame["score"].notna()
    return int((frame.loc[given, "value"].astype(float) != frame.loc[given, "score"].astype(float)).sum())


def judgment_detail(db: Database, run_id: int, pair_id: int) -> list[dict[str, object]]:
    """Every sample of one pair in one run, with its whole transcript. Whoever reads it has seen the judge's
    score: :func:`reveal` first."""
    return result_store.result_detail(db, run_id, pair_id)


def label_kinds(db: Database, pair_ids: Sequence[int], criterion: str = "") -> dict[str, int]:
    """How many labels of each kind (blind, after a reveal, imported, adjudicated) the pairs rest on, on
    ``criterion``."""
    return labels.label_kinds(db, list(pair_ids), criterion)


def adjudications(db: Database, run_id: int) -> pd.DataFrame:
    """The latest verdict per pair of a run."""
    return adjudication_store.adjudications_frame(db, run_id)


def export_frame(db: Database, what: Export, dataset: str) -> pd.DataFrame:
    """A dataset's pairs, ratings (every event, with its token so that importing it back adds nothing) or
    judgments, as exported."""
    if what == "pairs":
        return pair_store.pairs_frame(db, dataset)
    if what == "ratings":
        return rating_store.ratings_frame(db, dataset, current_only=False).drop(columns=["consensus_rule"])
    if what == "judgments":
        frame = result_store.results_frame(db, repeats=True).drop(columns=["consensus_rule"])
        return frame[frame["dataset"] == dataset].reset_index(drop=True)
    raise JudgeError(f"cannot export {what!r}; choose one of {', '.join(EXPORTS)}")


def raters(db: Database, dataset: str) -> list[str]:
    """Everyone who rated ``dataset`` (those left out of the consensus too), by name."""
    return sorted({str(a) for a in rating_store.ratings_frame(db, dataset, everyone=True)["annotator"]})


def export_rows(db: Database, what: Export, dataset: str) -> int:
    """How many rows :func:`export_frame` gives (a count for a button's label, not the table)."""
    return len(export_frame(db, what, dataset))


# ---- writes ----------------------------------------------------------------------------------------


def reveal(db: Database, who: str, pair_ids: Sequence[int]) -> None:
    """``who`` is being shown a judge's score of these pairs: their later ratings of them are not blind."""
    labels.record_reveal(db, who, [int(p) for p in pair_ids])


def exclude(db: Database, annotator: str, by: str, reason: str | None) -> None:
    """Leave a person's ratings out of the consensus (kept, and :func:`include` undoes it)."""
    labels.exclude(db, annotator, by, reason)


def include(db: Database, annotator: str) -> None:
    labels.include(db, annotator)


def put_first(db: Database, dataset: str, pairs: pd.DataFrame, who: str) -> int:
    """Put these pairs (``pair_id``, ``why``), in order, first in every annotator's queue of ``dataset`` (after
    the overlap pairs), leaving out any of another dataset (a run imported without one may hold such pairs);
    an empty frame clears the list. Returns how many."""
    found = pair_store.dataset_id(db, dataset)
    if found is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    mine = set(pair_store.pairs_frame(db, dataset)["pair_id"].astype(int))
    chosen = [(int(p), str(w)) for p, w in zip(pairs["pair_id"], pairs["why"], strict=True) if int(p) in mine]
    if len(pairs) and not chosen:
        raise JudgeError(f"none of these pairs is of dataset {dataset!r}: choose the dataset of the run in the sidebar")
    return rating_store.set_rate_first(db, found, chosen, who)


def first_in_queue(db: Database, dataset: str) -> pd.DataFrame:
    """The pairs put first in the queue of ``dataset``, in order."""
    found = pair_store.dataset_id(db, dataset)
    return rating_store.rate_first(db, found) if found is not None else pd.DataFrame()


def adjudicate(db: Database, run_id: int, pair_id: int, verdict: Verdict, note: str | None, who: str,
               score: int | None = None) -> None:  # fmt: skip
    """An engineer's verdict on a disagreement, optionally with the score the pair deserves."""
    adjudication_store.add_adjudication(db, run_id, pair_id, verdict, note, who, score)
