"""A structure-aware view of two definitions, for the people who rate them.

A diff of the printed text made equivalent rewrites look broken (AND clauses in
another order came out as large deletions and insertions) and hid one-character
changes (``>=`` for ``>``). Here the generated definition is first put in the
ground truth's order wherever order means nothing (AND/OR children, ``one_of``
values, an event's filters, excluded sources); then each part of the ground
truth is matched with a part of the generated one, and only what really differs
is marked: the tokens of a changed operator, number, name or window, a condition
only on one side. Parts that differ only in how they are written are shown as
such, in a neutral style. The reference is never struck through.

It shows structure, never a verdict: nothing here says whether the generated
definition is right. All content is escaped here; the HTML is safe to show.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from judge.audience import Definition, canonical, diff, to_english
from judge.audience.model import AllOf, And, AnyOf, Compare, Condition, Event, Not, Or, Reduce, Sources, Where
from judge.audience.printer import condition_text, to_text

__all__ = ["MarkedPair", "aligned", "marked_pair", "marked_tokens", "marked_words"]

MIN_SIMILARITY = 0.5
"""Two parts this alike (0-1, by their text) are shown as one part that changed."""
MAX_DIFF_WORK = 4_000_000
"""Tokens of one side times tokens of the other past which a side is shown unmarked."""
MAX_CHANGES = 8
_TOKEN = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|\w+|\s+|[<>!=]=|.", re.DOTALL
)


@dataclass(frozen=True)
class MarkedPair:
    """Both text forms as HTML with the differences marked, both English renderings likewise, and the
    differences as lines ("changed operator of ...: >= -> >")."""

    truth_html: str
    generated_html: str
    truth_english: str
    generated_english: str
    changes: list[str]
    reordered: bool  # the generated side is shown in the ground truth's order


def marked_pair(truth: Definition, generated: Definition) -> MarkedPair:
    shown = aligned(truth, generated)
    left, right, changes = _parts(truth, shown)
    words = to_english(truth), to_english(shown)
    same = truth.is_audience and shown.is_audience and canonical(truth) == canonical(shown)
    english = (html.escape(words[0]), html.escape(words[1])) if same else marked_words(*words)
    return MarkedPair(left, right, *english, changes[:MAX_CHANGES], to_text(shown) != to_text(generated))


# ---- alignment -----------------------------------------------------------------------------------


def aligned(truth: Definition, generated: Definition) -> Definition:
    """``generated`` with its order-free parts in the order of the matching parts of ``truth``."""
    if truth.is_audience and generated.is_audience:
        return generated.model_copy(update={"root": _align(generated.root, truth.root)})
    return generated


def _align(node: Any, like: Any) -> Any:
    if isinstance(node, (And, Or)) and isinstance(like, (And, Or)):
        pairs, extra = _match(list(like.children), list(node.children))
        ordered = [_align(node.children[j], like.children[i]) for i, j in pairs if j is not None]
        return node.model_copy(update={"children": tuple(ordered + [node.children[j] for j in extra])})
    if isinstance(node, (Not, AnyOf, AllOf)) and type(node) is type(like):
        return node.model_copy(update={"child": _align(node.child, like.child)})
    if isinstance(node, Compare) and isinstance(like, Compare):
        update: dict[str, Any] = {}
        if isinstance(node.left, Reduce) and isinstance(like.left, Reduce):
            update["left"] = node.left.model_copy(
                update={"stream": _align_event(node.left.stream, like.left.stream)}
            )
        if isinstance(node.right, tuple) and isinstance(like.right, tuple):
            update["right"] = _in_order(node.right, like.right)
        return node.model_copy(update=update)
    return node


def _align_event(node: Event, like: Event) -> Event:
    order = [f.type for f in like.filters]
    filters = sorted(node.filters, key=lambda f: order.index(f.type) if f.type in order else len(order))
    matched = []
    for item in filters:
        twin = next((f for f in like.filters if f.type == item.type), None)
        if isinstance(item, Where) and isinstance(twin, Where):
            item = item.model_copy(update={"condition": _align(item.condition, twin.condition)})
        elif isinstance(item, Sources) and isinstance(twin, Sources):
            item = item.model_copy(update={"exclude": _in_order(item.exclude, twin.exclude)})
        matched.append(item)
    return node.model_copy(update={"filters": tuple(matched)})


def _in_order(values: tuple[Any, ...], like: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sorted(values, key=lambda v: like.index(v) if v in like else len(like)))


def _match(left: list[Condition], right: list[Condition]) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Each part of ``left`` with its part of ``right`` (equal, then equal in canonical form, then the most
    alike), or None; and the parts of ``right`` matched with nothing."""
    free = set(range(len(right)))
    found: dict[int, int] = {}
    for test in (lambda a, b: a == b, _same_form):
        for i, a in enumerate(left):
            if i in found:
                continue
            j = next((j for j in sorted(free) if test(a, right[j])), None)
            if j is not None:
                found[i] = j
                free.discard(j)
    scored = sorted(
        ((_alike(a, right[j]), i, j) for i, a in enumerate(left) if i not in found for j in free),
        reverse=True,
    )
    for score, i, j in scored:
        if score >= MIN_SIMILARITY and i not in found and j in free:
            found[i] = j
            free.discard(j)
    return [(i, found.get(i)) for i in range(len(left))], sorted(free)


def _same_form(a: Condition, b: Condition) -> bool:
    try:
        return canonical(_wrap(a)) == canonical(_wrap(b))
    except ValueError:  # a part that is not a definition on its own
        return False


def _wrap(node: Condition, kind: str = "ACCOUNTS") -> Definition:
    return Definition(definition_type=kind, root=node)  # type: ignore[arg-type]


def _alike(a: Condition, b: Condition) -> float:
    return SequenceMatcher(None, condition_text(a), condition_text(b), autojunk=False).ratio()


# ---- marking -------------------------------------------------------------------------------------


def _parts(truth: Definition, shown: Definition) -> tuple[str, str, list[str]]:
    t, g = truth.root, shown.root
    if truth == shown:
        return html.escape(to_text(truth)), html.escape(to_text(shown)), []
    if canonical(truth) == canonical(shown):
        note = "written differently"
        return _span("rewritten", to_text(truth), note), _span("rewritten", to_text(shown), note), []
    junctions = [n for n in (t, g) if isinstance(n, (And, Or))]
    if truth.is_audience and shown.is_audience and junctions and len({type(n) for n in junctions}) == 1:
        # both the same junction, or one a junction and the other a single condition (one part kept)
        kind = junctions[0]
        joiner = html.escape(f" {kind.type.upper()} ")
        t_parts: tuple[Condition, ...] = t.children if isinstance(t, (And, Or)) else (t,)  # type: ignore[assignment]
        g_parts: tuple[Condition, ...] = g.children if isinstance(g, (And, Or)) else (g,)  # type: ignore[assignment]
        pairs, extra = _match(list(t_parts), list(g_parts))
        left, right, changes = [], [], []
        for i, j in pairs:
            a = _grouped(t_parts[i])
            if j is None:
                left.append(_span("missing", a, "not in the generated definition"))
                changes.append(f"not in the generated definition: {condition_text(t_parts[i])}")
                continue
            x, y, lines = _compared(t_parts[i], g_parts[j], truth.definition_type)
            left.append(x)
            right.append(y)
            changes += lines
        for j in extra:
            right.append(_span("extra", _grouped(g_parts[j]), "only in the generated definition"))
            changes.append(f"only in the generated definition: {condition_text(g_parts[j])}")
        return joiner.join(left), joiner.join(right), changes
    if truth.is_audience and shown.is_audience:
        return _compared(t, g, truth.definition_type, whole=(truth, shown))  # type: ignore[arg-type]
    return *marked_tokens(to_text(truth), to_text(shown)), [str(c) for c in diff(truth, shown)]


def _compared(
    a: Condition, b: Condition, kind: str, whole: tuple[Definition, Definition] | None = None
) -> tuple[str, str, list[str]]:
    """Two matched parts: plain when equal, neutral when only written differently, else tokens marked."""
    ta, tb = (to_text(whole[0]), to_text(whole[1])) if whole else (_grouped(a), _grouped(b))
    if a == b:
        return html.escape(ta), html.escape(tb), []
    da, db = whole or (_wrap(a, kind), _wrap(b, kind))
    try:
        same = canonical(da) == canonical(db)
    except ValueError:
        same = False
    if same:
        note = "written differently"
        return _span("rewritten", ta, note), _span("rewritten", tb, note), []
    left, right = marked_tokens(ta, tb)
    return left, right, [str(c) for c in diff(da, db)]


def _grouped(node: Condition) -> str:
    text = condition_text(node)
    return f"({text})" if isinstance(node, (And, Or)) else text


def _span(kind: str, text: str, title: str) -> str:
    return f"<span class='{kind}' title='{title}'>{html.escape(text)}</span>"


def marked_tokens(before: str, after: str) -> tuple[str, str]:
    """Both texts as escaped HTML: tokens that differ marked ``was`` on the first (never struck through)
    and ``now`` on the second; tokens on one side only marked ``gone`` or ``added``."""
    return _marked(_TOKEN.findall(before), _TOKEN.findall(after))


def marked_words(before: str, after: str) -> tuple[str, str]:
    """The same for English renderings, word by word."""
    return _marked(re.findall(r"\w+|\s+|[^\w\s]", before), re.findall(r"\w+|\s+|[^\w\s]", after))


def _marked(a: list[str], b: list[str]) -> tuple[str, str]:
    if (
        len(a) * len(b) > MAX_DIFF_WORK
    ):  # the comparison grows with the product: a huge side is shown unmarked
        return html.escape("".join(a)), html.escape("".join(b))
    left, right = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal" or (not old.strip() and not new.strip()):
            left.append(old)
            right.append(new)
        elif op == "replace":
            left.append(f"<mark class='was'>{old}</mark>")
            right.append(f"<mark class='now'>{new}</mark>")
        elif op == "delete":
            left.append(f"<mark class='gone'>{old}</mark>")
        else:
            right.append(f"<mark class='added'>{new}</mark>")
    return "".join(left), "".join(right)
