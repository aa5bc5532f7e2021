"""Pairs with their ratings from one table: one row per rating, in the layout people's files have.

A study file often holds, per row, the item rated, sometimes who rated it, and one column of scores per
question (the HANNA user study: an explanation, three rows per explanation, six yes/no flags). This
import takes such a file as it is, by naming its columns: the text rated (``generated``), what it answers
(``ground_truth``), optionally an id and an annotator column, and one or more score columns. Each score
column becomes a dataset of its own on the declared scale (the one dataset when there is one column), so
that every figure is of one question. Without an annotator column, raters are numbered in file order
within each item (rater 1, 2, 3), which is how such files are laid out.

All or nothing: every row is checked (columns present, each score on the scale, named by row and column)
before anything is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.data.files import read_rows
from judge.data.importer import ImportRejected, ImportReport, check_same_scale, import_pairs_of
from judge.data.records import RowError, RowInvalid, prepare_pair
from judge.errors import JudgeError
from judge.scale import Scale, ScaleError
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store

__all__ = ["TableImport", "TableMapping", "dataset_names", "import_rating_table", "table_columns"]


@dataclass(frozen=True)
class TableMapping:
    generated: str  # the column with what was rated
    ground_truth: str  # the column with what it answers (a prompt, a story id)
    scores: tuple[str, ...]  # one dataset per column
    annotator: str | None = None  # None: rater 1, 2, ... in file order within each item
    external_id: str | None = None  # None: made from the two texts


@dataclass
class TableImport:
    datasets: dict[str, ImportReport] = field(default_factory=dict)  # dataset -> ratings added
    pairs: int = 0  # pairs added (in every dataset)

    def __str__(self) -> str:
        parts = [f"{name}: {report.added} ratings added, {report.skipped} already present"
                 for name, report in self.datasets.items()]  # fmt: skip
        return f"{self.pairs} pairs added; " + "; ".join(parts)


def table_columns(path: Path) -> list[str]:
    """The columns of a file, in order (those of its first row)."""
    rows = read_rows(path)
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    return list(rows[0])


def dataset_names(dataset: str, mapping: TableMapping) -> dict[str, str]:
    """Score column -> the dataset it goes into."""
    if len(mapping.scores) == 1:
        return {mapping.scores[0]: dataset}
    return {column: f"{dataset} · {column}" for column in mapping.scores}


def import_rating_table(db: Database, path: Path, dataset: str, mapping: TableMapping, scale: Scale) -> TableImport:
    """Pairs and ratings from one table, each score column into its own dataset on ``scale``."""
    if not mapping.scores:
        raise JudgeError("choose the column (or columns) with the scores")
    rows = read_rows(path)
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    wanted = [c for c in (mapping.generated, mapping.ground_truth, mapping.annotator, mapping.external_id,
                          *mapping.scores) if c is not None]  # fmt: skip
    have = list(rows[0])
    missing = [c for c in dict.fromkeys(wanted) if c not in have]
    if missing:
        raise JudgeError(f"{path.name}: no column {', '.join(map(repr, missing))}; the file has "
                         f"{', '.join(map(repr, have))}")  # fmt: skip
    names = dataset_names(dataset, mapping)
    for name in names.values():  # every dataset checked before anything is stored
        check_same_scale(db, name, scale)
    pairs: dict[str, Any] = {}  # external id -> NewPair, in file order
    ratings: dict[str, list[tuple[str, int, str]]] = {column: [] for column in mapping.scores}
    seen: dict[str, int] = {}  # external id -> ratings so far (to number raters)
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        try:
            pair = prepare_pair({
                "kind": "text", "ground_truth": _cell(row, mapping.ground_truth, "ground_truth"),
                "generated": _cell(row, mapping.generated, "generated"),
                "external_id": _cell(row, mapping.external_id, "external_id") if mapping.external_id else None,
            })  # fmt: skip
            earlier = pairs.setdefault(pair.external_id, pair)
            if earlier.content_hash != pair.content_hash:
                raise RowInvalid(mapping.external_id or "external_id",
                                 f"{pair.external_id!r} is given before for another text")  # fmt: skip
            seen[pair.external_id] = seen.get(pair.external_id, 0) + 1
            who = (_cell(row, mapping.annotator, "annotator") if mapping.annotator
                   else f"rater {seen[pair.external_id]}")  # fmt: skip
            for column in mapping.scores:
                try:
                    score = scale.check(row.get(column))
                except ScaleError as e:
                    raise RowInvalid(column, str(e)) from None
                ratings[column].append((pair.external_id, score, who))
        except RowInvalid as e:
            errors.append(RowError(number, e.field, e.reason))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    found = TableImport()
    for column, name in names.items():
        found.pairs += import_pairs_of(db, name, list(pairs.values()), scale).added
        ids = dict(zip(*(pair_store.pairs_frame(db, name)[c] for c in ("external_id", "pair_id")), strict=True))
        given = [rating_store.NewRating(int(ids[external]), who, score, None, None,
                                        "table:" + _digest([name, external, who, column, score]))
                 for external, score, who in ratings[column]]  # fmt: skip
        added = rating_store.add_ratings(db, given)
        found.datasets[name] = ImportReport(added, len(given) - added)
    return found


def _cell(row: dict[str, Any], column: str | None, field: str) -> str:
    value = row.get(column) if column else None
    if value is None or not str(value).strip():
        raise RowInvalid(column or field, f"empty: the {field.replace('_', ' ')} of the pair is needed")
    return str(value)


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]
