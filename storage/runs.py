"""Queries of judge runs beyond the basics in ``queries``: pairs to judge, the answer cache, run listings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from judge.judgment import Judgment
from storage.db import Database
from storage.queries import insert_run, utc_now
from storage.results import CachedAnswer, insert_judgments

__all__ = [
    "VERDICTS",
    "CachedAnswer",
    "add_adjudication",
    "adjudications_frame",
    "JudgeablePair",
    "cached_answers",
    "judgeable_pairs",
    "judged_samples",
    "latest_evidence",
    "add_finished_run",
    "cache_answers",
    "generator_rows",
    "pair_keys",
    "prompt_hashes",
    "result_detail",
    "run_results",
    "run_settings",
    "run_with_token",
    "runs_frame",
    "store_answers",
]


@dataclass(frozen=True)
class JudgeablePair:
    id: int
    kind: str
    request: str | None
    ground_truth: str
    generated: str




def judgeable_pairs(db: Database, dataset: str, *, only_rated: bool = False) -> list[JudgeablePair]:
    """Every pair of ``dataset`` (any kind), or only those with a current human rating; in id order."""
    rows = (
        db.cursor()
        .execute(
            """SELECT p.id, p.kind, p.request, p.ground_truth, p.generated
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = $dataset
                 AND (NOT $rated OR p.id IN (SELECT pair_id FROM current_ratings))
               ORDER BY p.id""",
            {"dataset": dataset, "rated": only_rated},
        )
        .fetchall()
    )
    return [JudgeablePair(int(i), k, r, g, c) for i, k, r, g, c in rows]


def judged_samples(db: Database, run_id: int) -> set[tuple[int, int]]:
    rows = db.cursor().execute("SELECT pair_id, sample FROM judge_results WHERE run_id = ?", [run_id]).fetchall()
    return {(int(p), int(s)) for p, s in rows}


def latest_evidence(db: Database, pair_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For each pair, the evidence of its latest execution-judge result, where there is one."""
    rows = (
        db.cursor()
        .execute(
            """SELECT j.pair_id, arg_max(j.evidence, j.id) FROM judge_results j
               JOIN judge_runs r ON r.id = j.run_id
               WHERE r.judge_kind = 'execution' AND j.evidence IS NOT NULL AND list_contains($ids, j.pair_id)
               GROUP BY j.pair_id""",
            {"ids": list(pair_ids)},
        )
        .fetchall()
    )
    return {int(p): json.loads(e) for p, e in rows}


def prompt_hashes(db: Database, name: str, version: str) -> set[str]:
    rows = (
        db.cursor()
        .execute(
            "SELECT DISTINCT prompt_hash FROM judge_runs WHERE prompt_name = ? AND prompt_version = ?",
            [name, version],
        )
        .fetchall()
    )
    return {r[0] for r in rows if r[0]}


def cached_answers(db: Database, keys: Sequence[str]) -> dict[str, CachedAnswer]:
    rows = (
        db.cursor()
        .execute(
            "SELECT key, text, input_tokens, output_tokens FROM llm_cache WHERE list_contains($keys, key)",
            {"keys": list(keys)},
        )
        .fetchall()
    )
    return {k: CachedAnswer(t, i, o) for k, t, i, o in rows}


def cache_answers(db: Database, answers: dict[str, CachedAnswer]) -> None:
    """Answers for the cache alone (calls that are not judgments, such as the synthetic-data pipeline's)."""
    with db.transaction() as cursor:
        insert_judgments(cursor, 0, [], answers=answers)


def store_answers(
    db: Database, run_id: int, results: Sequence[Judgment], cached: Sequence[bool], answers: dict[str, CachedAnswer]
) -> None:
    """Results of a run and the new answers for the cache, in one transaction; nothing stored twice."""
    with db.transaction() as cursor:
        insert_judgments(cursor, run_id, results, cached, answers)


def run_settings(db: Database, run_id: int) -> dict[str, Any] | None:
    row = (
        db.cursor()
        .execute(
            """SELECT r.id, r.name, r.judge_kind, r.provider, r.model, r.prompt_name, r.prompt_version,
                      r.prompt_hash, r.parameters, d.name, r.status
               FROM judge_runs r LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?""",
            [run_id],
        )
        .fetchone()
    )
    if row is None:
        return None
    keys = ("id", "name", "judge_kind", "provider", "model", "prompt_name", "prompt_version", "prompt_hash",
            "parameters", "dataset", "status")  # fmt: skip
    settings = dict(zip(keys, row, strict=True))
    settings["parameters"] = json.loads(settings["parameters"]) if settings["parameters"] else {}
    return settings


def runs_frame(db: Database) -> pd.DataFrame:
    """Every run, newest first, with its settings, progress, errors, tokens and cost."""
    return (
        db.cursor()
        .execute(
            """SELECT r.id, r.name, r.judge_kind AS judge, r.provider, r.model,
                      r.prompt_name || '@' || r.prompt_version AS prompt, d.name AS dataset, r.status,
                      count(j.id) AS judged, count(j.error) AS errors,
                      TRY_CAST(json_extract(r.parameters, '$.calls') AS INTEGER) AS planned,
                      sum(j.input_tokens) AS input_tokens, sum(j.output_tokens) AS output_tokens,
                      sum(j.cost_usd) AS cost_usd, count(*) FILTER (WHERE j.cached) AS cached,
                      r.parameters, r.created_at, r.finished_at
               FROM judge_runs r LEFT JOIN datasets d ON d.id = r.dataset_id
               LEFT JOIN judge_results j ON j.run_id = r.id
               GROUP BY ALL ORDER BY r.id DESC"""
        )
        .df()
    )


def result_detail(db: Database, run_id: int, pair_id: int) -> list[dict[str, Any]]:
    """Every sample of one pair in one run, with its full transcript."""
    cursor = db.cursor().execute(
        """SELECT sample, score, failure, error, reasoning, prompt, raw_response, input_tokens, output_tokens, cost_usd,
                  latency_ms, cached, evidence
           FROM judge_results WHERE run_id = ? AND pair_id = ? ORDER BY sample""",
        [run_id, pair_id],
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


VERDICTS = ("judge_right", "humans_right", "both_acceptable", "ambiguous")


def add_adjudication(
    db: Database, run_id: int, pair_id: int, verdict: str, note: str | None, who: str, score: int | None = None
) -> None:
    """Record an engineer's verdict on a disagreement, and optionally the score the pair deserves (an
    adjudicated label: it makes the pair a gold pair); earlier verdicts are kept (the latest counts)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if score is not None and (isinstance(score, bool) or score not in range(1, 6)):
        raise ValueError(f"an adjudicated score is a whole number from 1 to 5, not {score!r}")
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO adjudications (run_id, pair_id, verdict, note, adjudicator, created_at, score)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [run_id, pair_id, verdict, note, who, utc_now(), score],
        )


def adjudications_frame(db: Database, run_id: int) -> pd.DataFrame:
    """The latest verdict per pair of a run (with the score it gave, if any), who gave it and when."""
    return (
        db.cursor()
        .execute(
            """SELECT pair_id, arg_max(verdict, id) AS verdict, arg_max_null(note, id) AS note,
                      arg_max_null(score, id) AS score,
                      arg_max(adjudicator, id) AS adjudicator, max(created_at) AS adjudicated_at
               FROM adjudications WHERE run_id = ? GROUP BY pair_id""",
            [run_id],
        )
        .df()
    )


# ---- runs made elsewhere (the command line while the app held the database) ------------------------


def run_results(db: Database, run_id: int) -> list[dict[str, Any]]:
    """Every result of a run with the pair it judged, named by dataset, external id and content hash."""
    cursor = db.cursor().execute(
        """SELECT d.name AS dataset, p.external_id, p.content_hash, j.sample, j.score, j.failure, j.error,
                  j.reasoning, j.prompt, j.raw_response, j.model, j.input_tokens, j.output_tokens, j.cost_usd, j.latency_ms,
                  j.evidence, j.cached
           FROM judge_results j JOIN pairs p ON p.id = j.pair_id JOIN datasets d ON d.id = p.dataset_id
           WHERE j.run_id = ? ORDER BY j.id""",
        [run_id],
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pair_keys(db: Database, dataset: str) -> dict[str, tuple[int, str]]:
    """External id -> (pair id, content hash) for every pair of a dataset."""
    rows = (
        db.cursor()
        .execute(
            """SELECT p.external_id, p.id, p.content_hash FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               WHERE d.name = ?""",
            [dataset],
        )
        .fetchall()
    )
    return {e: (int(i), h) for e, i, h in rows}


def run_with_token(db: Database, token: str) -> int | None:
    """The run imported from the run file with this token, if any."""
    row = (
        db.cursor()
        .execute("SELECT min(id) FROM judge_runs WHERE json_extract_string(parameters, '$.run_file') = ?", [token])
        .fetchone()
    )
    return int(row[0]) if row and row[0] is not None else None


def add_finished_run(db: Database, run: dict[str, Any], results: Sequence[Judgment], cached: Sequence[bool]) -> int:
    """A whole run with its results in one transaction: all of it is stored, or none."""
    with db.transaction() as cursor:
        run_id = insert_run(cursor, **run)
        insert_judgments(cursor, run_id, results, cached)
    return run_id


# ---- generators --------------------------------------------------------------------------------------


def generator_rows(db: Database, dataset: str, run_id: int) -> pd.DataFrame:
    """One row per pair of a dataset: who generated it (and with which prompt), whether it was a valid
    definition, what making it cost, the run's score (median over samples) and the people's mean score."""
    return (
        db.cursor()
        .execute(
            """WITH judged AS (
                   SELECT pair_id, median(score) AS judge_score, count(*) FILTER (WHERE error IS NOT NULL) AS errors
                   FROM judge_results WHERE run_id = $run GROUP BY pair_id),
               people AS (
                   SELECT r.pair_id, avg(r.score) AS human_score FROM rating_events r
                   WHERE r.id IN (SELECT id FROM current_ratings) GROUP BY r.pair_id)
               SELECT p.id AS pair_id, coalesce(p.generator_model, '(unknown)') AS generator,
                      json_extract_string(p.metadata, '$.generation.prompt') AS prompt,
                      TRY_CAST(json_extract(p.metadata, '$.generation.valid') AS BOOLEAN) AS valid,
                      TRY_CAST(json_extract(p.metadata, '$.generation.input_tokens') AS BIGINT) AS input_tokens,
                      TRY_CAST(json_extract(p.metadata, '$.generation.output_tokens') AS BIGINT) AS output_tokens,
                      TRY_CAST(json_extract(p.metadata, '$.generation.cost_usd') AS DOUBLE) AS cost_usd,
                      j.judge_score, people.human_score
               FROM pairs p JOIN datasets d ON d.id = p.dataset_id
               LEFT JOIN judged j ON j.pair_id = p.id LEFT JOIN people ON people.pair_id = p.id
               WHERE d.name = $dataset ORDER BY p.id""",
            {"dataset": dataset, "run": run_id},
        )
        .df()
    )
