"""Seeded demo data: realistic e-commerce audiences and generated variants with known effects."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from judge.audience import Definition
from judge.audience.edit import nodes, replace
from judge.audience.model import Compare, Literal_, Reduce
from judge.demo.mutations import EFFECTS, MUTATIONS, Effect, mutate
from judge.demo.requests import request_for
from judge.demo.templates import TEMPLATES, ground_truth

__all__ = [
    "DEFAULT_PAIRS",
    "DEFAULT_SEED",
    "DEMO_DATASET",
    "DEMO_GENERATOR",
    "DemoPair",
    "EFFECTS",
    "MUTATIONS",
    "TEMPLATES",
    "demo_pairs",
    "raise_thresholds",
]

DEMO_DATASET = "demo"
DEMO_GENERATOR = "demo-mutations"
DEFAULT_PAIRS = 200
DEFAULT_SEED = 20261122
VARIANTS_PER_TRUTH = 4
_EFFECT_WEIGHTS: dict[Effect | None, float] = {None: 0.1, "equivalent": 0.25, "small": 0.35, "large": 0.3}


@dataclass(frozen=True)
class DemoPair:
    external_id: str
    request: str
    ground_truth: Definition
    generated: Definition
    metadata: dict[str, Any]


def raise_thresholds(definition: Definition, rng: random.Random) -> Definition:
    """Counts compared with numbers in the hundreds (``>= 3`` becomes ``>= 503``, say), other numbers
    given a fraction (``> 1000`` becomes ``> 1000.25``): what the drawn databases of old never reached."""
    for path, node in list(nodes(definition)):
        if not (isinstance(node, Compare) and isinstance(node.right, Literal_)):
            continue
        value = node.right.value
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if isinstance(node.left, Reduce) and node.left.fn == "count":
            raised: int | float = value + rng.choice([17, 99, 250, 500])
        else:
            raised = value + rng.choice([0.25, 0.5, 0.01])
        definition = replace(definition, path, node.model_copy(update={"right": Literal_(value=raised)}))
    return definition


def demo_pairs(count: int = DEFAULT_PAIRS, seed: int = DEFAULT_SEED, high: float = 0.0) -> list[DemoPair]:
    """``count`` pairs: ground truths in turn from the templates, each with a few variants.

    A variant is the ground truth itself (``identical``) or a mutation; its kind
    and effect go in the metadata, which annotators never see. A share ``high`` of
    the ground truths has its count thresholds raised into the hundreds and its other
    numbers made fractional (``raise_thresholds``), before mutation.
    """
    rng = random.Random(seed)
    pairs: list[DemoPair] = []
    truth_index = 0
    while len(pairs) < count:
        truth = ground_truth(rng, truth_index)
        raised = bool(high) and rng.random() < high
        if raised:
            truth = raise_thresholds(truth, rng)
        request = request_for(truth, rng)
        for variant in range(VARIANTS_PER_TRUTH):
            if len(pairs) == count:
                break
            effect = rng.choices(list(_EFFECT_WEIGHTS), weights=list(_EFFECT_WEIGHTS.values()))[0]
            made = mutate(truth, effect, rng) if effect else None
            name, generated = made if made else ("identical", truth)
            metadata = {"mutation": name, "effect": EFFECTS.get(name, "equivalent"), "truth": truth_index}
            if raised:
                metadata["high_thresholds"] = True
            pairs.append(DemoPair(f"demo-{truth_index:03d}-{variant}", request, truth, generated, metadata))
        truth_index += 1
    return pairs
