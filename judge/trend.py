"""Alignment across prompt versions, like with like: one line per calibration set and judge model.

A run made on a calibration set is measured on the set's test pairs against the consensus of its snapshot;
its line is the set (and the snapshot, when the set has runs on more than one) with the model. A run made
on no set is measured on its dataset's rated pairs against people's consensus now, on a line of its own
dataset and model. Runs on other datasets or sets never join a line.
"""

from __future__ import annotations

import json

import pandas as pd

from judge.agreement.report import report_from
from judge.agreement.stats import headline_for
from judge.calibration import human, load_set
from judge.dataset_rubric import scale_of
from storage import Database
from storage import calibration as calibration_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["COLUMNS", "trend"]

COLUMNS = ["line", "point", "run", "created_at", "model", "prompt", "n", "value", "low", "high"]
RESAMPLES = 300


def trend(db: Database, key: str, dataset: str | None = None, resamples: int = RESAMPLES,
          criterion: str | None = None) -> pd.DataFrame:  # fmt: skip
    """The ``key`` figure of every run people's ratings overlap, oldest first, with its 95% interval and
    the line it belongs to (``dataset``: only runs of it; ``criterion``: only runs that scored it)."""
    sets = calibration_store.sets_frame(db)
    names = dict(zip(sets["sha256"], sets["name"], strict=True))
    runs = run_store.runs_frame(db).sort_values("id")
    if dataset is not None:
        runs = runs[runs["dataset"] == dataset]
    if criterion is not None:
        runs = runs[runs["criterion"] == criterion]
    used = {s for s in runs["calibration_sha256"].dropna() if s in names}
    snapshots = {n for n in {names[s] for s in used} if sum(names[s] == n for s in used) > 1}  # runs on 2+ snapshots
    ratings = rating_store.ratings_frame(db)
    rows = []
    for run in runs.itertuples():
        results = result_store.results_frame(db, int(run.id))
        if results.empty:
            continue
        who = run.model if isinstance(run.model, str) and run.model else str(run.judge)
        sha = run.calibration_sha256 if isinstance(run.calibration_sha256, str) else None
        if sha is not None and sha in names:
            calibration = load_set(db, names[sha], sha)
            test = calibration.test_pairs
            people = human(calibration, test)
            results = results[results["pair_id"].isin(test)]
            where = calibration.name + (f" (snapshot {sha[:6]})" if calibration.name in snapshots else "")
        else:
            people = ratings[ratings["criterion"] == run.criterion]
            where = f"{run.dataset}{f' · {run.criterion}' if run.criterion else ''} (rated pairs now)"
        if results.empty or people.empty:
            continue
        scale = scale_of(db, str(run.dataset), str(run.criterion))
        result = report_from(int(run.id), results, people, resamples=resamples, scale=scale)
        if not result.n:
            continue
        figure = result.figure(headline_for(key, scale))
        prompt = run.prompt if isinstance(run.prompt, str) else str(run.judge)
        flipped = (
            json.loads(run.parameters).get("order") == "reversed"
            if isinstance(run.parameters, str)
            else False
        )
        how = " · generated first" if flipped else ""  # a reading-order test is not the next version
        rows.append({"line": f"{where} · {who}{how}", "point": f"{prompt} · {who}{how}", "run": int(run.id),
                     "created_at": run.created_at, "model": who, "prompt": prompt, "n": result.n,
                     "value": figure.value, "low": figure.low, "high": figure.high})  # fmt: skip
    shown = pd.DataFrame(rows, columns=COLUMNS)
    again = shown.duplicated(["line", "point"], keep=False)  # the same version run twice: two points, not one
    shown.loc[again, "point"] = (
        shown.loc[again, "point"] + " (run " + shown.loc[again, "run"].astype(str) + ")"
    )
    return shown
