"""Putting the demo pairs into a database."""

from __future__ import annotations

from judge.data.records import prepare_pair
from judge.demo import DEFAULT_PAIRS, DEFAULT_SEED, DEMO_DATASET, DEMO_GENERATOR, demo_pairs
from storage import Database
from storage import pairs as pair_store

__all__ = ["store_demo"]


def store_demo(
    db: Database, count: int = DEFAULT_PAIRS, seed: int = DEFAULT_SEED, high: float = 0.0
) -> tuple[int, int]:
    """Add the demo dataset (idempotent); returns (added, already present)."""
    rows = [
        prepare_pair(
            {
                "external_id": p.external_id,
                "request": p.request,
                "ground_truth": p.ground_truth.to_json(),
                "generated": p.generated.to_json(),
                "generator_model": DEMO_GENERATOR,
                "metadata": p.metadata,
            }
        )
        for p in demo_pairs(count, seed, high)
    ]
    pair_store.dataset_id(
        db, DEMO_DATASET, create=True, description="Seeded e-commerce audiences and mutated variants"
    )
    return pair_store.add_pairs(db, DEMO_DATASET, rows)
