"""The rubric people rate by, as data, and the kinds of difference the offline judge maps onto it.

One rubric serves the Annotate page (its lines, shown with the score buttons) and
the execution judge (its ``differences``: what each kind of difference scores),
so the judge and the people grade by the same words. The shipped rubric is
``judge/rubrics/audience.v1.toml``; ``$JUDGE_RUBRIC`` names another file.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from judge.errors import JudgeError
from judge.scale import FIVE, HIGHEST, LOWEST, Scale, ScaleError

__all__ = [
    "DEFAULT_RUBRIC_PATH",
    "DIFFERENCE_KINDS",
    "Rubric",
    "RubricError",
    "current_rubric",
    "load_rubric",
    "parse_rubric",
]

DEFAULT_RUBRIC_PATH = Path(__file__).parent / "rubrics" / "audience.v1.toml"
DIFFERENCE_KINDS = frozenset({
    "not_shown_different", "threshold", "strictness", "window", "sources", "several_details", "condition",
    "filter", "property", "junction", "value", "operator", "reducer", "quantifier", "event", "trait",
    "negation", "direction", "definition", "invalid",
})  # fmt: skip
"""Every kind the classifier (``judge.execution.classify``) gives; a rubric scores each of them."""
DETAILS = frozenset({"threshold", "strictness", "window", "sources"})
"""Kinds that are one detail; several of them together are ``several_details``."""


class RubricError(JudgeError):
    """A rubric file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Rubric:
    name: str
    version: int
    lines: dict[int, tuple[str, str]]  # score -> (name, meaning)
    differences: dict[str, int]  # kind of difference -> score; empty: the offline judge cannot score by it
    sha256: str
    scale: Scale = FIVE  # the points of ``lines``

    def line(self, score: int) -> str:
        name, meaning = self.lines[score]
        return f"{score} ({name}): {meaning}"

    def score_of(self, kinds: list[str]) -> tuple[int, str]:
        """The score for the differences found, and the kind that decided it."""
        if not self.differences:
            raise RubricError(
                f"rubric {self.name} v{self.version} maps no kind of difference to a score "
                "(it has no [differences] table): the offline judge cannot score by it"
            )
        details = [k for k in kinds if k in DETAILS]
        if len(details) > 1:
            kinds = [*kinds, "several_details"]
        decisive = min(kinds, key=lambda k: (self.differences[k], k))
        return self.differences[decisive], decisive

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


def load_rubric(path: str | Path) -> Rubric:
    """Read and check a rubric file; every problem names the file and the key."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RubricError(f"{where}: no such rubric file") from None
    return parse_rubric(raw, where)


def parse_rubric(raw: bytes, where: str) -> Rubric:
    """Check a rubric's text (a file's, or one stored for a dataset); every problem names ``where`` and the key."""
    try:
        data = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RubricError(f"{where}: not valid TOML: {e}") from e
    unknown = set(data) - {"name", "version", "lines", "differences", "scale"}
    if unknown:
        raise RubricError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not name:
        raise RubricError(f"{where}: 'name' must be a non-empty string")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RubricError(f"{where}: 'version' must be a whole number of at least 1")
    lines = _lines(where, data.get("lines"))
    scale = _scale(where, lines, data.get("scale", {}))
    differences = data.get("differences", {})
    if not isinstance(differences, dict):
        raise RubricError(f"{where}: differences must be a table, kind of difference = score")
    for kind, score in differences.items():
        if kind not in DIFFERENCE_KINDS:
            raise RubricError(f"{where}: differences.{kind}: not a kind of difference the judge finds")
        if score not in scale.points or isinstance(score, bool):
            raise RubricError(f"{where}: differences.{kind}: must be a score of the scale {scale.span} (a line of "
                              f"[lines]), not {score!r}")  # fmt: skip
    missing = DIFFERENCE_KINDS - set(differences)
    if differences and missing:
        raise RubricError(f"{where}: differences.{sorted(missing)[0]}: missing (every kind needs a score)")
    return Rubric(name, version, lines, dict(differences), hashlib.sha256(raw).hexdigest(), scale)


def _lines(where: str, given: Any) -> dict[int, tuple[str, str]]:
    """One line per point of the scale: two or more consecutive whole numbers from 0 to 10."""
    if not isinstance(given, dict):
        raise RubricError(f"{where}: a [lines] table is needed, one line per score (1 to 5, or 0 and 1 ...)")
    lines: dict[int, tuple[str, str]] = {}
    for key, value in given.items():
        if not (key.isascii() and key.isdecimal()) or not LOWEST <= int(key) <= HIGHEST:
            raise RubricError(f"{where}: lines.{key}: the lines are whole scores from {LOWEST} to {HIGHEST}")
        if key != str(int(key)):  # "01" and "1" would be one line read twice
            raise RubricError(f"{where}: lines.{key}: write the score as {int(key)}")
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
            raise RubricError(f"{where}: lines.{key}: must be [name, meaning], two non-empty strings")
        lines[int(key)] = (value[0], value[1])
    if len(lines) < 2:
        raise RubricError(f"{where}: [lines] needs two scores or more (0 and 1 make a binary scale)")
    missing = set(range(min(lines), max(lines) + 1)) - set(lines)
    if missing:
        raise RubricError(f"{where}: lines.{min(missing)}: missing (the scores are consecutive, "
                          f"{min(lines)} to {max(lines)})")  # fmt: skip
    return dict(sorted(lines.items(), reverse=True))


def _scale(where: str, lines: dict[int, tuple[str, str]], given: Any) -> Scale:
    if not isinstance(given, dict) or set(given) - {"pass_at"}:
        raise RubricError(f"{where}: [scale] takes only pass_at (the lowest passing score)")
    pass_at = given.get("pass_at")
    if pass_at is not None and (isinstance(pass_at, bool) or not isinstance(pass_at, int)):
        raise RubricError(f"{where}: scale.pass_at: a whole score, not {pass_at!r}")
    points = tuple(sorted(lines))
    try:
        return Scale(points, tuple(lines[p][0] for p in points), pass_at)
    except ScaleError as e:
        raise RubricError(f"{where}: {e}") from None


@cache
def _cached(path: str, mtime: float) -> Rubric:
    return load_rubric(path)


def current_rubric(env: dict[str, str] | None = None) -> Rubric:
    """The rubric in force: ``$JUDGE_RUBRIC`` when set, else the shipped one."""
    path = Path((env if env is not None else os.environ).get("JUDGE_RUBRIC") or DEFAULT_RUBRIC_PATH)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise RubricError(f"{path}: no such rubric file (from JUDGE_RUBRIC)") from None
    rubric = _cached(str(path), mtime)
    if rubric.scale.points != FIVE.points:
        raise RubricError(
            f"{path} (from JUDGE_RUBRIC): a deployment's rubric is on the scale 1-5, not "
            f"{rubric.scale.span}; give a dataset a scale of its own with judge rubric --dataset D FILE"
        )
    return rubric
