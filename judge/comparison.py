"""A template version against the one it was forked from, on the same test pairs of a calibration set,
in the words an engineer decides by.

"within one point: 89.0% -> 92.0% (+3.0 points, 95% interval +0.6 to +5.4 on the same 200 pairs):
better, beyond noise". The interval is the paired bootstrap of the difference (both versions resampled
together, pair by pair); "better" and "worse" need the whole interval on one side of zero, anything else
is "within noise". McNemar's exact test on exact agreement is beside it for a statistician, and the pairs
that moved each way are listed so that an engineer can read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from judge.agreement.report import Difference, compare_runs_on, report_from
from judge.agreement.stats import headline_for
from judge.calibration import human, load_set, run_of, stale
from judge.dataset_rubric import scale_of
from judge.errors import JudgeError
from storage import Database
from storage import results as result_store
from storage import runs as run_store

__all__ = ["VersionComparison", "compare_versions", "p_value", "percent_points"]

Call = Literal["better", "worse", "within noise"]
PERCENT = frozenset({"exact", "within_one", "pass_fail"})


@dataclass(frozen=True)
class VersionComparison:
    calibration: str
    base: str  # NAME@VERSION
    new: str
    model: str | None
    base_run: int
    new_run: int
    n: int
    figure: Difference  # the headline figure (within one point)
    call: Call
    sentence: str
    differences: list[Difference]
    mcnemar_p: float | None
    base_only_exact: int
    new_only_exact: int
    now_within: list[int] = field(default_factory=list)  # pairs the new version brought within one point
    no_longer_within: list[int] = field(default_factory=list)
    split: str = ""  # the pairs compared on, and where the examples came from
    stale: int = 0  # pairs whose consensus changed since the snapshot
    rubrics: str | None = None


def percent_points(d: Difference) -> tuple[str, str, str]:
    """Before -> after, the change and its interval, in percent and points for a share, else plain numbers."""
    if d.a is None or d.b is None or d.difference is None:
        return "n/a", "n/a", "no interval"
    if d.key in PERCENT:
        interval = ("no interval" if d.low is None or d.high is None
                    else f"95% interval {100 * d.low:+.1f} to {100 * d.high:+.1f}")  # fmt: skip
        return f"{100 * d.a:.1f}% -> {100 * d.b:.1f}%", f"{100 * d.difference:+.1f} points", interval
    interval = "no interval" if d.low is None or d.high is None else f"95% interval {d.low:+.3f} to {d.high:+.3f}"
    return f"{d.a:.3f} -> {d.b:.3f}", f"{d.difference:+.3f}", interval


def p_value(p: float | None) -> str:
    if p is None:
        return "no pair changed from right to wrong or back"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _call(d: Difference) -> Call:
    if d.low is None or d.high is None:
        return "within noise"
    lower_is_better = d.key == "mae"
    better, worse = (d.high < 0, d.low > 0) if lower_is_better else (d.low > 0, d.high < 0)
    return "better" if better else "worse" if worse else "within noise"


def compare_versions(db: Database, calibration_name: str, base: str, new: str, model: str | None = None,
                     key: str = "within_one") -> VersionComparison:  # fmt: skip
    """``key``: the figure compared (within one point; exact agreement where the scale has no within one)."""
    """Version ``new`` against ``base`` (both NAME@VERSION), each by its latest complete run on the set's
    snapshot as it is now, by the same model (``model``, else the model of ``new``'s run)."""
    calibration = load_set(db, calibration_name)
    new_run, why = run_of(db, calibration, new, model)
    if new_run is None:
        raise JudgeError(why)
    settings = run_store.run_settings(db, new_run) or {}
    model = model or settings.get("model")
    base_run, why = run_of(db, calibration, base, model)
    if base_run is None:
        raise JudgeError(why + " to compare with: run it on the same set with the same model")
    test = calibration.test_pairs
    people = human(calibration, test)
    scale = scale_of(db, calibration.dataset, calibration.criterion)
    key = headline_for(key, scale)
    comparison = compare_runs_on(db, base_run, new_run, people)
    figure = next(d for d in comparison.differences if d.key == key)
    call = _call(figure)
    change, points, interval = percent_points(figure)
    label = {"within_one": "Within one point of people", "exact": "Exact agreement"}.get(key, figure.label)
    words = {
        "better": "better, beyond noise",
        "worse": "worse, beyond noise",
        "within noise": "within noise",
    }[call]
    if figure.difference == 0 and figure.low == 0 and figure.high == 0:
        words = f"no change: both versions are {scale.close_words} people on the same pairs"
    sentence = f"{label}: {change} ({points}, {interval} on the same {comparison.n} pairs): {words}"
    scores = {}
    for run in (base_run, new_run):
        results = result_store.results_frame(db, run)
        result = report_from(run, results[results["pair_id"].isin(test)], people, resamples=0, scale=scale)
        scores[run] = {p: abs(h - j) <= scale.tolerance for p, h, j in zip(result.pair_ids, result.human_scores, result.judge_scores,
                                                               strict=True)}  # fmt: skip
    shared = sorted(set(scores[base_run]) & set(scores[new_run]))
    now = [p for p in shared if scores[new_run][p] and not scores[base_run][p]]
    lost = [p for p in shared if scores[base_run][p] and not scores[new_run][p]]
    shown = (settings.get("parameters") or {}).get("examples")
    split = (f"compared on the {len(test)} test pairs of {calibration.name}; "
             + (f"examples from its {len(calibration.dev_pairs)} dev pairs ({len(shown.get('pairs') or [])} shown)"
                if shown else f"its {len(calibration.dev_pairs)} dev pairs are kept for examples"))  # fmt: skip
    return VersionComparison(calibration.name, base, new, model, base_run, new_run, comparison.n, figure, call,
                             sentence, comparison.differences, comparison.mcnemar_p, comparison.a_only_right,
                             comparison.b_only_right, now, lost, split, len(stale(db, calibration)),
                             comparison.rubrics)  # fmt: skip
