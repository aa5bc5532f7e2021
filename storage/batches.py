"""Provider batches of judge runs in batch mode: which batch holds which requests, and whether it was collected.

A batch is written down before it is sent (:func:`intend`) and given its provider id once the provider took it
(:func:`taken`), so no crash can leave a batch at the provider that the run does not know it may have sent."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from judge.judgment import Judgment
from storage.cache import CachedAnswer
from storage.db import Database
from storage.results import insert_judgments
from storage.sql import fetch_all, utc_now

__all__ = ["StoredBatch", "attempts", "batches_of", "collect", "forget", "intend", "note", "open_batches", "taken"]


@dataclass(frozen=True)
class StoredBatch:
    token: str
    provider: str
    provider_batch_id: str | None  # None: written down, maybe sent (a crash came before the provider's answer)
    items: tuple[str, ...]  # custom ids
    submitted_at: datetime
    collected: bool
    outcome: str | None
    keys: dict[str, str] = field(default_factory=dict)  # custom id -> the answer cache key of the call sent


def intend(db: Database, run_id: int, provider: str, token: str, keys: dict[str, str]) -> StoredBatch:
    """Write a batch down before it is sent: its requests (custom id -> the cache key of the call sent)."""
    now = utc_now()
    with db.transaction() as cursor:
        cursor.execute("INSERT INTO judge_batches (run_id, provider, token, items, submitted_at) VALUES (?, ?, ?, ?, ?)",
                       [run_id, provider, token, json.dumps(keys), now])  # fmt: skip
    return StoredBatch(token, provider, None, tuple(keys), now, False, None, dict(keys))


def taken(db: Database, token: str, provider_batch_id: str) -> None:
    """The provider took the batch written down as ``token``: its id, to poll it by."""
    with db.transaction() as cursor:
        cursor.execute("UPDATE judge_batches SET provider_batch_id = ? WHERE token = ?", [provider_batch_id, token])


def note(db: Database, token: str, state: str, done: int) -> None:
    """What the provider said of a batch at the last look (shown while the run waits)."""
    with db.transaction() as cursor:
        cursor.execute("UPDATE judge_batches SET state = ?, done = ? WHERE token = ?", [state, done, token])


def forget(db: Database, token: str) -> None:
    """A batch written down that the provider never took: its requests are sent again in another."""
    with db.transaction() as cursor:
        cursor.execute("DELETE FROM judge_batches WHERE token = ? AND provider_batch_id IS NULL", [token])


def batches_of(db: Database, run_id: int) -> list[StoredBatch]:
    rows = fetch_all(db, "SELECT token, provider, provider_batch_id, items, submitted_at, collected_at IS NOT NULL, "
                         "outcome FROM judge_batches WHERE run_id = ? ORDER BY id", [run_id])  # fmt: skip
    found = []
    for t, p, b, i, s, c, o in rows:
        items = json.loads(i)
        keys = items if isinstance(items, dict) else {}
        found.append(StoredBatch(str(t), str(p), None if b is None else str(b), tuple(items), s, bool(c), o, keys))
    return found


def open_batches(db: Database, run_id: int) -> list[StoredBatch]:
    """The run's batches whose results are not stored yet."""
    return [b for b in batches_of(db, run_id) if not b.collected]


def attempts(db: Database, run_id: int) -> Counter[str]:
    """How many of the run's batches held each request."""
    return Counter(item for batch in batches_of(db, run_id) for item in batch.items)


def collect(db: Database, run_id: int, token: str, outcome: str, judgments: Sequence[Judgment],
            answers: dict[str, CachedAnswer]) -> int:  # fmt: skip
    """Store what a batch answered (judgments and answers for the cache) and mark it collected, in one
    transaction; a judgment stored before (a collect cut off by a crash, done again) is not stored twice.
    Returns how many judgments were added."""
    with db.transaction() as cursor:
        added = insert_judgments(cursor, run_id, judgments, [False] * len(judgments), answers)
        cursor.execute("UPDATE judge_batches SET collected_at = ?, outcome = ? WHERE token = ?",
                       [utc_now(), outcome, token])  # fmt: skip
    return added
