"""Agreement of stored runs with stored ratings: consensus, matching, comparisons, the CLI gate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp

from judge.agreement.report import compare_runs, consensus, report
from judge.cli import main
from judge.judgment import Judgment
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store


def test_consensus_is_the_median_and_the_lower_score_between_two() -> None:
    scores = pd.DataFrame({"pair_id": [1, 1, 1, 2, 2, 3, 3, 3, 3], "score": [5, 1, 4, 2, 5, 3, 3, 4, 4]})
    assert consensus(scores).to_dict() == {1: 4, 2: 2, 3: 3}


def rated_db(db: Database, truth: list[int], judge_a: list[int], judge_b: list[int]) -> tuple[int, int]:
    from tests.llm.test_runs import add_text_pairs

    add_text_pairs(db, "d", {f"p{i}": f"x{i}" for i in range(len(truth))})
    ids = list(pair_store.pairs_frame(db, "d")["pair_id"].astype(int))
    rating_store.add_ratings(db, [rating_store.NewRating(p, who, s, None, None, f"{p}-{who}") for p, s in zip(ids, truth, strict=True)
                       for who in ("ana", "bo")])  # fmt: skip
    runs = []
    for scores in (judge_a, judge_b):
        run = run_store.create_run(db, name="j", judge_kind="external", status="imported")
        result_store.add_judgments(
            db, run, [Judgment("external", s).of(p) for p, s in zip(ids, scores, strict=True)]
        )
        runs.append(run)
    return runs[0], runs[1]


def test_report_matches_direct_computation_and_leaves_out_errors(db: Database) -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(1, 6, 80).tolist()
    judge = np.clip(np.array(truth) + rng.integers(-1, 2, 80), 1, 5).tolist()
    a, _ = rated_db(db, truth, judge, judge)
    pair = int(pair_store.pairs_frame(db, "d")["pair_id"][0])
    failed = run_store.create_run(db, name="f", judge_kind="external", status="imported")
    result_store.add_judgments(
        db, failed, [Judgment.failed("external", "unreadable_answer", "unreadable").of(pair)]
    )
    result = report(db, a, resamples=200)
    assert result.n == 80
    assert result.figure("exact").value == pytest.approx(np.mean(np.array(truth) == np.array(judge)))
    assert result.figure("kendall_tau_b").value == pytest.approx(sp.kendalltau(truth, judge).statistic)
    assert result.ceiling.pairs == 80 and result.ceiling.exact == 1.0  # ana and bo always agree
    assert report(db, failed, resamples=10).judge_errors == 1


def test_a_better_prompt_shows_as_a_difference_beyond_noise(db: Database) -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(1, 6, 300)
    worse = np.where(rng.random(300) < 0.5, rng.integers(1, 6, 300), truth)
    better = np.where(rng.random(300) < 0.1, rng.integers(1, 6, 300), truth)
    a, b = rated_db(db, truth.tolist(), worse.tolist(), better.tolist())
    comparison = compare_runs(db, a, b, resamples=300)
    exact = next(d for d in comparison.differences if d.key == "exact")
    assert exact.difference is not None and exact.difference > 0 and exact.low is not None and exact.low > 0
    assert comparison.mcnemar_p is not None and comparison.mcnemar_p < 0.001
    same = compare_runs(db, a, a, resamples=100)
    assert same.mcnemar_p is None and next(d for d in same.differences if d.key == "exact").difference == 0


def test_the_cli_prints_figures_and_gates_on_the_headline(
    db_file, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    db = Database(db_file)
    truth = [1, 2, 3, 4, 5] * 10
    a, b = rated_db(db, truth, truth, [min(5, t + 2) for t in truth])
    db.close()
    assert main(["agreement", "--run", str(a), "--json", "--db", str(db_file)]) == 0
    def strict(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    printed = json.loads(capsys.readouterr().out, parse_constant=strict)
    assert printed["figures"]["exact"]["value"] == 1.0 and printed["n"] == 50
    assert printed["headline_sentence"].startswith("50 of 50 judge scores within one point")
    assert printed["figures"]["within_one"]["ci95"][0] < 1.0  # an exact interval: not collapsed at 100%
    # two annotators, 50 pairs: the stand-in test says it needs a third
    assert printed["alternative_annotator_test"]["passed"] is None
    assert "at least 3" in printed["alternative_annotator_test"]["answer"]
    assert {s["key"] for s in printed["by_human_agreement"]} == {"unanimous", "split", "contested", "single"}
    assert "Repeat on N pairs" in printed["repeatability"]["missing"]
    assert printed["order"] is None and printed["size_drift"]["slope"] is None
    assert set(printed["budget"]["half_width_after"]) == {"25", "50", "100", "200"}
    assert main(["agreement", "--run", str(a), "--annotators", "experts", "--db", str(db_file)]) == 0
    assert "can it replace an annotator? Cannot tell yet" in capsys.readouterr().out
    assert main(["agreement", "--run", str(b), "--min-alignment", "0.9", "--db", str(db_file)]) == 1
    assert "below" in capsys.readouterr().err
    assert main(["agreement", "--run", str(b), "--vs", str(a), "--db", str(db_file)]) == 0
    assert "McNemar" in capsys.readouterr().out


def test_breakdowns_by_mutation_and_ast_size_cover_every_pair(demo_db: Database) -> None:
    from judge.agreement.breakdown import breakdown
    from judge.execution.run import run_execution

    run = run_execution(demo_db, "demo")
    ids = list(pair_store.pairs_frame(demo_db)["pair_id"].astype(int))
    rating_store.add_ratings(demo_db, [rating_store.NewRating(p, "ana", 1 + p % 5, None, None, f"b{p}") for p in ids])
    by_mutation = breakdown(demo_db, run, "mutation", "exact", resamples=100)
    assert by_mutation["pairs"].sum() == len(ids)
    assert "(not recorded)" not in set(by_mutation["Mutation kind"])
    by_size = breakdown(demo_db, run, "ast_size", "within_one", resamples=100)
    assert by_size["pairs"].sum() == len(ids) and set(by_size["AST size (nodes of the ground truth)"]) <= {
        "1-5",
        "6-10",
        "11-20",
        "21-40",
        "41+",
    }
    for row in by_size.itertuples():
        assert row.low is None or row.low <= row.value <= row.high
