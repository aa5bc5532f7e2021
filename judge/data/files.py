"""Reading and writing tables as JSONL, CSV or Parquet, with errors that name the file and row."""

from __future__ import annotations

import csv
import gc
import io
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow.parquet as pq

from judge.errors import JudgeError

__all__ = ["AT", "ITEM", "MAX_FILE_BYTES", "PLACE", "FileFormatError", "bulk", "jsonl_text", "read_rows", "safe_csv",
           "unroll", "write_table"]

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest file accepted for import through the app's pages (an upload is held in the server's memory)."""
MAX_READ_BYTES = 1024 * 1024 * 1024
"""Largest file read from disk (the command line): a team's 200,000 pairs are a few hundred MB."""
MAX_ROWS = 5_000_000
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""Largest Parquet contents once decompressed: a small file must not unpack into all of memory."""
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # one long definition is one cell


class FileFormatError(JudgeError):
    """The file cannot be read as a table."""


def _format(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise FileFormatError(f"{path.name}: unknown file type {path.suffix!r}; use .jsonl, .csv or .parquet")
    return kind


@contextmanager
def bulk() -> Iterator[None]:
    """Python's cycle collector paused while an import makes its millions of small, acyclic objects (rows,
    cells, pairs): it otherwise scans all of them again and again, and reading 200,000 rows took four times
    as long. Reference counting still frees everything; the collector runs again afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


ITEM, AT = "item", "place"
"""The columns that name each item of a file whose cells hold lists, and give its place (see :func:`unroll`)."""
PLACE = "_place"
"""Where in the file a row made from a list came from: (the file's row, the place in its lists from 1)."""


RESERVED = (PLACE, "_wide")
"""Names the importers give their own bookkeeping in a row: a file's column may not have them."""


def read_rows(path: Path, lists: bool = False) -> list[dict[str, Any]]:
    """The rows of a table file as dicts; empty cells are absent keys. ``lists``: cells hold lists of one
    value per item, unrolled into a row per item (:func:`unroll`)."""
    rows = _read_rows(path)
    for number, row in enumerate(rows, start=1):
        if taken := [name for name in RESERVED if name in row]:
            raise FileFormatError(f"{path.name} row {number}: a column named {taken[0]!r}, a name the import keeps "
                                  "for itself; rename the column")  # fmt: skip
    return unroll(rows, path) if lists else rows


def unroll(rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """A file whose cells hold lists, one value per item (HANNA's scores: a row per story generator, each cell
    the 96 scores of its stories), as one row per item: the values at each place of the lists, the other
    cells repeated, a ``place`` column (from 1: HANNA's writing prompt) and an ``item`` column naming it by
    the row's first cell that holds no list and the place (``GPT-2-17``). In a row, every list has the same
    length; a row without a list is an error."""
    unrolled: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        if taken := [c for c in (ITEM, AT) if c in row]:
            raise FileFormatError(f"{path.name}: the file has a column {taken[0]!r} already; unrolled items are "
                                  "named in it, so rename that column first")  # fmt: skip
        lists = {column: found for column, value in row.items() if (found := _as_list(value)) is not None}
        if not lists:
            raise FileFormatError(f"{path.name} row {number}: no cell holds a list (such as [4, 5, 3]); is this "
                                  "a file of lists?")  # fmt: skip
        lengths = {column: len(values) for column, values in lists.items()}
        if len(unrolled) + max(lengths.values()) > MAX_ROWS:  # counted before a row is unrolled, not after
            raise FileFormatError(f"{path.name}: more than {MAX_ROWS:,} items once the lists are unrolled")
        if len(set(lengths.values())) > 1:
            shortest, longest = min(lengths, key=lengths.__getitem__), max(lengths, key=lengths.__getitem__)
            raise FileFormatError(f"{path.name} row {number}: the lists differ in length ({shortest!r} has "
                                  f"{lengths[shortest]}, {longest!r} {lengths[longest]}); each place is one item")  # fmt: skip
        plain = {k: v for k, v in row.items() if k not in lists}
        name = next((str(v).strip() for v in plain.values() if str(v).strip()), f"row{number}")
        for place in range(next(iter(lengths.values()))):
            unrolled.append({**plain, ITEM: f"{name}-{place + 1}", AT: place + 1,
                             **{k: v[place] for k, v in lists.items()}, PLACE: (number, place + 1)})  # fmt: skip
    return unrolled


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            try:  # NaN and Infinity, which JSON lacks but files have: read, then refused as scores by name
                parsed = json.loads(value)
            except ValueError:
                return None
        return parsed if isinstance(parsed, list) else None
    return None


def _read_rows(path: Path) -> list[dict[str, Any]]:
    kind = _format(path)
    if not path.exists():
        raise FileFormatError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_READ_BYTES:
        raise FileFormatError(f"{path.name}: {size:,} bytes; the limit for an import is {MAX_READ_BYTES:,}")
    if kind == "jsonl":
        return _checked_count(path, _read_jsonl(path))
    if kind == "parquet":
        _check_parquet(path)
    if kind == "csv":
        return _checked_count(path, _read_csv(path))
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises many kinds for a broken file
        raise FileFormatError(f"{path.name}: cannot be read as {kind}: {e}") from e
    return _checked_count(path, [_clean(row) for row in frame.to_dict(orient="records")])


def _read_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV file (RFC 4180), each with exactly the header's fields: a row with one field more or
    less is an error of that row, never shifted into its neighbours' columns. The quote that an export
    puts before a formula-like cell is taken off again."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:  # newline="": a \r inside a cell stays
            text = file.read()
    except UnicodeDecodeError as e:
        raise FileFormatError(f"{path.name}: not UTF-8 text (byte {e.start})") from e
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return []
        doubled = sorted({name for name in header if header.count(name) > 1})
        if doubled:
            raise FileFormatError(f"{path.name}, header: the column {doubled[0]!r} is given twice")
        rows: list[dict[str, Any]] = []
        for fields in reader:
            if not fields:  # a blank line is no row: rows are numbered as the importers number them
                continue
            number = len(rows) + 1
            if len(fields) != len(header):
                raise FileFormatError(f"{path.name}, row {number}: {len(fields)} fields where the header has "
                                      f"{len(header)} ({', '.join(header)})")  # fmt: skip
            rows.append(_clean({name: _unescaped(value) for name, value in zip(header, fields, strict=True)}))
    except csv.Error as e:
        raise FileFormatError(f"{path.name}, line {reader.line_num}: cannot be read as csv: {e}") from e
    return rows


def _escaped(value: object) -> object:
    """A cell a spreadsheet would run as a formula, or one that already starts with the quote that marks
    one, gets a leading quote; :func:`_unescaped` takes exactly that quote off again."""
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or _unescaped(value) != value):
        return "'" + value
    return value


def _unescaped(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in (*_FORMULA_START, "'") and value[1:2] else value


def _checked_count(path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(rows) > MAX_ROWS:
        raise FileFormatError(f"{path.name}: {len(rows):,} rows; the limit for an import is {MAX_ROWS:,}")
    return rows


def _check_parquet(path: Path) -> None:
    """Refuse, from the footer alone, a Parquet file too big once unpacked (a 'zip bomb')."""
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet
        raise FileFormatError(f"{path.name}: cannot be read as parquet: {e}") from e
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if meta.num_rows > MAX_ROWS:
        raise FileFormatError(f"{path.name}: {meta.num_rows:,} rows; the limit for an import is {MAX_ROWS:,}")
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileFormatError(f"{path.name}: {unpacked:,} bytes once unpacked; the limit for an import is "
                              f"{MAX_UNPACKED_BYTES:,}")  # fmt: skip


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark, as some editors write, is no data
    except UnicodeDecodeError as e:
        raise FileFormatError(f"{path.name}: not UTF-8 text (byte {e.start})") from e
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except (orjson.JSONDecodeError, RecursionError) as e:
            raise FileFormatError(f"{path.name}, row {number}: not valid JSON: {e}") from e
        if not isinstance(row, dict):
            raise FileFormatError(f"{path.name}, row {number}: each line must be a JSON object")
        rows.append(_clean(row))
    return rows


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        value = value.tolist() if hasattr(value, "tolist") else value  # numpy -> Python (an array -> a list)
        if value is None or (isinstance(value, str) and value == "") or (isinstance(value, float) and math.isnan(value)):
            continue
        out[str(key)] = value
    return out


def safe_csv(frame: pd.DataFrame) -> str:
    """CSV text in which cells that a spreadsheet would run as a formula (= + - @) start with a quote."""
    safe = frame.map(_escaped)
    # CRLF rows (RFC 4180): a cell holding a bare carriage return is then quoted, and the file reads back
    return str(safe.to_csv(index=False, lineterminator="\r\n"))


def jsonl_text(frame: pd.DataFrame) -> str:
    """A table as JSON Lines, one object per row, dates in ISO form."""
    return str(frame.to_json(orient="records", lines=True, date_format="iso", date_unit="us", force_ascii=False))


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table; in CSV, cells that a spreadsheet would run as a formula are made inert."""
    kind = _format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        path.write_text(safe_csv(frame), encoding="utf-8")
    elif kind == "jsonl":
        path.write_text(jsonl_text(frame), encoding="utf-8")
    else:
        frame.to_parquet(path, index=False)
