"""What the Prompts page reads and does: versions, calibration sets, a version run on a set, and the
comparison with its parent. Reads take the database first and return plain values or frames."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from judge.agreement.report import consensus, report_from
from judge.agreement.stats import headline_for
from judge.calibration import human, load_set, run_of, snapshot, stale
from judge.comparison import VersionComparison, compare_versions
from judge.dataset_rubric import scale_of
from judge.errors import JudgeError
from judge.gate_files import SET_FORMAT
from judge.llm.prompts import JUDGMENTS, Prompt
from judge.llm.versions import catalog, diff, find, fork, next_version, save
from storage import Database
from storage import calibration as calibration_store
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["calibration_sets", "compare", "diff", "export_set", "find", "fork", "judge_versions",
           "last_settings", "moved_table", "new_snapshot", "next_version", "run_staleness", "save", "version_figure", "version_runs", "versions_table"]  # fmt: skip



def judge_versions(db: Database) -> tuple[list[Prompt], list[str]]:
    """Every judge template version (files and app versions) that loads, and what is wrong with the others."""
    versions, broken = catalog(db)
    return [p for p in versions if p.answer in JUDGMENTS], broken


def versions_table(db: Database) -> pd.DataFrame:
    """The versions as the page lists them, newest version of each name first."""
    versions, _ = judge_versions(db)
    used = run_store.runs_frame(db)["prompt"].value_counts().to_dict()
    rows = [{"Version": p.label, "Answer": "reasoning, then a score" if p.answer == "reasoning_then_score" else "a score",
             "Grades by": "people's rubric" if p.uses_rubric else "a rubric of its own",
             "Examples": f"{p.examples_per_score} per score" if p.uses_examples else "",
             "Where": "prompts/ (a file)" if p.source == "file" else "made in the app",
             "Forked from": p.parent or "", "Runs": int(used.get(p.label, 0)), "Description": p.description}
            for p in sorted(versions, key=lambda p: (p.name, -p.version))]  # fmt: skip
    return pd.DataFrame(rows)


def calibration_sets(db: Database) -> pd.DataFrame:
    """The latest snapshot of every set: name, dataset, pairs, test and dev pairs, when, by whom, and how
    many of its pairs' consensus changed since."""
    frame = calibration_store.sets_frame(db)
    latest = frame.drop_duplicates("name").reset_index(drop=True)
    latest["changed"] = [len(stale(db, load_set(db, str(n)))) for n in latest["name"]]
    latest["dev_pairs"] = latest["pairs"] - latest["test_pairs"]
    return latest


def new_snapshot(db: Database, name: str, dataset: str, by: str | None, dev_share: float | None = None) -> str:
    """A snapshot of set ``name`` as ratings are now; returns a sentence saying what it holds."""
    made = snapshot(db, name.strip(), dataset, dev_share=dev_share, by=by)
    return (f"Calibration set {made.name}: {len(made.pairs)} rated pairs of {made.dataset}, {len(made.test_pairs)} "
            f"to compare versions on and {len(made.dev_pairs)} for examples.")  # fmt: skip


def last_settings(db: Database, calibration: str) -> dict[str, Any]:
    """Provider, model and server of the latest LLM run on the set, so that a new version is run as the one
    it is compared with was (empty when the set has no LLM run)."""
    sha = load_set(db, calibration).sha256
    runs = run_store.runs_frame(db)
    mine = runs[(runs["calibration_sha256"] == sha) & (runs["judge"] == "llm")]
    if mine.empty:
        return {}
    latest = mine.iloc[0]
    parameters = json.loads(latest["parameters"]) if isinstance(latest["parameters"], str) else {}
    return {"provider": latest["provider"], "model": latest["model"], "base_url": parameters.get("base_url"),
            "temperature": parameters.get("temperature", 0.0)}  # fmt: skip


def version_runs(db: Database, calibration: str, label: str) -> pd.DataFrame:
    """Runs of one version on the set's current snapshot, newest first: id, status, model, planned, judged."""
    name, _, version = label.partition("@")
    return run_store.calibration_runs(db, load_set(db, calibration).sha256, name, version)


def version_figure(db: Database, calibration: str, label: str, model: str | None = None) -> str | None:
    """How the version's latest complete run on the set (by ``model`` when given) agrees with people, in
    one line; None when it has none."""
    found = load_set(db, calibration)
    run_id, _ = run_of(db, found, label, model)
    if run_id is None:
        return None
    results = result_store.results_frame(db, run_id)
    scale = scale_of(db, found.dataset, found.criterion)
    result = report_from(run_id, results[results["pair_id"].isin(found.test_pairs)], human(found, found.test_pairs),
                         scale=scale)  # fmt: skip
    figure = result.figure(headline_for("within_one", scale))
    if figure.value is None:
        return None
    interval = (
        ""
        if figure.low is None or figure.high is None
        else f", 95% interval {100 * figure.low:.0f}-{100 * figure.high:.0f}%"
    )
    within = round(figure.value * result.n)
    return (f"**{label}** (run {run_id}): {within} of {result.n} judge scores {scale.close_words} people's on the "
            f"test pairs of {calibration}: {100 * figure.value:.1f}%{interval}.")  # fmt: skip


def compare(
    db: Database, calibration: str, base: str, new: str, model: str | None = None
) -> VersionComparison:
    return compare_versions(db, calibration, base, new, model)


def moved_table(db: Database, comparison: VersionComparison) -> pd.DataFrame:
    """The pairs that moved into or out of one point of people's consensus: which way, the pair, people's
    score and each version's."""
    calibration = load_set(db, comparison.calibration)
    people = dict(zip(calibration.pairs["pair_id"].astype(int), calibration.pairs["consensus"].astype(int), strict=True))
    scores = {run: consensus(result_store.results_frame(db, run).dropna(subset=["score"]).astype({"score": int}))
              for run in (comparison.base_run, comparison.new_run)}  # as every figure takes a judge's samples
    moved = [(p, "now within one") for p in comparison.now_within] + [(p, "no longer within one")
                                                                       for p in comparison.no_longer_within]  # fmt: skip
    named = pair_store.identities(db, [p for p, _ in moved])
    return pd.DataFrame([{"moved": way, "pair": named.get(p, (str(p), ""))[0], "people": people.get(p),
                          comparison.base: scores[comparison.base_run].get(p),
                          comparison.new: scores[comparison.new_run].get(p), "pair_id": p} for p, way in moved],
                        columns=["moved", "pair", "people", comparison.base, comparison.new, "pair_id"])  # fmt: skip


def run_staleness(db: Database, run_id: int) -> str | None:
    """For a run made on a calibration set: a sentence when people's consensus changed since its snapshot
    (or a newer snapshot exists), else None."""
    settings = run_store.run_settings(db, run_id) or {}
    sha, name = settings.get("calibration_sha256"), (settings.get("parameters") or {}).get("calibration")
    if not sha or not name:
        return None
    try:
        then = load_set(db, str(name), str(sha))
    except JudgeError:
        return None
    changed = stale(db, then)
    if changed:
        return (f"Run {run_id} was made on calibration set {name} as it was then; people's consensus has changed on "
                f"{len(changed)} of its pairs since, so its figures against the set are stale. Take a new snapshot on "
                "the Prompts page and run again.")  # fmt: skip
    return None


def set_checksum(content: Mapping[str, object]) -> str:
    """The hash of what the gate reads from an exported set (its snapshot, criterion, scale and pairs), so that
    a file edited after the export is told from the one exported."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def export_set(db: Database, name: str) -> bytes:
    """The set as a file for the CLI while the app holds the database: its snapshot hash, dataset, and
    every pair with its external id, content hash, consensus and split."""
    calibration = load_set(db, name)
    named = pair_store.identities(db, [int(p) for p in calibration.pairs["pair_id"]])
    rows = [{"external_id": named[int(p)][0], "content_hash": named[int(p)][1], "consensus": int(c), "split": str(s)}
            for p, c, s in calibration.pairs[["pair_id", "consensus", "split"]].itertuples(index=False)]  # fmt: skip
    if not rows:
        raise JudgeError(f"calibration set {name!r} holds no pairs")
    scale = scale_of(db, calibration.dataset, calibration.criterion)
    content = {"sha256": calibration.sha256, "criterion": calibration.criterion, "pairs": rows,
               "scale": {"points": list(scale.points), "labels": list(scale.labels), "pass_at": scale.pass_at}}
    return json.dumps({"format": SET_FORMAT, "name": calibration.name, "dataset": calibration.dataset,
                       "dev_share": calibration.dev_share, **content, "checksum": set_checksum(content)},
                      indent=1).encode()  # fmt: skip
