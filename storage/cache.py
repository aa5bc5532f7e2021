"""The answer cache: a model's answer to an exact call, so that it is never paid for twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from storage.db import Database
from storage.sql import Cursor, fetch_all, utc_now

__all__ = ["CachedAnswer", "cache_answers", "cached_answers", "insert_answers"]


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    input_tokens: int | None
    output_tokens: int | None


def cached_answers(db: Database, keys: Sequence[str]) -> dict[str, CachedAnswer]:
    rows = fetch_all(
        db,
        "SELECT key, text, input_tokens, output_tokens FROM llm_cache WHERE list_contains($keys, key)",
        {"keys": list(keys)},
    )
    return {k: CachedAnswer(t, i, o) for k, t, i, o in rows}


def cache_answers(db: Database, answers: dict[str, CachedAnswer]) -> None:
    """Answers for the cache alone (calls that are not judgments, such as the synthetic-data pipeline's)."""
    with db.transaction() as cursor:
        insert_answers(cursor, answers)


def insert_answers(cursor: Cursor, answers: dict[str, CachedAnswer]) -> None:
    """Inside the caller's transaction: new answers, one set-based INSERT; an answer cached already stays."""
    if not answers:
        return
    now = utc_now()
    cache = pa.table({
        "key": pa.array(list(answers), pa.string()),
        "text": pa.array([a.text for a in answers.values()], pa.string()),
        "input_tokens": pa.array([a.input_tokens for a in answers.values()], pa.int64()),
        "output_tokens": pa.array([a.output_tokens for a in answers.values()], pa.int64()),
        "created_at": pa.array([now] * len(answers), pa.timestamp("us")),
    })  # fmt: skip
    cursor.register("new_answers", cache)
    cursor.execute("""INSERT INTO llm_cache (key, text, input_tokens, output_tokens, created_at)
                      SELECT * FROM new_answers ON CONFLICT (key) DO NOTHING""")
    cursor.unregister("new_answers")
