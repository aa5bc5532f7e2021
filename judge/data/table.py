"""Pairs with their ratings from one table: one row per rating, in the layout people's files have.

A study file often holds, per row, the item rated, sometimes who rated it, and one column of scores per
question (the HANNA user study: an explanation, three rows per explanation, six yes/no flags). This
import takes such a file as it is, by naming its columns: the text rated (``generated``), what it answers
(``ground_truth``), optionally an id and an annotator column, and one or more score columns. Several score
columns become the criteria of one dataset (each on the declared scale), so that the pairs are stored once
and every figure is of one criterion; one score column is the dataset's one score. Without an annotator column, raters are numbered in file order
within each item (rater 1, 2, 3), which is how such files are laid out.

All or nothing: every row is checked (columns present, each score on the scale, named by row and column)
before anything is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.data.files import AT, ITEM, PLACE, bulk, read_rows
from judge.data.importer import ImportRejected, ImportReport, check_same_scale, import_pairs_of, located
from judge.data.records import RowError, RowInvalid, prepare_pair
from judge.dataset_rubric import check_criterion_name, criteria_of, declare_criteria, scale_of
from judge.errors import JudgeError
from judge.scale import Scale, ScaleError
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store

__all__ = ["TableImport", "TableMapping", "criterion_names", "import_rating_table", "table_columns"]


@dataclass(frozen=True)
class TableMapping:
    generated: str  # the column with what was rated
    ground_truth: str  # the column with what it answers (a prompt, a story id)
    scores: tuple[str, ...]  # one criterion per column (one column: the dataset's one score)
    annotator: str | None = None  # None: rater 1, 2, ... in file order within each item
    external_id: str | None = None  # None: made from the two texts
    raters: bool = False  # each score column is one rater (named by the column) of the dataset's one score
    generator: str | None = None  # the column naming what made the text rated (a model): the Generators page
    lists: bool = False  # cells hold lists, one value per item (unrolled, each item named in an ``item`` column)


@dataclass
class TableImport:
    dataset: str = ""
    criteria: dict[str, ImportReport] = field(default_factory=dict)  # criterion ('' for one score) -> ratings
    pairs: int = 0  # pairs added

    def __str__(self) -> str:
        parts = [f"{name or 'ratings'}: {report.added} added, {report.skipped} already present"
                 for name, report in self.criteria.items()]  # fmt: skip
        return f"dataset {self.dataset}: {self.pairs} pairs added; " + "; ".join(parts)


def table_columns(path: Path, lists: bool = False) -> list[str]:
    """The columns of a file, in the order they first appear (rows of a JSON Lines file may differ); ``lists``:
    of the file with its lists unrolled (an ``item`` column first)."""
    rows = read_rows(path, lists)
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    found = list(dict.fromkeys(column for row in rows for column in row if column != PLACE))
    return [ITEM, AT, *(c for c in found if c not in (ITEM, AT))] if lists else found


def criterion_names(mapping: TableMapping) -> dict[str, str]:
    """Score column -> the criterion it rates ('' when there is one column, or the columns are raters: the
    dataset's one score)."""
    if len(mapping.scores) == 1 or mapping.raters:
        return {column: "" for column in mapping.scores}
    return {column: column.strip() for column in mapping.scores}


def _check_criteria(db: Database, dataset: str, names: dict[str, str], scale: Scale) -> None:
    """Refuse, before anything is stored, a dataset whose criteria (or scale) are not these."""
    if pair_store.dataset_id(db, dataset) is None:
        return
    have = criteria_of(db, dataset)
    wanted = list(names.values())
    if wanted == [""] or have == [""]:
        if wanted != have:
            raise JudgeError(f"dataset {dataset!r} is rated on {'one score' if have == [''] else ', '.join(have)}, "
                             f"not {'one score' if wanted == [''] else ', '.join(wanted)}: import into a new "
                             "dataset")  # fmt: skip
        check_same_scale(db, dataset, scale)
        return
    if sorted(wanted) != sorted(have):  # a criterion more or less would leave pairs without it
        raise JudgeError(f"dataset {dataset!r} is rated on {', '.join(have)}, not {', '.join(wanted)}: the score "
                         "columns of a file into it are the same criteria; import other criteria into a new "
                         "dataset")  # fmt: skip
    for name in wanted:
        if name in have:
            current = scale_of(db, dataset, name)
            if (current.points, current.labels, current.pass_at) != (scale.points, scale.labels or current.labels,
                                                                      scale.pass_at):  # fmt: skip
                raise JudgeError(f"criterion {name!r} of dataset {dataset!r} is on the {current.describe()} scale, "
                                 f"not {scale.describe()}: import into a new dataset")  # fmt: skip


@bulk()
def import_rating_table(db: Database, path: Path, dataset: str, mapping: TableMapping, scale: Scale) -> TableImport:
    """Pairs and ratings from one table into ``dataset``, each score column a criterion on ``scale``."""
    if not mapping.scores:
        raise JudgeError("choose the column (or columns) with the scores")
    if mapping.raters and mapping.annotator:
        raise JudgeError("the score columns are the raters, so there is no column of who rated: leave it out")
    if mapping.lists and (named := [c for c in mapping.scores if c in (ITEM, AT)]):
        raise JudgeError(f"{named[0]!r} names each item of the lists; it holds no scores")
    if len(set(mapping.scores)) != len(mapping.scores):
        raise JudgeError("a score column is chosen twice")
    rows = read_rows(path, mapping.lists)
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    wanted = [c for c in (mapping.generated, mapping.ground_truth, mapping.annotator, mapping.external_id,
                          mapping.generator, *mapping.scores) if c is not None]  # fmt: skip
    have = list(dict.fromkeys(column for row in rows for column in row))
    missing = [c for c in dict.fromkeys(wanted) if c not in have]
    if missing:
        raise JudgeError(f"{path.name}: no column {', '.join(map(repr, missing))}; the file has "
                         f"{', '.join(map(repr, have))}")  # fmt: skip
    names = criterion_names(mapping)
    if len(set(names.values())) != len(names) and not mapping.raters:
        raise JudgeError("each score column names a criterion: the columns' names must differ from each other")
    criteria = list(dict.fromkeys(names.values()))  # raters' columns: all of the one score
    for name in criteria:
        if name:
            check_criterion_name(name)
    _check_criteria(db, dataset, {name: name for name in criteria}, scale)  # before anything is stored
    pairs: dict[str, Any] = {}  # external id -> NewPair, in file order
    ratings: dict[str, list[tuple[str, int, str]]] = {column: [] for column in mapping.scores}
    seen: dict[str, int] = {}  # external id -> ratings so far (to number raters)
    given: dict[tuple[str, str], int] = {}  # (external id, rater) -> the row that rated it
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        try:
            pair = prepare_pair({
                "kind": "text", "ground_truth": _cell(row, mapping.ground_truth, "ground_truth"),
                "generated": _cell(row, mapping.generated, "generated"),
                "external_id": _cell(row, mapping.external_id, "external_id") if mapping.external_id else None,
                "generator_model": _cell(row, mapping.generator, "generator") if mapping.generator else None,
            })  # fmt: skip
            earlier = pairs.setdefault(pair.external_id, pair)
            if earlier.content_hash != pair.content_hash:
                raise RowInvalid(mapping.external_id or "external_id",
                                 f"{pair.external_id!r} is given before for another text")  # fmt: skip
            seen[pair.external_id] = seen.get(pair.external_id, 0) + 1
            who = (_cell(row, mapping.annotator, "annotator") if mapping.annotator
                   else f"rater {seen[pair.external_id]}")  # fmt: skip
            for column in mapping.scores:
                rater = column if mapping.raters else who
                earlier_row = given.setdefault((pair.external_id, rater), number)
                if earlier_row != number:
                    raise RowInvalid(mapping.annotator or mapping.external_id or "annotator",
                                     f"{rater!r} rated {pair.external_id!r} already in row {earlier_row}: one "
                                     "rating per person and item")  # fmt: skip
                if mapping.raters and row.get(column) is None:
                    continue  # a rater who did not rate this item
                try:
                    score = scale.check(row.get(column))
                except ScaleError as e:
                    raise RowInvalid(column, str(e)) from None
                ratings[column].append((pair.external_id, score, rater))
        except RowInvalid as e:
            errors.append(RowError(*located(row, number, e.field), e.reason))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    found = TableImport(dataset)
    one = criteria == [""]
    found.pairs = import_pairs_of(db, dataset, list(pairs.values()), scale if one else None).added
    if not one:
        declare_criteria(db, dataset, {name: scale for name in names.values()})
    ids = dict(zip(*(pair_store.pairs_frame(db, dataset)[c] for c in ("external_id", "pair_id")), strict=True))
    every: dict[str, list[rating_store.NewRating]] = {name: [] for name in criteria}
    for column, name in names.items():
        every[name] += [rating_store.NewRating(int(ids[external]), who, score, None, None,
                                               "table:" + _digest([dataset, external, who, column, score]), criterion=name)
                        for external, score, who in ratings[column]]  # fmt: skip
    before = {name: _count(db, dataset, name) for name in every}
    rating_store.add_ratings(db, [r for part in every.values() for r in part])  # every criterion in one transaction
    for name, part in every.items():
        added = _count(db, dataset, name) - before[name]
        found.criteria[name] = ImportReport(added, len(part) - added)
    return found


def _count(db: Database, dataset: str, criterion: str) -> int:
    return len(rating_store.ratings_frame(db, dataset, current_only=False, criterion=criterion))


def _cell(row: dict[str, Any], column: str | None, field: str) -> str:
    value = row.get(column) if column else None
    if value is None or not str(value).strip():
        raise RowInvalid(column or field, f"empty: the {field.replace('_', ' ')} of the pair is needed")
    return str(value)


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]
