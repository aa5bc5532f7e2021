"""Judge results, one row per (run, pair, sample): the one writer, and the readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from judge.judgment import Judgment
from storage.cache import CachedAnswer, insert_answers
from storage.db import Database
from storage.scales import refuse_off_scale
from storage.sql import Cursor, fetch_all, frame, records, utc_now

__all__ = [
    "add_judgments",
    "generator_rows",
    "insert_judgments",
    "judged_pairs",
    "judged_samples",
    "latest_evidence",
    "result_detail",
    "results_frame",
    "run_results",
    "store_answers",
    "stored_scores",
]


_TYPES = {"run_id": pa.int32(), "pair_id": pa.int32(), "sample": pa.int32(), "score": pa.int32(),
          "failure": pa.string(), "error": pa.string(), "reasoning": pa.string(), "prompt": pa.string(),
          "raw_response": pa.string(), "model": pa.string(), "input_tokens": pa.int64(), "output_tokens": pa.int64(),
          "cost_usd": pa.float64(), "latency_ms": pa.float64(), "evidence": pa.string(),
          "created_at": pa.timestamp("us"), "cached": pa.bool_(), "value": pa.float64()}  # fmt: skip
_COLUMNS = tuple(_TYPES)


def _row(run_id: int, j: Judgment, cached: bool, now: object) -> list[object]:
    if j.pair_id is None:
        raise ValueError("a judgment is stored for a pair: Judgment.of(pair_id) first")
    evidence = json.dumps(j.evidence) if j.evidence is not None else None
    return [run_id, j.pair_id, j.sample, j.score, j.failure, j.error, j.reasoning, j.prompt, j.raw_response,
            j.model, j.input_tokens, j.output_tokens, j.cost_usd, j.latency_ms, evidence, now, cached,
            j.value]  # fmt: skip


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
    insert_answers(cursor, answers or {})
    now = utc_now()
    if not judgments:
        return 0
    hits = cached if cached is not None else [False] * len(judgments)
    values = [_row(run_id, j, hit, now) for j, hit in zip(judgments, hits, strict=True)]
    rows = pa.table({name: pa.array([v[i] for v in values], kind) for i, (name, kind) in enumerate(_TYPES.items())})
    before = cursor.execute("SELECT count(*) FROM judge_results WHERE run_id = ?", [run_id]).fetchall()[0]
    cursor.register("new_results", rows)
    for given in ("n.score", "CAST(n.value AS DOUBLE)"):  # the point, and the number as given where it is not one
        refuse_off_scale(cursor, f"SELECT n.pair_id, coalesce(r.criterion, '') AS criterion, {given} AS score "
                                 "FROM new_results n JOIN judge_runs r ON r.id = n.run_id")
    columns = ", ".join(_COLUMNS)
    given = columns.replace("evidence", "CAST(evidence AS JSON)")
    cursor.execute(f"""INSERT INTO judge_results ({columns}) SELECT {given} FROM new_results
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


def store_answers(
    db: Database,
    run_id: int,
    results: Sequence[Judgment],
    cached: Sequence[bool],
    answers: dict[str, CachedAnswer],
) -> None:
    """Results of a run and the new answers for the cache, in one transaction; nothing stored twice."""
    with db.transaction() as cursor:
        insert_judgments(cursor, run_id, results, cached, answers)


def stored_scores(db: Database, run_id: int) -> dict[tuple[int, int], int | None]:
    """(pair, sample) -> score (None for a failure) of what a run holds."""
    rows = fetch_all(db, "SELECT pair_id, sample, score FROM judge_results WHERE run_id = ?", [run_id])
    return {(int(p), int(s)): None if v is None else int(v) for p, s, v in rows}


OWN_SAMPLE = "j.sample < coalesce(TRY_CAST(json_extract(r.parameters, '$.samples') AS INTEGER), 2147483647)"
"""A sample a run planned, not one added later by repeating it (see ``judge.llm.run.repeat_run``): a run's
score per pair rests on these only, so repeating pairs to measure repeatability never moves its figures."""


def results_frame(db: Database, run_id: int | None = None, *, repeats: bool = False) -> pd.DataFrame:
    """A run's judgments (every run's: ``run_id`` None), one row per (pair, sample); ``repeats``: with the
    samples added by repeating the run too (repeatability, transcripts, exports)."""
    return frame(
        db,
        f"""SELECT r.id AS run_id, r.name AS run, r.judge_kind, r.model, d.name AS dataset,
                      p.external_id, j.sample, j.score, coalesce(j.value, j.score) AS value, j.failure, j.error, j.reasoning, j.input_tokens,
                      j.output_tokens, j.cost_usd, j.latency_ms, j.pair_id,
                      coalesce(u.samples, 'median') AS consensus_rule
               FROM judge_results j JOIN judge_runs r ON r.id = j.run_id
               JOIN pairs p ON p.id = j.pair_id JOIN datasets d ON d.id = p.dataset_id
               LEFT JOIN dataset_rules u ON u.dataset_id = p.dataset_id
               WHERE ($run IS NULL OR j.run_id = $run) AND ($repeats OR {OWN_SAMPLE}) ORDER BY j.id""",  # noqa: S608 - a fixed fragment
        {"run": run_id, "repeats": repeats},
    )


def judged_pairs(db: Database, run_id: int) -> set[int]:
    rows = fetch_all(db, "SELECT DISTINCT pair_id FROM judge_results WHERE run_id = ?", [run_id])
    return {int(r[0]) for r in rows}


def judged_samples(db: Database, run_id: int) -> set[tuple[int, int]]:
    rows = fetch_all(db, "SELECT pair_id, sample FROM judge_results WHERE run_id = ?", [run_id])
    return {(int(p), int(s)) for p, s in rows}


def latest_evidence(db: Database, pair_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For each pair, the evidence of its latest execution-judge result, where there is one."""
    rows = fetch_all(
        db,
        """SELECT j.pair_id, (array_agg(j.evidence ORDER BY j.id DESC))[1] FROM judge_results j
               JOIN judge_runs r ON r.id = j.run_id
               WHERE r.judge_kind = 'execution' AND j.evidence IS NOT NULL AND list_contains($ids, j.pair_id)
               GROUP BY j.pair_id""",
        {"ids": list(pair_ids)},
    )
    return {int(p): json.loads(e) for p, e in rows}


def result_detail(db: Database, run_id: int, pair_id: int) -> list[dict[str, Any]]:
    """Every sample of one pair in one run, with its full transcript."""
    return records(
        db,
        """SELECT sample, score, failure, error, reasoning, prompt, raw_response, input_tokens, output_tokens, cost_usd,
                  latency_ms, cached, evidence
           FROM judge_results WHERE run_id = ? AND pair_id = ? ORDER BY sample""",
        [run_id, pair_id],
    )


def run_results(db: Database, run_id: int) -> list[dict[str, Any]]:
    """Every result of a run with the pair it judged, named by dataset, external id and content hash."""
    return records(
        db,
        """SELECT d.name AS dataset, p.external_id, p.content_hash, j.sample, j.score, j.failure, j.error,
                  j.reasoning, j.prompt, j.raw_response, j.model, j.input_tokens, j.output_tokens, j.cost_usd, j.latency_ms,
                  j.evidence, j.cached
           FROM judge_results j JOIN pairs p ON p.id = j.pair_id JOIN datasets d ON d.id = p.dataset_id
           WHERE j.run_id = ? ORDER BY j.id""",
        [run_id],
    )


def generator_rows(db: Database, dataset: str) -> pd.DataFrame:
    """One row per pair of a dataset: who generated it (and with which prompt), whether it was a valid
    definition and what making it cost (the scores of a run and of people are joined by the caller)."""
    return frame(
        db,
        """SELECT p.id AS pair_id, coalesce(p.generator_model, '(unknown)') AS generator,
                  json_extract_string(p.metadata, '$.generation.prompt') AS prompt,
                  TRY_CAST(json_extract(p.metadata, '$.generation.valid') AS BOOLEAN) AS valid,
                  TRY_CAST(json_extract(p.metadata, '$.generation.input_tokens') AS BIGINT) AS input_tokens,
                  TRY_CAST(json_extract(p.metadata, '$.generation.output_tokens') AS BIGINT) AS output_tokens,
                  TRY_CAST(json_extract(p.metadata, '$.generation.cost_usd') AS DOUBLE) AS cost_usd
           FROM pairs p JOIN datasets d ON d.id = p.dataset_id
           WHERE d.name = $dataset ORDER BY p.id""",
        {"dataset": dataset},
    )