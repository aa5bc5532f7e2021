"""Run files: an LLM run made on the command line while the app held the database, for the app to import.

DuckDB lets one process open a database file, so while the app runs, ``judge run --pairs FILE --out RUN``
judges the pairs of an exported file in memory and writes the whole run here instead. A run file is JSON
Lines: the first line is the run (its settings, prompt name, version and hash, and a token that makes a
second import of the same file add nothing), every further line one judgment with its full transcript,
naming its pair by external id and content hash; an import refuses a pair whose content is not what was
judged, and stores all of the run or none of it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from judge.data.files import bulk, read_rows
from judge.data.importer import ImportRejected, ImportReport
from judge.data.records import RowError, RowInvalid, judgment_row
from judge.dataset_rubric import choose_criterion, rubric_for
from judge.errors import JudgeError
from judge.judgment import Judgment
from judge.llm.prompts import PromptError
from judge.llm.run import JUDGE_NAME
from judge.scale import Scale
from storage import Database, RefusedError
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["FORMAT", "import_run_file", "write_run_file"]

FORMAT = "llm-judge-run/1"
_RUN_KEYS = ("name", "judge_kind", "provider", "model", "prompt_name", "prompt_version", "prompt_hash")


def write_run_file(db: Database, run_id: int, path: Path) -> int:
    """Write a run and its results; returns the number of results written."""
    settings = run_store.run_settings(db, run_id)
    if settings is None:
        raise JudgeError(f"no run with id {run_id}")
    header = {"format": FORMAT, "token": str(uuid.uuid4()), "dataset": settings["dataset"],
              "status": settings["status"], "parameters": settings["parameters"], "planned": settings["planned"],
              "criterion": settings.get("criterion") or "",
              **{k: settings[k] for k in _RUN_KEYS}}  # fmt: skip
    results = result_store.run_results(db, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for row in results:
            row = {**row, "evidence": json.loads(row["evidence"]) if row["evidence"] else None}
            out.write(json.dumps({k: v for k, v in row.items() if k != "dataset"}, ensure_ascii=False) + "\n")
    partial.replace(path)  # a reader never sees half a file
    return len(results)


@bulk()
def import_run_file(db: Database, path: Path, criterion: str | None = None) -> ImportReport:
    """Add the run of a run file (all of it or nothing); a file imported before adds nothing. The run scored
    the criterion its file names (``criterion``: for a file that names none, on a dataset with several)."""
    rows = read_rows(path)
    if path.suffix.lower() not in (".jsonl", ".ndjson") or not rows or rows[0].get("format") != FORMAT:
        raise JudgeError(f"{path.name}: not a run file: its first line must be a run with format {FORMAT!r} "
                         "(written by judge run --pairs FILE --out RUN.jsonl)")  # fmt: skip
    header, lines = rows[0], rows[1:]
    missing = [k for k in ("token", "dataset", "model", "prompt_name", "prompt_version", "prompt_hash")
               if not isinstance(header.get(k), str)]  # fmt: skip
    if missing:
        raise JudgeError(f"{path.name}, row 1: the run lacks {', '.join(missing)}")
    if not isinstance(header.get("parameters", {}), dict):
        raise JudgeError(f"{path.name}, row 1: parameters is an object of the run's settings, not {header['parameters']!r}")
    earlier = run_store.run_with_token(db, header["token"])
    if earlier is not None:
        return ImportReport(0, len(lines))
    keys = pair_store.pair_keys(db, header["dataset"])
    if not keys:
        raise JudgeError(f"{path.name}: this database has no pairs in dataset {header['dataset']!r}; "
                         "the run can only be imported where its pairs are")  # fmt: skip
    edited = run_store.prompt_hashes(db, header["prompt_name"], header["prompt_version"]) - {header["prompt_hash"]}
    if edited:
        raise PromptError(f"{path.name}: prompt {header['prompt_name']}@{header['prompt_version']} differs from the "
                          "one of the same version used here; give the edited template a new version")  # fmt: skip
    wanted = header.get("criterion", header.get("parameters", {}).get("criterion"))
    named = wanted if isinstance(wanted, str) and wanted else None
    if named is not None and criterion is not None and named != criterion:
        raise JudgeError(f"{path.name}: the run scored criterion {named!r}, not {criterion!r}")
    criterion = choose_criterion(db, header["dataset"], named or criterion, what="the run scored")
    scale = rubric_for(db, header["dataset"], criterion).scale  # the run's own scale, never 1-5 by default
    results, cached, errors = [], [], []
    for number, line in enumerate(lines, start=2):
        try:
            results.append(_result(line, keys, header["dataset"], scale))
            cached.append(bool(line.get("cached", False)))
        except RowInvalid as e:
            errors.append(RowError(number, e.field, e.reason))
    if errors:
        raise ImportRejected(path, errors, len(errors))
    if str(header.get("status") or "finished") not in run_store.RUN_STATUSES:
        raise JudgeError(f"{path.name}, row 1: the run's status is one of {', '.join(run_store.RUN_STATUSES)}, "
                         f"not {header.get('status')!r}")  # fmt: skip
    planned = header.get("planned", header.get("parameters", {}).get("calls"))
    if planned is not None and (isinstance(planned, bool) or not isinstance(planned, int) or planned < 0):
        raise JudgeError(f"{path.name}, row 1: planned is a whole number of judgments, not {planned!r}")
    run = {"name": str(header.get("name") or path.stem), "judge_kind": "llm",
           "status": str(header.get("status") or "finished"), "provider": header.get("provider"),
           "model": header["model"], "prompt_name": header["prompt_name"],
           "prompt_version": header["prompt_version"], "prompt_hash": header["prompt_hash"],
           "parameters": header.get("parameters", {}), "dataset_id": pair_store.dataset_id(db, header["dataset"]),
           "source": path.name, "run_file": header["token"], "planned": planned, "criterion": criterion}  # fmt: skip
    try:
        run_store.add_finished_run(db, run, results, cached)
    except RefusedError:  # the same file imported meanwhile (another tab, the command line): it is there once
        if run_store.run_with_token(db, header["token"]) is None:
            raise
        return ImportReport(0, len(lines))
    return ImportReport(len(results), 0)


def _result(line: dict[str, Any], keys: dict[str, tuple[int, str]], dataset: str, scale: Scale) -> Judgment:
    external = str(line.get("external_id", ""))
    if external not in keys:
        raise RowInvalid("external_id", f"no pair {external!r} in dataset {dataset!r}")
    pair_id, content = keys[external]
    if line.get("content_hash") != content:
        raise RowInvalid("content_hash", f"pair {external!r} here is not the pair that was judged")
    return judgment_row(line, JUDGE_NAME, pair_id, scale)
