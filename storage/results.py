"""The one writer of judge results: a :class:`~judge.judgment.Judgment` becomes a row here and nowhere else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from judge.judgment import Judgment
from storage.db import Database
from storage.queries import Cursor, utc_now

__all__ = ["CachedAnswer", "add_judgments", "insert_judgments", "stored_scores"]

_COLUMNS = ("run_id", "pair_id", "sample", "score", "failure", "error", "reasoning", "prompt", "raw_response",
            "model", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "evidence", "created_at", "cached")  # fmt: skip


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    input_tokens: int | None
    output_tokens: int | None


def _row(run_id: int, j: Judgment, cached: bool, now: object) -> list[object]:
    if j.pair_id is None:
        raise ValueError("a judgment is stored for a pair: Judgment.of(pair_id) first")
    evidence = json.dumps(j.evidence) if j.evidence is not None else None
    return [run_id, j.pair_id, j.sample, j.score, j.failure, j.error, j.reasoning, j.prompt, j.raw_response,
            j.model, j.input_tokens, j.output_tokens, j.cost_usd, j.latency_ms, evidence, now, cached]  # fmt: skip


def insert_judgments(
    cursor: Cursor,
    run_id: int,
    judgments: Sequence[Judgment],
    cached: Sequence[bool] | None = None,
    answers: dict[str, CachedAnswer] | None = None,
) -> int:
    """Inside the caller's transaction: the judgments of a run (a (pair, sample) judged before in this run is
    never stored twice) and new answers for the cache, one set-based INSERT per table; returns how many
    judgments were added."""
    now = utc_now()
    if answers:
        cache = pd.DataFrame(
            [[k, a.text, a.input_tokens, a.output_tokens, now] for k, a in answers.items()],
            columns=["key", "text", "input_tokens", "output_tokens", "created_at"],
        )
        cursor.register("new_answers", cache)
        cursor.execute("""INSERT INTO llm_cache (key, text, input_tokens, output_tokens, created_at)
                          SELECT * FROM new_answers ON CONFLICT (key) DO NOTHING""")
        cursor.unregister("new_answers")
    if not judgments:
        return 0
    hits = cached if cached is not None else [False] * len(judgments)
    rows = pd.DataFrame([_row(run_id, j, hit, now) for j, hit in zip(judgments, hits, strict=True)],
                        columns=list(_COLUMNS)).astype(object)  # fmt: skip
    before = cursor.execute("SELECT count(*) FROM judge_results WHERE run_id = ?", [run_id]).fetchall()[0]
    cursor.register("new_results", rows)
    columns = ", ".join(_COLUMNS)
    cursor.execute(f"""INSERT INTO judge_results ({columns}) SELECT {columns} FROM new_results
                       ON CONFLICT (run_id, pair_id, sample) DO NOTHING""")  # noqa: S608 - fixed names
    cursor.unregister("new_results")
    after = cursor.execute("SELECT count(*) FROM judge_results WHERE run_id = ?", [run_id]).fetchall()[0]
    return int(after[0]) - int(before[0])


def add_judgments(
    db: Database,
    run_id: int,
    judgments: Sequence[Judgment],
    cached: Sequence[bool] | None = None,
    answers: dict[str, CachedAnswer] | None = None,
) -> int:
    """:func:`insert_judgments` in a transaction of its own."""
    with db.transaction() as cursor:
        return insert_judgments(cursor, run_id, judgments, cached, answers)


def stored_scores(db: Database, run_id: int) -> dict[tuple[int, int], int | None]:
    """(pair, sample) -> score (None for a failure) of what a run holds."""
    rows = db.cursor().execute(
        "SELECT pair_id, sample, score FROM judge_results WHERE run_id = ?", [run_id]
    ).fetchall()
    return {(int(p), int(s)): None if v is None else int(v) for p, s, v in rows}
