"""Imports (all-or-nothing, idempotent) and exports of pairs, ratings and judgments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from judge.data.files import AT, ITEM, PLACE, bulk, read_rows, write_table
from judge.data.records import Definitions, RowError, RowInvalid, judgment_row, prepare_pair, score_value
from judge.dataset_rubric import (
    choose_criterion,
    criteria_of,
    declare_scale,
    no_such_criterion,
    rubric_for,
    run_criterion,
)
from judge.errors import JudgeError
from judge.judgment import Judgment, ScoreError, valid_seconds
from judge.scale import Scale
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["LAYOUTS", "ImportRejected", "ImportReport", "check_same_scale", "export", "import_judgments",
           "import_pairs", "import_pairs_of", "import_ratings", "read_table"]

MAX_REPORTED_ERRORS = 20
T = TypeVar("T")


class ImportRejected(JudgeError):
    """Some rows are invalid: the file is rejected whole and nothing is stored."""

    def __init__(self, path: Path, errors: list[RowError], total: int, hint: str = "") -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:MAX_REPORTED_ERRORS])
        more = (
            f" (and {total - len(errors[:MAX_REPORTED_ERRORS])} more)" if total > MAX_REPORTED_ERRORS else ""
        )
        super().__init__(f"{path.name}: nothing imported" + (f". {hint}" if hint else "") + f": {shown}{more}")


@dataclass(frozen=True)
class ImportReport:
    added: int
    skipped: int
    run_id: int | None = None  # judgments: the run made or added to
    run_name: str | None = None
    new_run: bool = False
    runs: tuple[str, ...] = ()  # a wide judgments file: the runs, one per judge column

    def __str__(self) -> str:
        counts = f"{self.added} added, {self.skipped} already present"
        if len(self.runs) > 1:
            return f"{counts}, in {len(self.runs)} runs ({', '.join(self.runs)})"
        if self.run_id is None:
            return counts
        return f"{counts}, {'in a new' if self.new_run else 'added to'} run {self.run_id} ({self.run_name})"


LAYOUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pairs": (("ground_truth", "generated"),
              ("external_id", "kind", "request", "generator_model", "metadata")),
    "ratings": (("external_id", "annotator", "score"), ("note", "seconds", "created_at", "token", "criterion")),
    "judgments": (("external_id", "score"),
                  ("error", "failure", "reasoning", "sample", "criterion", "prompt", "raw_response", "model",
                   "input_tokens", "output_tokens", "cost_usd", "latency_ms", "evidence")),
}  # fmt: skip
"""What each kind of file holds: the columns it needs, and those it may have."""


WIDE = "_wide"
"""Where a long row made from a wide one keeps the file's row and column (errors name those)."""


WHO = {"ratings": "annotator", "judgments": "judge"}
"""In a wide file, what each score column is: an annotator (ratings), or a judge, each a run (judgments)."""


def _long(rows: list[dict[str, Any]], fields: tuple[str, ...], path: Path, who: str,
          columns: Sequence[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """A wide file, one column per annotator or judge (``who``: their score of the row's pair in each cell), as
    one row per score; ``columns``: which columns are scores (default: every column that is not a field). The
    rows remember where in the file each score was."""
    have = list(dict.fromkeys(column for row in rows for column in row if column != PLACE))
    made = (ITEM, AT) if rows and PLACE in rows[0] else ()  # what unrolling lists adds: names, not scores
    scored = [c for c in have if c not in fields and c not in made] if columns is None else list(columns)
    if unknown := [c for c in scored if c not in have]:
        raise JudgeError(f"{path.name}: no column {', '.join(map(repr, unknown))}; it has {', '.join(map(repr, have))}")
    if named := [c for c in scored if c in made]:
        raise JudgeError(f"{path.name}: {named[0]!r} names each item of the lists, it holds no {who}'s scores")
    if len(set(scored)) != len(scored):
        raise JudgeError(f"{path.name}: a {who} column is named twice ({', '.join(scored)})")
    if not scored:
        raise JudgeError(f"{path.name}: no {who} columns: in the wide layout every column but "
                         f"{', '.join(fields)} is one {who}'s scores")  # fmt: skip
    long = []
    for number, row in enumerate(rows, start=1):
        shared = {k: v for k, v in row.items() if k in fields or k == PLACE}
        long += [{**shared, who: column, "score": row[column], WIDE: (number, column)}
                 for column in scored if column in row]  # fmt: skip
    return long


def located(row: dict[str, Any], number: int, field: str) -> tuple[int, str]:
    """Where a row's error is in the file: its row, and the field or column (a score of a wide file: the
    column it was in; a value of a list: its place in the list)."""
    _, column = row.get(WIDE, (number, None))
    named = column if column is not None and field == "score" else field
    if PLACE in row:
        where, place = row[PLACE]
        return where, f"{named} (place {place} of its list)"
    return row.get(WIDE, (number, None))[0], named


def recoded(rows: list[dict[str, Any]], scores: dict[str, str]) -> list[dict[str, Any]]:
    """Each score written as a key of ``scores`` given as its value instead: a file on another scale (1-10 onto
    1-5, good/bad onto 1/0) mapped by an explicit table the person gave; a score the table does not name stays
    as written, to be read on the dataset's scale (and named as an error when it is off it)."""
    if not scores:
        return rows
    return [{**row, "score": scores.get(str(row["score"]).strip(), row["score"])} if "score" in row else row
            for row in rows]  # fmt: skip


def read_table(path: Path, what: str, mapping: dict[str, str] | None = None, wide: bool = False,
               lists: bool = False, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of a ``what`` file (pairs, ratings, judgments) with its columns named as the import expects:
    ``mapping`` says which column of the file holds a field (``score`` -> ``rating``). A field that no column
    holds is one sentence listing what the file needs and what it has, not an error on every row. ``wide``
    (ratings, judgments): one column per annotator or judge, each cell that one's score of the row's pair
    (``columns``: which are; default all but the fields). ``lists``: cells hold lists, one value per item
    (:func:`~judge.data.files.unroll`)."""
    rows = read_rows(path, lists)
    have = list(dict.fromkeys(column for row in rows for column in row if column != PLACE))
    needed, optional = LAYOUTS[what]
    mapping = dict(mapping or {})
    for field, column in mapping.items():
        if field not in needed + optional:
            raise JudgeError(f"{path.name}: {field!r} is not a field of a {what} file; its fields are "
                             f"{', '.join(needed + optional)}")  # fmt: skip
        if column not in have:
            raise JudgeError(f"{path.name}: no column {column!r} to take {field} from; the file has "
                             f"{', '.join(map(repr, have)) or 'no columns'}")  # fmt: skip
    if len(set(mapping.values())) != len(mapping):
        raise JudgeError(f"{path.name}: a column is mapped to two fields ({mapping})")
    if mapping:
        renamed = {column: field for field, column in mapping.items()}
        rows = [{renamed.get(k, k): v for k, v in row.items() if k not in mapping or k in renamed} for row in rows]
    if wide:
        if what not in WHO:
            raise JudgeError("the wide layout (one column per annotator or judge) is for ratings and judgments files")
        rows = _long(rows, tuple(f for f in needed + optional if f not in (WHO[what], "score")), path, WHO[what],
                     columns)  # fmt: skip
    present = {column for row in rows for column in row}
    errors_only = what == "judgments" and "error" in present  # a file of failed judgments has no score column
    missing = [f for f in needed if f not in present and not (f == "score" and errors_only)]
    if missing and rows:
        raise JudgeError(f"{path.name}: no column {', '.join(map(repr, missing))}. A {what} file needs "
                         f"{', '.join(needed)} (and may have {', '.join(optional)}); this one has "
                         f"{', '.join(map(repr, have))}. Name the column that holds it: --map {missing[0]}=COLUMN, "
                         "or choose it on the Import page.")  # fmt: skip
    return rows


Progress = Callable[[int, int], None]
"""Told (rows checked, rows in all) as an import goes."""
EVERY = 5_000


def _validated(path: Path, rows: list[dict[str, Any]], prepare: Callable[[dict[str, Any], int], T],
               progress: Progress | None = None) -> list[T]:  # fmt: skip
    if not rows:
        raise JudgeError(f"{path.name}: the file holds no rows")
    records, errors = [], []
    for number, row in enumerate(rows, start=1):
        if progress is not None and (number % EVERY == 0 or number == len(rows)):
            progress(number, len(rows))
        try:
            records.append(prepare(row, number))
        except RowInvalid as e:
            errors.append(RowError(*located(row, number, e.field), e.reason))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    return records


@bulk()
def import_pairs(db: Database, path: Path, dataset: str, scale: Scale | None = None,
                 mapping: dict[str, str] | None = None, progress: Progress | None = None) -> ImportReport:  # fmt: skip
    """Pairs into ``dataset`` (made when new). ``scale``: the scale a new dataset is rated and judged on (else
    1-5 with the rubric in force); an existing dataset keeps its own, and a different one is refused."""
    seen: dict[str, tuple[int, str]] = {}
    definitions: Definitions = {}  # each distinct definition of the file parsed and checked once
    check_same_scale(db, dataset, scale)

    def prepare(row: dict[str, Any], number: int) -> pair_store.NewPair:
        pair = prepare_pair(row, definitions)
        earlier = seen.setdefault(pair.external_id, (number, pair.content_hash))
        if earlier[1] != pair.content_hash:
            raise RowInvalid("external_id", f"{pair.external_id!r} is given in row {earlier[0]} for another pair")
        return pair

    return import_pairs_of(db, dataset, _validated(path, read_table(path, "pairs", mapping), prepare, progress), scale)


def check_same_scale(db: Database, dataset: str, scale: Scale | None) -> None:
    """Refuse ``scale`` for an existing dataset on another scale (points, labels or pass mark)."""
    if scale is not None and pair_store.dataset_id(db, dataset) is not None:
        current = rubric_for(db, dataset).scale
        if (current.points, current.labels, current.pass_at) != (scale.points, scale.labels or current.labels,
                                                                  scale.pass_at):  # fmt: skip
            raise JudgeError(f"dataset {dataset!r} is on the {current.describe()} scale, not {scale.describe()}: "
                             "a scale is chosen when a dataset is made; import into a new dataset")  # fmt: skip


def import_pairs_of(
    db: Database, dataset: str, pairs: list[pair_store.NewPair], scale: Scale | None = None
) -> ImportReport:
    """Checked pairs into ``dataset``; a new dataset is put on ``scale`` (an existing one must be on it)."""
    check_same_scale(db, dataset, scale)
    new = pair_store.dataset_id(db, dataset) is None
    added, present = pair_store.add_pairs(db, dataset, pairs)
    if scale is not None and new:  # an existing dataset keeps its rubric: the scale was checked to be its own
        declare_scale(db, dataset, scale)
    return ImportReport(added, present)


def _pair_ids(db: Database, dataset: str) -> dict[str, int]:
    frame = pair_store.pairs_frame(db, dataset)
    return dict(zip(frame["external_id"], frame["pair_id"].astype(int), strict=True))


def _pair_of(ids: dict[str, int], row: dict[str, Any], dataset: str) -> int:
    external = row.get("external_id")
    if external is None:
        raise RowInvalid("external_id", "missing: it names the pair")
    if str(external) not in ids:
        raise RowInvalid("external_id", f"no pair {external!r} in dataset {dataset!r}")
    return ids[str(external)]


@bulk()
def import_ratings(db: Database, path: Path, dataset: str, criterion: str | None = None,
                   mapping: dict[str, str] | None = None, wide: bool = False,
                   scores: dict[str, str] | None = None, progress: Progress | None = None,
                   lists: bool = False, columns: Sequence[str] | None = None) -> ImportReport:  # fmt: skip
    """People's ratings of ``dataset``'s pairs. On a dataset with several criteria each row names its criterion
    (a ``criterion`` column), or ``criterion`` gives it for the whole file."""
    ids = _pair_ids(db, dataset)
    named = criteria_of(db, dataset)
    scales = {c: rubric_for(db, dataset, c).scale for c in named}
    if criterion is not None and criterion not in scales:
        raise no_such_criterion(db, dataset, criterion)

    def prepare(row: dict[str, Any], number: int) -> rating_store.NewRating:
        pair_id = _pair_of(ids, row, dataset)
        given = row.get("criterion")
        which = str(given).strip() if given is not None and str(given).strip() else criterion
        if criterion is not None and which != criterion:
            raise RowInvalid("criterion", f"{which!r}, but the ratings were imported as {criterion!r} "
                             "(--criterion): leave one of the two out")  # fmt: skip
        if which is None:
            if named != [""]:
                raise RowInvalid("criterion", f"missing: dataset {dataset} is rated on {', '.join(named)}")
            which = ""
        if which not in scales:
            raise RowInvalid("criterion", str(no_such_criterion(db, dataset, which)))
        scale = scales[which]
        annotator = row.get("annotator")
        if not isinstance(annotator, str) or not annotator.strip():
            raise RowInvalid("annotator", "missing")
        score = score_value(row.get("score"), scale=scale)
        note = str(row["note"]) if row.get("note") is not None else None
        try:
            seconds = valid_seconds(_optional_number(row, "seconds"))
        except ScoreError as e:
            raise RowInvalid("seconds", str(e)) from None
        created = _timestamp(row, "created_at")
        token = row.get("token")  # an exported event keeps its own token, so importing it back adds nothing
        if token is not None and (not isinstance(token, str) or not token.strip()):
            raise RowInvalid("token", f"must be the text of an exported event's token, not {token!r}")
        parts = [dataset, row["external_id"], annotator, score, note, str(created)] + ([which] if which else [])
        token = token or "import:" + _digest(parts)
        return rating_store.NewRating(pair_id, annotator.strip(), score, note, seconds, token, created, which)

    rows = read_table(path, "ratings", mapping, wide, lists, columns)
    ratings = _validated(path, recoded(rows, scores or {}), prepare, progress)
    added = rating_store.add_ratings(db, ratings)
    return ImportReport(added, len(ratings) - added)


@bulk()
def import_judgments(db: Database, path: Path, dataset: str, run: str | None = None,
                     criterion: str | None = None, mapping: dict[str, str] | None = None,
                     scores: dict[str, str] | None = None, progress: Progress | None = None, wide: bool = False,
                     lists: bool = False, columns: Sequence[str] | None = None) -> ImportReport:  # fmt: skip
    """External judge scores; each file becomes (or adds to) a run named ``run`` (default: the file name) that
    scored ``criterion`` (on a dataset with several, it must be named). ``wide``: one column per judge
    (``columns``: which), each column a run named after it, all stored in one transaction.

    A (pair, sample) the file gives twice, or that the run already holds with another score, refuses the
    file: an import never silently keeps one of two different judgments."""
    ids = _pair_ids(db, dataset)
    criterion = choose_criterion(db, dataset, criterion)
    scale = rubric_for(db, dataset, criterion).scale
    dataset_key = pair_store.dataset_id(db, dataset)
    if wide and run is not None:
        raise JudgeError("a wide file names its runs by its judge columns: leave --run out")
    runs: dict[str, int | None] = {}
    stored: dict[str, dict[tuple[int, int], int | None]] = {}
    seen: dict[tuple[str, int, int], int] = {}

    def run_of(name: str) -> int | None:
        if name not in runs:
            found = run_store.find_run(db, name, "external", dataset_key)
            if found is not None and run_criterion(db, found) != criterion:
                raise RowInvalid("judge" if wide else "run",
                                 f"run {name!r} scored {run_criterion(db, found) or 'the one score'}, not "
                                 f"{criterion}: import another criterion's judgments as a run of its own (--run NAME)")  # fmt: skip
            runs[name] = found
            stored[name] = result_store.stored_scores(db, found) if found is not None else {}
        return runs[name]

    def prepare(row: dict[str, Any], number: int) -> tuple[str, Judgment]:
        named = row.get("criterion")
        if named is not None and str(named).strip() and str(named).strip() != criterion:
            raise RowInvalid("criterion", f"{str(named).strip()!r}, but the run scores {criterion or 'the one score'}: "
                             "import each criterion's judgments as a run of its own (--criterion NAME)")  # fmt: skip
        name = str(row["judge"]) if wide else run or path.stem
        run_of(name)
        judgment = judgment_row(row, "external", _pair_of(ids, row, dataset), scale)
        key = (name, int(judgment.pair_id or 0), judgment.sample)
        if key in seen:
            raise RowInvalid("external_id", f"pair {row['external_id']!r}, sample {judgment.sample} is already "
                             f"given in row {seen[key]}" + (f" for {name!r}" if wide else ""))  # fmt: skip
        seen[key] = located(row, number, "score")[0]
        earlier = stored[name].get(key[1:], judgment.score)
        if earlier != judgment.score:
            was = "an error" if earlier is None else f"score {earlier}"
            raise RowInvalid("score", f"run {name!r} holds {was} for pair {row['external_id']!r}, sample "
                             f"{judgment.sample}; import a changed judgment as a new run "
                             + ("(rename its column)" if wide else "(--run NAME)"))  # fmt: skip
        return name, judgment

    rows = recoded(read_table(path, "judgments", mapping, wide, lists, columns), scores or {})
    refused: dict[str, int] = {}  # a wide file: judge column -> its rows in error

    def counted(row: dict[str, Any], number: int) -> tuple[str, Judgment]:
        try:
            return prepare(row, number)
        except RowInvalid:
            if wide:
                refused[str(row["judge"])] = refused.get(str(row["judge"]), 0) + 1
            raise

    try:
        judged = _validated(path, rows, counted, progress)
    except ImportRejected as e:
        if not refused:
            raise
        named = ", ".join(f"{column!r} ({n} {'rows' if n > 1 else 'row'})" for column, n in refused.items())
        raise ImportRejected(path, e.errors, len(e.errors), f"Judge columns with errors: {named}; leave them out "
                             "to import the others, or map their scores (--score-map)") from None  # fmt: skip
    made: list[str] = []
    added = 0
    with db.transaction() as cursor:  # every run of the file, or none
        for name in runs:
            run_id = runs[name]
            if run_id is None:
                run_id = runs[name] = run_store.insert_run(cursor, name=name, judge_kind="external", status="imported",
                                                           source=path.name, dataset_id=dataset_key, criterion=criterion)  # fmt: skip
                made.append(name)
            added += result_store.insert_judgments(cursor, run_id, [j for n, j in judged if n == name])
    first = next(iter(runs), run or path.stem)
    return ImportReport(added, len(judged) - added, runs.get(first), first, bool(made), tuple(runs))


def export(db: Database, what: str, path: Path, dataset: str | None = None) -> int:
    """Write pairs, ratings (every event) or judgments to a file; returns the number of rows."""
    if what == "pairs":
        frame = pair_store.pairs_frame(db, dataset)
    elif what == "ratings":
        frame = rating_store.ratings_frame(db, dataset, current_only=False)
    elif what == "judgments":
        frame = result_store.results_frame(db, repeats=True)
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
    """A moment in UTC without a zone (as stored): a time with a zone is converted to UTC, one without is
    taken as UTC; a bare number is refused (seconds or milliseconds since when?)."""
    value = row.get(field)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise RowInvalid(field, f"write the date and time, e.g. 2026-12-01T09:30:00Z, not the number {value!r}")
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise RowInvalid(field, f"not a date and time: {value!r}") from None
    if pd.isna(moment):
        raise RowInvalid(field, f"not a date and time: {value!r}")
    if moment.tzinfo is not None:
        moment = moment.tz_convert("UTC").tz_localize(None)
    return moment.to_pydatetime()


_ENCODER = json.JSONEncoder(default=str)  # json.dumps(parts, default=str) without making an encoder per row


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(_ENCODER.encode(parts).encode()).hexdigest()[:32]
