"""How a dataset's ratings make people's score of a pair, and a judge's samples its score (``dataset_rules``).

The frames of :mod:`storage.ratings` and :mod:`storage.results` carry the rule of each row's dataset in a
``consensus_rule`` column, so every figure that combines them follows the dataset's choice.
"""

from __future__ import annotations

from storage.db import Database
from storage.sql import fetch_one, utc_now

__all__ = ["dataset_rules", "set_dataset_rules"]


def set_dataset_rules(db: Database, dataset_id: int, people: str, samples: str, by: str | None) -> None:
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO dataset_rules (dataset_id, people, samples, set_by, set_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (dataset_id) DO UPDATE SET people = excluded.people, samples = excluded.samples,
                   set_by = excluded.set_by, set_at = excluded.set_at""",
            [dataset_id, people, samples, by, utc_now()],
        )


def dataset_rules(db: Database, dataset_id: int) -> tuple[str, str]:
    """(people's rule, the judge's samples' rule); the lower median for both when none is set."""
    row = fetch_one(db, "SELECT people, samples FROM dataset_rules WHERE dataset_id = ?", [dataset_id])
    return (str(row[0]), str(row[1])) if row else ("median", "median")
