"""What a person sees of a pair: text forms with differences marked, English, tree. Pure HTML.

Every piece of pair content is escaped here; the pages show these strings as
they are and never interpret pair content as Markdown or HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from judge.audience import AudienceError, Definition, to_english, to_text
from judge.data.records import parse_side
from storage.queries import Pair

__all__ = ["Side", "marked_diff", "pair_sides"]

MAX_DIFF_WORK = 4_000_000  # tokens of one side times tokens of the other
_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?|\w+|\s+|.", re.DOTALL)


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


def marked_diff(before: str, after: str) -> tuple[str, str]:
    """Both texts as escaped HTML, tokens only in ``before`` in <del>, only in ``after`` in <ins>."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    if (
        len(a) * len(b) > MAX_DIFF_WORK
    ):  # the comparison grows with the product: a huge side is shown unmarked
        return html.escape(before), html.escape(after)
    left, right = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old)
            right.append(new)
            continue
        if old:
            left.append(f"<del>{old}</del>")
        if new:
            right.append(f"<ins>{new}</ins>")
    return "".join(left), "".join(right)
