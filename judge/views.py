"""What a person sees of a pair: text forms, English, tree (``judge.structure`` marks the differences).

Every piece of pair content is escaped here; the pages show these strings as
they are and never interpret pair content as Markdown or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.audience import AudienceError, Definition, to_english, to_text
from judge.data.records import parse_side
from storage.pairs import Pair

__all__ = ["Side", "pair_sides"]



@dataclass(frozen=True)
class Side:
    """One side of a pair as shown: text form (or the raw value), English, AST JSON, or an error."""

    text: str
    english: str | None
    tree: dict[str, Any] | None
    error: str | None
    definition: Definition | None = None


def _side(kind: str, value: str) -> Side:
    if kind != "audience":
        return Side(value, None, None, None)
    try:
        definition: Definition = parse_side(value)
    except AudienceError as e:
        return Side(value, None, None, str(e))
    return Side(to_text(definition), to_english(definition), definition.to_json(), None, definition)


def pair_sides(pair: Pair) -> tuple[Side, Side]:
    """Ground truth and generated, each ready to show."""
    return _side(pair.kind, pair.ground_truth), _side(pair.kind, pair.generated)
