"""Judge runs: what was judged, by which judge and prompt, and how far it got."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from judge.judgment import Judgment
from storage.db import Database
from storage.kinds import JUDGE_KINDS, RUN_STATUSES, JudgeKind, RunStatus
from storage.results import insert_judgments
from storage.sql import Cursor, fetch_all, fetch_one, frame, utc_now

__all__ = [
    "JUDGE_KINDS",
    "RUN_STATUSES",
    "add_finished_run",
    "calibration_runs",
    "create_run",
    "find_run",
    "insert_run",
    "prompt_hashes",
    "run_settings",
    "run_with_token",
    "set_planned",
    "runs_frame",
    "set_run_status",
]

_RUN_FIELDS = ("provider", "model", "prompt_name", "prompt_version", "prompt_hash", "parameters",
               "dataset_id", "source", "started_at", "finished_at", "planned", "run_file", "calibration_sha256",
               "pair_ids", "criterion")  # fmt: skip


def create_run(db: Database, *, name: str, judge_kind: JudgeKind, status: RunStatus, **fields: Any) -> int:
    """A new judge run; ``fields`` are the optional columns of ``judge_runs`` (``planned``: how many
    judgments the run will make, fixed when it is created; ``run_file``: the token of the run file it came
    from)."""
    with db.transaction() as cursor:
        return insert_run(cursor, name=name, judge_kind=judge_kind, status=status, **fields)


def insert_run(cursor: Cursor, *, name: str, judge_kind: JudgeKind, status: RunStatus, **fields: Any) -> int:
    """:func:`create_run` inside a transaction the caller holds."""
    unknown = set(fields) - set(_RUN_FIELDS)
    if unknown:
        raise ValueError(f"unknown run fields: {sorted(unknown)}")
    if status not in RUN_STATUSES or judge_kind not in JUDGE_KINDS:
        raise ValueError(f"a run is of kind {', '.join(JUDGE_KINDS)} and status {', '.join(RUN_STATUSES)}, "
                         f"not {judge_kind!r} / {status!r}")  # fmt: skip
    if fields.get("parameters") is not None:
        fields["parameters"] = json.dumps(fields["parameters"])
    fields["criterion"] = fields.get("criterion") or ""  # '' for a dataset that names no criteria
    values = [name, judge_kind, status, utc_now(), *(fields.get(k) for k in _RUN_FIELDS)]
    row = cursor.execute(
        """INSERT INTO judge_runs (name, judge_kind, status, created_at, provider, model, prompt_name,
               prompt_version, prompt_hash, parameters, dataset_id, source, started_at, finished_at, planned,
               run_file, calibration_sha256, pair_ids, criterion)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        values,
    ).fetchone()
    assert row is not None
    return int(row[0])


def find_run(db: Database, name: str, judge_kind: str, dataset: int | None) -> int | None:
    """The latest run of this name and kind on ``dataset``: a run belongs to one dataset, so a file of the
    same name imported into another dataset makes a run of its own."""
    row = fetch_one(
        db,
        "SELECT max(id) FROM judge_runs WHERE name = ? AND judge_kind = ? AND dataset_id IS NOT DISTINCT FROM ?",
        [name, judge_kind, dataset],
    )
    return int(row[0]) if row and row[0] is not None else None


def set_run_status(db: Database, run_id: int, status: RunStatus) -> None:
    """Mark a run running, finished, failed or cancelled (with the matching timestamp)."""
    if status not in RUN_STATUSES:
        raise ValueError(f"a run's status is one of {', '.join(RUN_STATUSES)}, not {status!r}")
    with db.transaction() as cursor:
        cursor.execute(
            """UPDATE judge_runs SET status = $status,
                   started_at = CASE WHEN $status = 'running' THEN coalesce(started_at, $now) ELSE started_at END,
                   finished_at = CASE WHEN $status IN ('finished', 'failed', 'cancelled') THEN $now ELSE NULL END
               WHERE id = $run""",
            {"status": status, "now": utc_now(), "run": run_id},
        )


def set_planned(db: Database, run_id: int, planned: int) -> None:
    """How many judgments a run makes, when samples are added to it."""
    with db.transaction() as cursor:
        cursor.execute("UPDATE judge_runs SET planned = ? WHERE id = ?", [planned, run_id])


def run_settings(db: Database, run_id: int) -> dict[str, Any] | None:
    row = fetch_one(
        db,
        """SELECT r.id, r.name, r.judge_kind, r.provider, r.model, r.prompt_name, r.prompt_version,
                      r.prompt_hash, r.parameters, d.name, r.status, r.planned, r.calibration_sha256, r.pair_ids,
                      r.criterion
               FROM judge_runs r LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?""",
        [run_id],
    )
    if row is None:
        return None
    keys = ("id", "name", "judge_kind", "provider", "model", "prompt_name", "prompt_version", "prompt_hash",
            "parameters", "dataset", "status", "planned", "calibration_sha256", "pair_ids", "criterion")  # fmt: skip
    settings = dict(zip(keys, row, strict=True))
    settings["parameters"] = json.loads(settings["parameters"]) if settings["parameters"] else {}
    return settings


def runs_frame(db: Database) -> pd.DataFrame:
    """Every run, newest first, with its settings, progress, errors, tokens and cost."""
    return frame(
        db,
        """SELECT r.id, r.name, r.judge_kind AS judge, r.provider, r.model,
                      r.prompt_name || '@' || r.prompt_version AS prompt, d.name AS dataset, r.criterion, r.status,
                      coalesce(j.judged, 0) AS judged, coalesce(j.errors, 0) AS errors,
                      r.planned, j.input_tokens, j.output_tokens, j.cost_usd, coalesce(j.cached, 0) AS cached,
                      r.parameters, r.created_at, r.finished_at, r.calibration_sha256,
                      coalesce(b.open_batches, 0) AS open_batches, b.provider_done, b.provider_total
               FROM judge_runs r LEFT JOIN datasets d ON d.id = r.dataset_id
               LEFT JOIN (SELECT run_id, count(*) AS judged, count(error) AS errors,
                                 sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                                 sum(cost_usd) AS cost_usd, count(*) FILTER (WHERE cached) AS cached
                          FROM judge_results GROUP BY run_id) j ON j.run_id = r.id
               LEFT JOIN (SELECT run_id, count(*) AS open_batches, sum(done) AS provider_done,
                                 sum(len(json_keys(items))) AS provider_total
                          FROM judge_batches WHERE collected_at IS NULL GROUP BY run_id) b ON b.run_id = r.id
               ORDER BY r.id DESC""",
    )


def run_with_token(db: Database, token: str) -> int | None:
    """The run imported from the run file with this token, if any."""
    row = fetch_one(
        db, "SELECT min(id) FROM judge_runs WHERE run_file = ?", [token]
    )
    return int(row[0]) if row and row[0] is not None else None


def prompt_hashes(db: Database, name: str, version: str) -> set[str]:
    rows = fetch_all(
        db,
        "SELECT DISTINCT prompt_hash FROM judge_runs WHERE prompt_name = ? AND prompt_version = ?",
        [name, version],
    )
    return {r[0] for r in rows if r[0]}


def add_finished_run(
    db: Database, run: dict[str, Any], results: Sequence[Judgment], cached: Sequence[bool]
) -> int:
    """A whole run with its results in one transaction: all of it is stored, or none."""
    with db.transaction() as cursor:
        run_id = insert_run(cursor, **run)
        insert_judgments(cursor, run_id, results, cached)
    return run_id


def calibration_runs(db: Database, sha256: str, prompt_name: str, prompt_version: str) -> pd.DataFrame:
    """Runs of one template version made on one calibration snapshot, newest first, with their progress."""
    return frame(
        db,
        """SELECT r.id, r.status, r.model, r.planned, count(j.id) AS judged, count(j.error) AS errors
           FROM judge_runs r LEFT JOIN judge_results j ON j.run_id = r.id
           WHERE r.calibration_sha256 = ? AND r.prompt_name = ? AND r.prompt_version = ?
           GROUP BY r.id, r.status, r.model, r.planned ORDER BY r.id DESC""",
        [sha256, prompt_name, prompt_version],
    )
