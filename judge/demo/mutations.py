"""Mutation operators whose effect is known: equivalent rewrites, small errors, large errors.

Each operator takes a definition and a random source and returns the mutated
definition, or ``None`` when it does not apply. ``EFFECTS`` says which kind
each one is; the tests check that every ``equivalent`` mutation keeps the
canonical form and every other one changes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from judge.audience import Definition, canonical
from judge.audience.edit import Step, nodes, replace
from judge.audience.model import (
    And,
    Compare,
    Event,
    Literal_,
    Not,
    Or,
    Reduce,
    Trait,
    Within,
)
from judge.demo.catalog import EVENTS, PLANS

__all__ = ["EFFECTS", "MUTATIONS", "Effect", "mutate"]

Effect = Literal["equivalent", "small", "large"]
Mutation = Callable[[Definition, random.Random], Definition | None]


def _pick(
    definition: Definition, rng: random.Random, wanted: Callable[[BaseModel], bool]
) -> tuple[tuple[Step, ...], BaseModel] | None:
    found = [(path, node) for path, node in nodes(definition) if wanted(node)]
    return rng.choice(found) if found else None


def _is_count_at_least_one(node: BaseModel) -> bool:
    return (
        isinstance(node, Compare)
        and isinstance(node.left, Reduce)
        and node.left.fn == "count"
        and node.left.property is None
        and node.op == ">="
        and node.right == Literal_(value=1)
    )


def _numeric_compare(node: BaseModel) -> bool:
    return (
        isinstance(node, Compare)
        and node.op in (">", ">=", "<", "<=", "=")
        and isinstance(node.right, Literal_)
        and isinstance(node.right.value, int)
        and not isinstance(node.right.value, bool)
    )


# ---- equivalent rewrites --------------------------------------------------


def reorder_junction(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, (And, Or)))
    if not hit:
        return None
    path, node = hit
    return replace(d, path, node.model_copy(update={"children": tuple(reversed(node.children))}))  # type: ignore[attr-defined]


def count_greater_than_zero(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, _is_count_at_least_one)
    if not hit:
        return None
    path, node = hit
    return replace(d, path, node.model_copy(update={"op": ">", "right": Literal_(value=0)}))


def not_count_zero(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, _is_count_at_least_one)
    if not hit:
        return None
    path, node = hit
    return replace(d, path, Not(child=node.model_copy(update={"op": "=", "right": Literal_(value=0)})))


def hours_for_days(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Within) and n.unit == "days")
    if not hit:
        return None
    path, node = hit
    assert isinstance(node, Within)
    return replace(d, path, node.model_copy(update={"amount": node.amount * 24, "unit": "hours"}))


def one_of_expanded(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Compare) and n.op == "one_of")
    if not hit:
        return None
    path, node = hit
    assert isinstance(node, Compare) and isinstance(node.right, tuple)
    parts = tuple(Compare(op="=", left=node.left, right=v) for v in node.right)
    return replace(d, path, Or(children=parts) if len(parts) > 1 else parts[0])


def de_morgan(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Not) and isinstance(n.child, (And, Or)))
    if hit:
        path, node = hit
        inner = node.child  # type: ignore[attr-defined]
        flipped = Or if isinstance(inner, And) else And
        return replace(d, path, flipped(children=tuple(Not(child=c) for c in inner.children)))
    hit = _pick(d, rng, lambda n: isinstance(n, Compare))
    if not hit:
        return None
    path, node = hit
    return replace(d, path, Not(child=Not(child=node)))


# ---- small errors -----------------------------------------------------------


def threshold_off_by_one(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, _numeric_compare)
    if not hit:
        return None
    path, node = hit
    assert isinstance(node, Compare) and isinstance(node.right, Literal_)
    value = int(node.right.value)
    step = rng.choice([-1, 1]) if value > 1 else 1
    return replace(d, path, node.model_copy(update={"right": Literal_(value=value + step)}))


def strict_for_inclusive(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Compare) and n.op in (">=", ">", "<=", "<"))
    if not hit:
        return None
    path, node = hit
    swap = {">=": ">", ">": ">=", "<=": "<", "<": "<="}
    return replace(d, path, node.model_copy(update={"op": swap[node.op]}))  # type: ignore[attr-defined]


def window_changed(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Within))
    if not hit:
        return None
    path, node = hit
    assert isinstance(node, Within)
    amount = rng.choice([a for a in (1, 2, 7, 14, 30, 90) if a != node.amount])
    return replace(d, path, node.model_copy(update={"amount": amount}))


# ---- large errors -----------------------------------------------------------


def wrong_event(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Event))
    if not hit:
        return None
    path, node = hit
    assert isinstance(node, Event)
    other = rng.choice([e for e in EVENTS if e != node.name])
    return replace(d, path, node.model_copy(update={"name": other}))


def and_or_swapped(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, (And, Or)))
    if not hit:
        return None
    path, node = hit
    swapped = Or if isinstance(node, And) else And
    return replace(d, path, swapped(children=node.children))  # type: ignore[attr-defined]


def condition_dropped(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, (And, Or)))
    if not hit:
        return None
    path, node = hit
    children = list(node.children)  # type: ignore[attr-defined]
    children.pop(rng.randrange(len(children)))
    return replace(d, path, children[0] if len(children) == 1 else type(node)(children=tuple(children)))


def condition_added(d: Definition, rng: random.Random) -> Definition | None:
    if not d.is_audience:
        return None
    extra = Compare(op="=", left=Trait(name="plan"), right=Literal_(value=rng.choice(PLANS)))
    return replace(d, (("root", None),), And(children=(d.root, extra)))  # type: ignore[arg-type]


def not_dropped(d: Definition, rng: random.Random) -> Definition | None:
    hit = _pick(d, rng, lambda n: isinstance(n, Not))
    if not hit:
        return None
    path, node = hit
    return replace(d, path, node.child)  # type: ignore[attr-defined]


MUTATIONS: dict[str, Mutation] = {
    "reorder_junction": reorder_junction,
    "count_greater_than_zero": count_greater_than_zero,
    "not_count_zero": not_count_zero,
    "hours_for_days": hours_for_days,
    "one_of_expanded": one_of_expanded,
    "de_morgan": de_morgan,
    "threshold_off_by_one": threshold_off_by_one,
    "strict_for_inclusive": strict_for_inclusive,
    "window_changed": window_changed,
    "wrong_event": wrong_event,
    "and_or_swapped": and_or_swapped,
    "condition_dropped": condition_dropped,
    "condition_added": condition_added,
    "not_dropped": not_dropped,
}
EFFECTS: dict[str, Effect] = {
    **dict.fromkeys(
        ["reorder_junction", "count_greater_than_zero", "not_count_zero", "hours_for_days",
         "one_of_expanded", "de_morgan"], "equivalent"),
    **dict.fromkeys(["threshold_off_by_one", "strict_for_inclusive", "window_changed"], "small"),
    **dict.fromkeys(["wrong_event", "and_or_swapped", "condition_dropped", "condition_added", "not_dropped"], "large"),
}  # fmt: skip


def mutate(definition: Definition, effect: Effect, rng: random.Random) -> tuple[str, Definition] | None:
    """Apply a random operator of the given effect that changes the definition as promised."""
    names = [n for n, e in EFFECTS.items() if e == effect]
    rng.shuffle(names)
    for name in names:
        mutated = MUTATIONS[name](definition, rng)
        if mutated is None or mutated == definition:
            continue
        same = canonical(mutated) == canonical(definition)
        if same == (effect == "equivalent"):
            return name, mutated
    return None
