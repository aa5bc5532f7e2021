"""Imports (all-or-nothing, idempotent) and exports of pairs, ratings and judgments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from judge.data.files import read_rows, write_table
from judge.data.records import RowError, RowInvalid, prepare_pair, score_value
from judge.errors import JudgeError
from storage import Database
from storage import queries as q

__all__ = ["ImportRejected", "ImportReport", "export", "import_judgments", "import_pairs", "import_ratings"]

MAX_REPORTED_ERRORS = 20
T = TypeVar("T")


class ImportRejected(JudgeError):
    """Some rows are invalid: the file is rejected whole and nothing is stored."""

    def __init__(self, path: Path, errors: list[RowError], total: int) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:MAX_REPORTED_ERRORS])
        more = (
            f" (and {total - len(errors[:MAX_REPORTED_ERRORS])} more)" if total > MAX_REPORTED_ERRORS else ""
        )
        super().__init__(f"{path.name}: nothing imported: {shown}{more}")


@dataclass(frozen=True)
class ImportReport:
    added: int
    skipped: int

    def __str__(self) -> str:
        return f"{self.added} added, {self.skipped} already present"


def _validated(path: Path, rows: list[dict[str, Any]], prepare: Callable[[dict[str, Any]], T]) -> list[T]:
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    records, errors = [], []
    for number, row in enumerate(rows, start=1):
        try:
            records.append(prepare(row))
        except RowInvalid as e:
            errors.append(RowError(number, e.field, e.reason))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    return records


def import_pairs(db: Database, path: Path, dataset: str) -> ImportReport:
    pairs = _validated(path, read_rows(path), prepare_pair)
    added, present = q.add_pairs(db, dataset, pairs)
    return ImportReport(added, present)


def _pair_ids(db: Database, dataset: str) -> dict[str, int]:
    frame = q.pairs_frame(db, dataset)
    return dict(zip(frame["external_id"], frame["pair_id"].astype(int), strict=True))


def _pair_of(ids: dict[str, int], row: dict[str, Any], dataset: str) -> int:
    external = row.get("external_id")
    if external is None:
        raise RowInvalid("external_id", "missing: it names the pair")
    if str(external) not in ids:
        raise RowInvalid("external_id", f"no pair {external!r} in dataset {dataset!r}")
    return ids[str(external)]


def import_ratings(db: Database, path: Path, dataset: str) -> ImportReport:
    ids = _pair_ids(db, dataset)

    def prepare(row: dict[str, Any]) -> q.NewRating:
        pair_id = _pair_of(ids, row, dataset)
        annotator = row.get("annotator")
        if not isinstance(annotator, str) or not annotator.strip():
            raise RowInvalid("annotator", "missing")
        score = score_value(row.get("score"))
        note = str(row["note"]) if row.get("note") is not None else None
        seconds = _optional_number(row, "seconds")
        created = _timestamp(row, "created_at")
        token = "import:" + _digest([dataset, row["external_id"], annotator, score, note, str(created)])
        return q.NewRating(pair_id, annotator.strip(), score, note, seconds, token, created)

    ratings = _validated(path, read_rows(path), prepare)
    added = q.add_ratings(db, ratings)
    return ImportReport(added, len(ratings) - added)


def import_judgments(db: Database, path: Path, dataset: str, run: str | None = None) -> ImportReport:
    """External judge scores; each file becomes (or adds to) a run named ``run`` (default: the file name)."""
    ids = _pair_ids(db, dataset)

    def prepare(row: dict[str, Any]) -> q.NewResult:
        pair_id = _pair_of(ids, row, dataset)
        error = str(row["error"]) if row.get("error") is not None else None
        score = None if error and row.get("score") is None else score_value(row.get("score"))
        reasoning = str(row["reasoning"]) if row.get("reasoning") is not None else None
        sample = int(_optional_number(row, "sample") or 0)
        return q.NewResult(pair_id, score, None if score is not None else error, reasoning, sample=sample)

    results = _validated(path, read_rows(path), prepare)
    name = run or path.stem
    run_id = q.find_run(db, name, "external")
    if run_id is None:
        dataset_key = q.dataset_id(db, dataset)
        run_id = q.create_run(db, name=name, judge_kind="external", status="imported", source=path.name,
                              dataset_id=dataset_key)  # fmt: skip
    added = q.add_results(db, run_id, results)
    return ImportReport(added, len(results) - added)


def export(db: Database, what: str, path: Path, dataset: str | None = None) -> int:
    """Write pairs, ratings (every event) or judgments to a file; returns the number of rows."""
    if what == "pairs":
        frame = q.pairs_frame(db, dataset)
    elif what == "ratings":
        frame = q.ratings_frame(db, dataset, current_only=False)
    elif what == "judgments":
        frame = q.results_frame(db)
        if dataset:
            frame = frame[frame["dataset"] == dataset]
    else:
        raise JudgeError(f"cannot export {what!r}; choose pairs, ratings or judgments")
    write_table(frame, path)
    return len(frame)


def _optional_number(row: dict[str, Any], field: str) -> float | None:
    value = row.get(field)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RowInvalid(field, f"must be a number, not {value!r}") from None


def _timestamp(row: dict[str, Any], field: str) -> Any:
    if row.get(field) is None:
        return None
    try:
        return pd.Timestamp(row[field]).tz_localize(None).to_pydatetime()
    except (TypeError, ValueError):
        raise RowInvalid(field, f"not a date and time: {row[field]!r}") from None


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
