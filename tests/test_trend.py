"""The trend across versions joins like with like: one line per calibration set (snapshot) and model."""

from __future__ import annotations

from judge.calibration import snapshot
from judge.judgment import Judgment
from judge.trend import trend
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.conftest import text_pair


def a_run(db: Database, dataset: str, version: str, model: str, sha: str | None, off: int) -> int:
    run = run_store.create_run(db, name=version, judge_kind="llm", status="finished", model=model,
                               prompt_name="judge-cot", prompt_version=version, calibration_sha256=sha,
                               dataset_id=pair_store.dataset_id(db, dataset))  # fmt: skip
    ids = pair_store.pairs_frame(db, dataset)["pair_id"].tolist()
    result_store.add_judgments(db, run, [Judgment("llm", min(5, 1 + (p + off) % 5), "r").of(int(p)) for p in ids])
    return run


def test_runs_on_other_sets_datasets_or_models_never_join_a_line(db: Database) -> None:
    for dataset in ("d", "e"):
        pair_store.add_pairs(db, dataset, [text_pair(f"{dataset}{i}") for i in range(30)])
        for pair_id in pair_store.pairs_frame(db, dataset)["pair_id"]:
            rating_store.record_rating(db, rating_store.NewRating(int(pair_id), "ana", 1 + int(pair_id) % 5, None, 5.0,
                                                                  f"t{pair_id}"), first_only=True)  # fmt: skip
    cal = snapshot(db, "cal", "d").sha256
    other = snapshot(db, "other", "d").sha256
    a_run(db, "d", "2", "m1", cal, 0)
    a_run(db, "d", "3", "m1", cal, 1)
    a_run(db, "d", "2", "m2", cal, 0)
    a_run(db, "d", "2", "m1", other, 0)
    a_run(db, "e", "2", "m1", None, 0)
    a_run(db, "d", "3", "m1", cal, 2)  # the same version again: a point of its own
    points = trend(db, "within_one", resamples=50)
    lines = points.groupby("line")["run"].apply(list).to_dict()
    assert lines == {"cal · m1": [1, 2, 6], "cal · m2": [3], "other · m1": [4], "e (rated pairs now) · m1": [5]}
    assert points.loc[points["run"] == 1, "point"].item() == "judge-cot@2 · m1"
    assert {"judge-cot@3 · m1 (run 2)", "judge-cot@3 · m1 (run 6)"} <= set(points["point"])
    assert (points["low"] <= points["value"]).all() and (points["value"] <= points["high"]).all()
    assert set(trend(db, "within_one", "e", resamples=0)["run"]) == {5}
