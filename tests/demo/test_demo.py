"""Demo data: realistic, seeded, round-trippable, and each mutation has the effect it claims."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from judge.audience import canonical, check, parse, to_text
from judge.demo import DEMO_GENERATOR, EFFECTS, MUTATIONS, TEMPLATES, demo_pairs
from judge.demo.store import store_demo
from judge.demo.templates import ground_truth
from storage import Database
from storage import pairs as pair_store

TRUTHS = [ground_truth(random.Random(seed), i) for seed in range(6) for i in range(len(TEMPLATES))]


def test_two_hundred_pairs_by_default_and_the_same_for_the_same_seed() -> None:
    pairs = demo_pairs()
    assert len(pairs) == 200
    assert [p.generated for p in pairs] == [p.generated for p in demo_pairs()]
    assert len({p.external_id for p in pairs}) == 200


def test_every_kind_of_effect_is_present() -> None:
    effects = Counter(p.metadata["effect"] for p in demo_pairs())
    assert set(effects) == {"equivalent", "small", "large"}
    assert min(effects.values()) >= 30


def test_every_generated_definition_is_valid_and_round_trips() -> None:
    for pair in demo_pairs():
        for definition in (pair.ground_truth, pair.generated):
            assert check(definition) == []
            assert parse(to_text(definition), definition.definition_type) == definition


@pytest.mark.parametrize("name", [n for n, e in EFFECTS.items() if e == "equivalent"])
def test_equivalent_mutations_keep_the_canonical_form(name: str) -> None:
    applied = 0
    for index, truth in enumerate(TRUTHS):
        mutated = MUTATIONS[name](truth, random.Random(index))
        if mutated is not None:
            applied += 1
            assert canonical(mutated) == canonical(truth), to_text(mutated)
    assert applied > 0


@pytest.mark.parametrize("name", [n for n, e in EFFECTS.items() if e != "equivalent"])
def test_error_mutations_change_the_canonical_form(name: str) -> None:
    changed = 0
    for index, truth in enumerate(TRUTHS):
        mutated = MUTATIONS[name](truth, random.Random(index))
        if mutated is not None and canonical(mutated) != canonical(truth):
            changed += 1
    assert changed > 0


def test_stored_pairs_carry_the_mutation_only_in_metadata(db: Database) -> None:
    assert store_demo(db, count=40) == (40, 0)
    assert store_demo(db, count=40) == (0, 40)
    pair = pair_store.pair(db, 1)
    assert pair is not None and pair.generator_model == DEMO_GENERATOR
    assert set(pair.metadata) == {"mutation", "effect", "truth"}
    assert pair.request and "event(" not in pair.request
