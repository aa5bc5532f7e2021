"""One imported row -> a record to store, or an error naming the row, field and reason."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

import orjson

from judge.audience import AudienceError, Definition, load, parse
from judge.judgment import FAILURES, Judgment, ScoreError, valid_score
from judge.scale import FIVE, Scale, ScaleError
from storage.pairs import NewPair

__all__ = ["KINDS", "PAIR_FIELDS", "RowError", "audience_json", "parse_side", "judgment_row", "prepare_pair",
           "score_value"]

KINDS = ("audience", "sql", "json", "text")
_EXPORT_ONLY = ("dataset", "pair_id")  # columns an export adds; not metadata on re-import
PAIR_FIELDS = ("external_id", "kind", "request", "ground_truth", "generated", "generator_model", "metadata")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, field {self.field!r}: {self.reason}"


class RowInvalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_side(value: Any) -> Definition:
    """An audience from AST JSON (an object or its text) or from the text form."""
    if isinstance(value, dict):
        return load(value)
    if not isinstance(value, str):
        raise AudienceError(f"expected AST JSON or the text form, not {type(value).__name__}")
    return load(value) if value.lstrip().startswith("{") else parse(value)


def audience_json(definition: Definition) -> str:
    return json.dumps(definition.to_json(), ensure_ascii=False, separators=(",", ":"))


def _text(row: dict[str, Any], field: str, required: bool = False) -> str | None:
    value = row.get(field)
    if value is None:
        if required:
            raise RowInvalid(field, "missing")
        return None
    if isinstance(value, (dict, list)) and field in ("ground_truth", "generated"):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise RowInvalid(field, f"expected text, not {type(value).__name__}")
    return str(value)


Definitions = dict[str, tuple[str | None, str | None]]
"""One import's definitions read so far: text as given -> (its canonical AST JSON, or why it is not one)."""


def _canonical(text: str, given: Any, seen: Definitions | None) -> tuple[str | None, str | None]:
    """(the canonical AST JSON, None) of an audience given as ``given`` (written ``text``), or (None, why not);
    each distinct text is read once per import (``seen``): a file repeats its ground truths many times."""
    if seen is not None and text in seen:
        return seen[text]
    try:
        found: tuple[str | None, str | None] = (audience_json(parse_side(given)), None)
    except AudienceError as e:
        found = (None, str(e))
    if seen is not None:
        seen[text] = found
    return found


def _key(value: Any) -> str:
    """What a definition is remembered by within one import: its text, or its JSON written compactly."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # not JSON as orjson knows it (a key that is not text): the slower, lenient writer
        return json.dumps(value, default=str)


def prepare_pair(row: dict[str, Any], seen: Definitions | None = None) -> NewPair:
    """Validate a pair row; unknown columns are kept as metadata. ``seen``: the definitions this import read
    already (each distinct one is parsed and checked once)."""
    kind = _text(row, "kind") or "audience"
    if kind not in KINDS:
        raise RowInvalid("kind", f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == "audience":
        for field in ("ground_truth", "generated"):
            if row.get(field) is None:
                raise RowInvalid(field, "missing")
        canonical, why = _canonical(_key(row["ground_truth"]), row["ground_truth"], seen)
        if canonical is None:
            _text(row, "ground_truth", required=True)  # not text at all: that is the error to name
            raise RowInvalid("ground_truth", str(why))
        truth: str | None = canonical
        # a generated AST may be invalid (that is what judges score): then it is kept as given
        generated = (_canonical(_key(row["generated"]), row["generated"], seen)[0]
                     or _text(row, "generated", required=True))  # fmt: skip
    else:
        truth = _text(row, "ground_truth", required=True)
        generated = _text(row, "generated", required=True)
    assert truth is not None and generated is not None
    metadata = _metadata(row)
    request = _text(row, "request")
    content_hash = hashlib.sha256(_json_strings([kind, request, truth, generated]).encode()).hexdigest()
    external_id = _text(row, "external_id") or content_hash[:16]
    return NewPair(
        external_id, kind, request, truth, generated, _text(row, "generator_model"), metadata, content_hash
    )


def _json_strings(values: list[str | None]) -> str:
    """``json.dumps(values, ensure_ascii=False)`` of a list of strings (and nulls), written directly: the content
    hash of every pair stored so far rests on exactly this text."""
    return "[" + ", ".join("null" if v is None else encode_basestring(v) for v in values) + "]"


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    given = row.get("metadata")
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except json.JSONDecodeError as e:
            raise RowInvalid("metadata", f"not valid JSON: {e}") from e
    if given is not None and not isinstance(given, dict):
        raise RowInvalid("metadata", "must be a JSON object")
    extra = {k: v for k, v in row.items() if k not in PAIR_FIELDS and k not in _EXPORT_ONLY}
    try:
        json.dumps(extra)
    except TypeError:
        extra = {k: str(v) for k, v in extra.items()}
    return {**(given or {}), **extra}


def score_value(value: Any, field: str = "score", scale: Scale = FIVE) -> int:
    """A point of the dataset's scale (the one check of ``judge.judgment``); anything else names the field."""
    try:
        return valid_score(value, scale)
    except ScoreError as e:
        raise RowInvalid(field, str(e)) from None


def _amount(row: dict[str, Any], field: str, *, whole: bool = False) -> float | None:
    """A number of 0 or more (``whole``: a whole one), or None when the cell is empty."""
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = "a whole number" if whole else "a number"
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0 or (whole and not number.is_integer()):
        raise RowInvalid(field, f"must be {kind} of 0 or more, not {value!r}")
    return number


def _whole(row: dict[str, Any], field: str, default: int | None = None) -> int | None:
    number = _amount(row, field, whole=True)
    return default if number is None else int(number)


def judgment_row(row: dict[str, Any], judge: str, pair_id: int, scale: Scale = FIVE) -> Judgment:
    """An imported judgment (a judgments file or a run file): a score or an error, never both; ``sample``
    a whole number from 0; an optional ``failure`` kind (else ``provider_error``: the judge gave no score)."""
    error = _text(row, "error")
    error = error if error and error.strip() else None
    blank = row.get("score") is None or (isinstance(row.get("score"), str) and not str(row["score"]).strip())
    if error is not None and not blank:
        raise RowInvalid("error", "a judgment has a score or an error, not both")
    failure = _text(row, "failure")
    if failure is not None and failure not in FAILURES:
        raise RowInvalid("failure", f"must be one of {', '.join(FAILURES)}, not {failure!r}")
    if failure is not None and error is None:
        raise RowInvalid("error", f"a {failure} failure says what went wrong in 'error'")
    evidence = row.get("evidence")
    if evidence is not None and not isinstance(evidence, dict):
        raise RowInvalid("evidence", "must be an object")
    fields: dict[str, Any] = {
        "reasoning": _text(row, "reasoning"), "prompt": _text(row, "prompt"),
        "raw_response": _text(row, "raw_response"), "model": _text(row, "model"),
        "input_tokens": _whole(row, "input_tokens"), "output_tokens": _whole(row, "output_tokens"),
        "cost_usd": _amount(row, "cost_usd"), "latency_ms": _amount(row, "latency_ms"), "evidence": evidence,
        "pair_id": pair_id, "sample": _whole(row, "sample", 0),
    }  # fmt: skip
    if error is not None:
        return Judgment.failed(judge, failure or "provider_error", error, **fields)  # type: ignore[arg-type]
    try:  # a judge may give any number of the scale's range (0.97, 3.67): stored as given, with its nearest point
        value = scale.value_of(row.get("score"))
    except ScaleError as e:
        raise RowInvalid("score", str(e)) from None
    point = scale.nearest(value)
    return Judgment(judge, point, value=None if value == point else value, **fields)
