"""Calibration sets, and the gate that reads them.

A calibration set is a named snapshot of a dataset's human-rated pairs: which pairs, the consensus each
had at that moment (the lower median of the current ratings, as every figure uses), and a fixed split
into dev pairs (where examples may come from) and test pairs (where versions are compared), with a hash
of all of it. Runs made for alignment are made on a set and store its hash. When ratings change later,
the set is stale: its figures say so, and a new snapshot is one call away.

The gate answers "may this prompt version ship?" from stored results alone, with no key: 0 it passes,
1 it fails, 2 it cannot tell (no run, an incomplete run, a stale set, or too few pairs for the interval
to decide). It fails closed: a pass needs the whole 95% interval on the right side.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from judge.agreement.report import FIGURES, compare_results, consensus, report_from
from judge.agreement.stats import headline_for
from judge.dataset_rubric import choose_criterion, scale_of
from judge.errors import JudgeError
from judge.scale import FIVE, Scale
from storage import Database
from storage import calibration as calibration_store
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["CalibrationSet", "GateResult", "Verdict", "decide", "gate", "human", "load_set", "run_of", "snapshot", "stale"]

DEV_SHARE = 0.2
MIN_PAIRS = 10  # fewer test pairs than this: the gate cannot tell
LOWER_OR_SIGNED = frozenset({"mae", "bias"})  # no "at least" makes sense for these
Verdict = Literal[0, 1, 2]


@dataclass(frozen=True)
class CalibrationSet:
    id: int
    name: str
    dataset: str
    sha256: str
    dev_share: float
    pairs: pd.DataFrame  # pair_id, consensus, split
    criterion: str = ""  # the criterion of the dataset its consensus is of ('' where it names none)

    @property
    def test_pairs(self) -> list[int]:
        return [int(p) for p in self.pairs.loc[self.pairs["split"] == "test", "pair_id"]]

    @property
    def dev_pairs(self) -> list[int]:
        return [int(p) for p in self.pairs.loc[self.pairs["split"] == "dev", "pair_id"]]


def _current(db: Database, dataset: str, criterion: str) -> pd.Series:
    """Consensus now, per rated pair of ``dataset`` on ``criterion``."""
    ratings = rating_store.ratings_frame(db, dataset, criterion=criterion)
    return consensus(ratings) if not ratings.empty else pd.Series(dtype=int)


def _split(external_id: str, name: str, dev_share: float) -> str:
    """dev or test, fixed by the pair and the set's name: the same pair stays on its side in every snapshot."""
    draw = int(hashlib.sha256(f"{name}\0{external_id}".encode()).hexdigest()[:12], 16) / 16**12
    return "dev" if draw < dev_share else "test"


def _digest(rows: list[tuple[int, int, str]]) -> str:
    return hashlib.sha256(json.dumps(sorted(rows)).encode()).hexdigest()


def snapshot(db: Database, name: str, dataset: str, *, dev_share: float | None = None, by: str | None = None,
             criterion: str | None = None) -> CalibrationSet:  # fmt: skip
    """A new snapshot of set ``name``: every rated pair of ``dataset`` with its consensus now, split with
    ``dev_share`` (default: the set's own, else 0.2). The same ratings give the same hash, so asking again
    without a change (or after ratings changed and changed back) makes that snapshot the current one."""
    if not name.strip():
        raise JudgeError("a calibration set needs a name")
    earlier = calibration_store.latest_set(db, name)
    if dev_share is None:
        dev_share = earlier.dev_share if earlier is not None else DEV_SHARE
    if not 0 <= dev_share <= 0.9 or not math.isfinite(dev_share):
        raise JudgeError(f"the dev share is from 0 to 0.9 (the rest is compared on), not {dev_share}")
    dataset_key = pair_store.dataset_id(db, dataset)
    if dataset_key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    if earlier is not None and earlier.dataset != dataset:
        raise JudgeError(f"calibration set {name!r} is of dataset {earlier.dataset!r}; give a set of {dataset!r} "
                         "another name")  # fmt: skip
    criterion = _criterion(db, dataset, criterion, earlier.criterion if earlier is not None else None)
    if earlier is not None and earlier.criterion != criterion:
        raise JudgeError(f"calibration set {name!r} is of criterion {earlier.criterion!r}; give a set of "
                         f"{criterion!r} another name")  # fmt: skip
    now = _current(db, dataset, criterion)
    if now.empty:
        raise JudgeError(f"nobody has rated a pair of {dataset!r} yet: a calibration set is made of rated pairs")
    external = pair_store.pairs_frame(db, dataset).set_index("pair_id")["external_id"]
    rows = [(int(p), int(c), _split(str(external[p]), name, dev_share)) for p, c in now.items()]
    if not any(split == "test" for _, _, split in rows):
        raise JudgeError(f"none of the {len(rows)} rated pairs would be compared on with a dev share of {dev_share}; "
                         "rate more pairs or lower the dev share")  # fmt: skip
    sha = _digest(rows)
    if earlier is not None and earlier.sha256 == sha:
        return load_set(db, name)
    again = calibration_store.latest_set(db, name, sha)
    if again is not None:  # ratings are as they were at an earlier snapshot: that one is current again
        calibration_store.make_current(db, again.id)
        return load_set(db, name)
    calibration_store.add_set(db, name, dataset_key, sha, dev_share, by, rows, criterion)
    return load_set(db, name)


def _criterion(db: Database, dataset: str, given: str | None, earlier: str | None) -> str:
    """The criterion a set is of: the one given, the set's own, or the dataset's only one."""
    return choose_criterion(db, dataset, given, earlier, what="the set is of")


def load_set(db: Database, name: str, sha256: str | None = None) -> CalibrationSet:
    """The latest snapshot of set ``name`` (``sha256``: the snapshot with that hash, as a run recorded it)."""
    stored = calibration_store.latest_set(db, name, sha256)
    if stored is None and sha256 is not None and calibration_store.latest_set(db, name) is not None:
        raise JudgeError(f"calibration set {name!r} has no snapshot {sha256[:12]}")
    if stored is None:
        raise JudgeError(f"no calibration set named {name!r} (make one with judge calibrate {name} --dataset D)")
    return CalibrationSet(stored.id, stored.name, stored.dataset, stored.sha256, stored.dev_share,
                          calibration_store.set_pairs(db, stored.id), stored.criterion)  # fmt: skip


def stale(db: Database, calibration: CalibrationSet) -> list[int]:
    """The set's pairs whose consensus is not what it was at the snapshot (also: no longer rated)."""
    now = _current(db, calibration.dataset, calibration.criterion)
    then = calibration.pairs.set_index("pair_id")["consensus"]
    return sorted(int(p) for p, c in then.items() if p not in now.index or int(now[p]) != int(c))


@dataclass(frozen=True)
class GateResult:
    code: Verdict
    reason: str
    figures: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"exit": self.code, "reason": self.reason, **self.figures}, default=str)


def run_of(db: Database, calibration: CalibrationSet, prompt: str, model: str | None = None) -> tuple[int | None, str]:
    """The latest finished, complete run of ``prompt`` (NAME@VERSION) on the set (by ``model`` when given);
    or None and why not."""
    name, _, version = prompt.partition("@")
    if not version:
        return None, f"name the version: --prompt {name}@VERSION"
    runs = run_store.calibration_runs(db, calibration.sha256, name, version)
    if model is not None:
        runs = runs[runs["model"] == model]
    if runs.empty:
        by = f" by {model}" if model is not None else ""
        return None, (f"no run of {prompt}{by} on calibration set {calibration.name} as it is now (snapshot "
                      f"{calibration.sha256[:8]})")  # fmt: skip
    latest = runs.iloc[0]
    if latest["status"] != "finished" or (pd.notna(latest["planned"]) and latest["judged"] < latest["planned"]):
        return None, f"run {latest['id']} of {prompt} is {latest['status']}, {latest['judged']} of {latest['planned']} judged"
    return int(latest["id"]), ""


def human(calibration: CalibrationSet, pair_ids: list[int]) -> pd.DataFrame:
    """The set's consensus as the ratings every figure is computed against (one per pair)."""
    chosen = calibration.pairs[calibration.pairs["pair_id"].isin(pair_ids)]
    return pd.DataFrame({"pair_id": chosen["pair_id"], "score": chosen["consensus"]})


def gate(
    db: Database,
    calibration_name: str,
    prompt: str,
    minimum: dict[str, float] | None = None,
    no_worse_than: str | None = None,
    tolerance: float = 0.0,
) -> GateResult:
    """Whether ``prompt`` passes on the test pairs of the set: each figure of ``minimum`` at least its value
    (the interval's lower bound, not the point, must clear it), and no worse than ``no_worse_than`` on the
    same pairs beyond ``tolerance`` (the paired interval's lower bound of the difference)."""
    if not minimum and no_worse_than is None:
        return GateResult(2, "name what it must pass: --min FIGURE=VALUE (e.g. within_one=0.85) or --no-worse-than")
    try:
        calibration = load_set(db, calibration_name)
    except JudgeError as e:
        return GateResult(2, str(e))
    changed = stale(db, calibration)
    if changed:
        return GateResult(2, f"stale: the consensus of {len(changed)} pair(s) of calibration set {calibration.name} "
                             "changed since its snapshot; take a new snapshot and run again")  # fmt: skip
    if no_worse_than is not None and no_worse_than.strip() == prompt.strip():
        return GateResult(2, f"--no-worse-than names {prompt} itself; name the version it must not be worse than")
    run_id, why = run_of(db, calibration, prompt)
    if run_id is None:
        return GateResult(2, why)
    from judge.llm.prompts import PromptError  # here: judge.llm's runs import this module
    from judge.llm.versions import find as find_prompt

    settings = run_store.run_settings(db, run_id) or {}
    try:
        current = find_prompt(db, prompt)
    except PromptError as e:
        return GateResult(2, f"cannot tell: {e}")
    if settings.get("prompt_hash") not in (None, current.sha256):
        return GateResult(2, f"cannot tell: run {run_id} was made with another text of {prompt} than the one there is "
                             "now (the template was edited or replaced); give the change a new version and run it")  # fmt: skip
    base: tuple[str, int, pd.DataFrame] | None = None
    if no_worse_than is not None:
        model = settings.get("model")
        base_id, why = run_of(db, calibration, no_worse_than, model)  # the same model: like with like
        if base_id is None:
            return GateResult(2, why)
        base = (no_worse_than, base_id, result_store.results_frame(db, base_id))
    return decide(calibration.name, calibration.sha256, human(calibration, calibration.test_pairs), run_id,
                  result_store.results_frame(db, run_id), minimum, base, tolerance,
                  scale_of(db, calibration.dataset, calibration.criterion))  # fmt: skip


def decide(
    name: str,
    sha256: str,
    people: pd.DataFrame,
    run_id: int,
    results: pd.DataFrame,
    minimum: dict[str, float] | None,
    base: tuple[str, int, pd.DataFrame] | None,
    tolerance: float = 0.0,
    scale: Scale = FIVE,
) -> GateResult:
    """The gate's decision on the test pairs' consensus ``people`` (pair_id, score), a run's results, and
    (``base``: label, run id, results) the version it must be no worse than, with the figures of ``scale``: a
    figure the scale does not have (within one on a binary scale) is refused, never passed."""
    test = set(people["pair_id"])
    results = results[results["pair_id"].isin(test)]
    if results.empty:
        return GateResult(2, f"run {run_id} judged none of the set's {len(test)} test pairs")
    result = report_from(run_id, results, people, scale=scale)
    figures: dict[str, object] = {
        "run": run_id,
        "pairs": result.n,
        "calibration": name,
        "snapshot": sha256[:12],
    }
    if result.n < MIN_PAIRS:
        return GateResult(2, f"cannot tell: {result.n} test pairs judged and rated; the gate decides on at least "
                             f"{MIN_PAIRS}", figures)  # fmt: skip
    failed, unsure = [], []
    for key, wanted in (minimum or {}).items():
        if key not in FIGURES:
            return GateResult(2, f"unknown figure {key!r}; one of {', '.join(FIGURES)}")
        if key in LOWER_OR_SIGNED:
            return GateResult(2, f"{key} is not a figure where higher is better; gate on one of "
                                 f"{', '.join(k for k in FIGURES if k not in LOWER_OR_SIGNED)}")  # fmt: skip
        if not math.isfinite(wanted):
            return GateResult(2, f"the minimum of {key} is a number, not {wanted}")
        if not result.has(key):
            return GateResult(2, f"{key} is not a figure of the {scale.describe()} scale the set is rated on "
                                 f"(it would mean nothing there); gate on one of "
                                 f"{', '.join(f.key for f in result.figures if f.key not in LOWER_OR_SIGNED)}")  # fmt: skip
        figure = result.figure(key)  # shares carry their exact interval (a bootstrap collapses at 100%)
        figures[key] = {"value": figure.value, "low": figure.low, "high": figure.high, "min": wanted}
        if figure.value is None or figure.low is None or figure.high is None:
            unsure.append(f"{key} cannot be computed on {result.n} pairs")
        elif figure.high < wanted:
            failed.append(f"{key} {figure.value:.3f} (95% interval {figure.low:.3f} to {figure.high:.3f}) is below {wanted}")
        elif figure.low < wanted:
            unsure.append(f"{key} {figure.value:.3f}: its 95% interval {figure.low:.3f} to {figure.high:.3f} "
                          f"straddles {wanted} on {result.n} pairs")  # fmt: skip
    if base is not None:
        label, base_id, base_results = base
        key = next(iter(minimum or {headline_for("within_one", scale): 0.0}))
        comparison = compare_results(base_results, results, people, scale=scale)
        change = next(d for d in comparison.differences if d.key == key)
        figures["against"] = {"run": base_id, "prompt": label, "figure": key, "difference": change.difference,
                              "low": change.low, "high": change.high}  # fmt: skip
        if change.difference is None or change.low is None or change.high is None:
            unsure.append(f"the change of {key} against {label} cannot be computed")
        elif change.high < -tolerance:
            failed.append(f"{key} is worse than {label} by {-change.difference:.3f} (95% paired interval "
                          f"{change.low:+.3f} to {change.high:+.3f})")  # fmt: skip
        elif change.low < -tolerance:
            unsure.append(f"against {label}, {key} changes by {change.difference:+.3f}, 95% paired interval "
                          f"{change.low:+.3f} to {change.high:+.3f}: it may be worse")  # fmt: skip
    if failed:
        return GateResult(1, "fails: " + "; ".join(failed), figures)
    if unsure:
        return GateResult(2, "cannot tell: " + "; ".join(unsure), figures)
    return GateResult(0, f"passes on {result.n} test pairs of {name}", figures)
