"""Ground-truth definitions to make evaluation data from, and the names they use.

A file of ground truths is text (``.txt``: one definition in the text form per
line; blank lines and ``#`` comments skipped) or a table (JSONL, CSV, Parquet)
with a ``ground_truth`` column in the text form or as AST JSON, and optionally
an ``id``. One invalid definition rejects the file, naming the line or row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judge.audience import AudienceError, Definition, to_text
from judge.data.files import MAX_FILE_BYTES, read_rows
from judge.data.importer import ImportRejected
from judge.data.records import RowError, parse_side
from judge.errors import JudgeError

__all__ = ["DEMO_TRUTHS", "Truth", "catalog", "catalog_text", "load_truths"]

DEMO_TRUTHS = Path(__file__).parents[1] / "demo" / "ground_truths.txt"


@dataclass(frozen=True)
class Truth:
    id: str
    definition: Definition

    @property
    def text(self) -> str:
        return to_text(self.definition)


def load_truths(path: Path) -> list[Truth]:
    """Every ground truth of a file, or an error naming the file, line or row, and why."""
    if path.suffix.lower() == ".txt":
        entries = _text_lines(path)
    else:
        entries = [(n, str(row.get("id") or row.get("external_id") or f"gt-{n:03d}"),
                    row.get("ground_truth", row.get("definition"))) for n, row in enumerate(read_rows(path), 1)]  # fmt: skip
    truths, errors, seen = [], [], set()
    for number, name, source in entries:
        if source is None:
            errors.append(RowError(number, "ground_truth", "missing"))
            continue
        if name in seen:
            errors.append(RowError(number, "id", f"{name!r} appears twice"))
            continue
        seen.add(name)
        try:
            truths.append(Truth(name, parse_side(source)))
        except AudienceError as e:
            errors.append(RowError(number, "ground_truth", str(e)))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    if not truths:
        raise JudgeError(f"{path.name}: no ground truths in the file")
    return truths


def _text_lines(path: Path) -> list[tuple[int, str, Any]]:
    if not path.exists():
        raise JudgeError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise JudgeError(f"{path.name}: larger than the {MAX_FILE_BYTES:,} bytes an import may be")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise JudgeError(f"{path.name}: not UTF-8 text (byte {e.start})") from e
    return [
        (n, f"gt-{n:03d}", line)
        for n, line in enumerate(lines, 1)
        if line.strip() and not line.startswith("#")
    ]


def catalog(truths: list[Truth]) -> dict[str, list[str]]:
    """The event, trait, property and context names the ground truths use: what a generator may name."""
    found: dict[str, set[str]] = {"event": set(), "trait": set(), "property": set(), "context": set()}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in found and isinstance(node.get("name"), str):
                found[node["type"]].add(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for truth in truths:
        walk(truth.definition.to_json())
    return {kind: sorted(names) for kind, names in found.items()}


def catalog_text(names: dict[str, list[str]]) -> str:
    plural = {"event": "events", "trait": "traits", "property": "properties", "context": "context fields"}
    return "\n".join(f"{plural[kind]}: {json.dumps(values, ensure_ascii=False)}" for kind, values in names.items()
                     if values)  # fmt: skip
