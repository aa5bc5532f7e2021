"""The literature's figures against their oracles: pingouin's ICCs, statsmodels' Fleiss' kappa, SciPy's
correlations per group and per system."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as sp
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from judge.agreement.literature import fleiss_kappa, grouped_correlations, icc, system_correlations


@pytest.mark.parametrize("seed", range(6))
def test_every_icc_form_and_interval_equals_pingouin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 40)), int(rng.integers(2, 6))
    truth = rng.integers(1, 6, n)
    table = np.clip(truth[:, None] + rng.choice([-1, 0, 0, 1], (n, k)) + rng.choice([0, 1], k), 1, 5)
    long = pd.DataFrame([(i, j, table[i, j]) for i in range(n) for j in range(k)], columns=["t", "r", "s"])
    oracle = pingouin.intraclass_corr(long, targets="t", raters="r", ratings="s").set_index("Type")
    for form in icc(table):
        assert form.value == pytest.approx(oracle.loc[form.form, "ICC"]), form.form
        low, high = oracle.loc[form.form, "CI95%"]
        assert (round(form.low, 2), round(form.high, 2)) == (pytest.approx(low), pytest.approx(high)), form.form


def test_icc_refuses_an_incomplete_table() -> None:
    with pytest.raises(ValueError, match="complete table"):
        icc(np.array([[1.0, np.nan], [2.0, 3.0]]))


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_kappa_equals_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raters = int(rng.integers(2, 7))
    tally = np.array([np.bincount(rng.integers(0, 5, raters), minlength=5) for _ in range(int(rng.integers(3, 50)))])
    assert fleiss_kappa(tally) == pytest.approx(statsmodels_fleiss(tally, method="fleiss"))


def test_fleiss_kappa_by_hand_and_its_limits() -> None:
    # two subjects, two raters: both agree on 1, both agree on 5: p_i = 1, p_j = (0.5, 0.5): kappa 1
    assert fleiss_kappa(np.array([[2, 0, 0, 0, 0], [0, 0, 0, 0, 2]])) == 1.0
    assert fleiss_kappa(np.array([[2, 0, 0, 0, 0], [2, 0, 0, 0, 0]])) is None  # one score only: no chance to beat
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa(np.array([[2, 0, 0, 0, 0], [1, 2, 0, 0, 0]]))


@pytest.mark.parametrize("seed", range(4))
def test_correlations_averaged_over_groups_equal_scipy_per_group(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = [1, 2, 3, 6, 6, 10, 250, 4]  # a lone pair, small groups, one past the self-join limit
    labels = np.repeat([f"d{i}" for i in range(len(sizes))], sizes)
    n = len(labels)
    both = pd.DataFrame({"human": rng.integers(1, 6, n), "judge": rng.integers(1, 6, n)}, index=range(n))
    both.loc[labels == "d7", "judge"] = 3  # no spread on the judge's side: left out
    groups = pd.Series(labels, index=range(n))
    found = grouped_correlations(both, groups)
    expected = {"spearman": [], "kendall_tau_b": [], "pearson": []}
    for _, part in both.groupby(groups):
        if len(part) < 2 or part["judge"].nunique() < 2 or part["human"].nunique() < 2:
            continue
        expected["spearman"].append(sp.spearmanr(part["judge"], part["human"]).statistic)
        expected["kendall_tau_b"].append(sp.kendalltau(part["judge"], part["human"]).statistic)
        expected["pearson"].append(sp.pearsonr(part["judge"], part["human"]).statistic)
    assert found.groups == len(expected["pearson"]) and found.left_out == len(sizes) - found.groups
    for key, values in expected.items():
        assert getattr(found, key) == pytest.approx(np.mean(values)), key


def test_correlations_over_systems() -> None:
    rng = np.random.default_rng(1)
    both = pd.DataFrame({"human": rng.integers(1, 6, 60), "judge": rng.integers(1, 6, 60)}, index=range(60))
    systems = pd.Series([f"g{i % 4}" for i in range(60)], index=range(60))
    count, corr = system_correlations(both, systems)
    means = both.groupby(systems).mean()
    assert count == 4 and corr is not None
    assert corr["pearson"] == pytest.approx(sp.pearsonr(means["judge"], means["human"]).statistic)
    assert system_correlations(both, pd.Series(["a", "b"] * 30, index=range(60)))[1] is None  # two systems


def test_perfect_agreement_has_an_icc_of_1_and_no_interval() -> None:
    table = np.array([[1, 1], [3, 3], [5, 5], [2, 2]], dtype=float)
    forms = {f.form: f for f in icc(table)}
    assert forms["ICC3"].value == 1.0 and forms["ICC3"].low is None and forms["ICC3"].high is None


def test_the_literature_figures_say_what_they_need_on_one_rating_per_pair() -> None:
    from judge.agreement.literature import literature

    both = pd.DataFrame({"judge": [3, 4, 5], "human": [3, 5, 4]}, index=[1, 2, 3])
    ratings = pd.DataFrame({"pair_id": [1, 2, 3], "score": [3, 5, 4]})
    found = literature(both, ratings, None, "ground truth", None)
    assert found.people_icc1 is None and found.fleiss is None and len(found.judge_icc) == 6
    assert any("rated twice" in n for n in found.notes) and any("two or more people" in n for n in found.notes)


def test_correlations_over_a_metadata_field_from_the_page_and_the_cli(db_file, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from judge.agreement.insights import group_fields, insights
    from judge.cli import main
    from judge.data.records import prepare_pair
    from judge.judgment import Judgment
    from storage import Database
    from storage import pairs as pair_store
    from storage import ratings as rating_store
    from storage import results as result_store
    from storage import runs as run_store

    db = Database(db_file)
    rng = np.random.default_rng(3)
    rows = [{"external_id": f"p{i}", "kind": "text", "request": "r", "ground_truth": "event('Order')",
             "generated": f"x{i}", "dialogue": f"d{i // 5}"} for i in range(30)]  # fmt: skip
    pair_store.add_pairs(db, "d", [prepare_pair(row) for row in rows])
    ids = list(pair_store.pairs_frame(db, "d")["pair_id"].astype(int))
    human = rng.integers(1, 6, 30)
    judge = np.clip(human + rng.choice([-1, 0, 1], 30), 1, 5)
    rating_store.add_ratings(db, [rating_store.NewRating(p, "ana", int(s), None, None, f"t{p}") for p, s in zip(ids, human, strict=True)])
    run = run_store.create_run(db, name="j", judge_kind="external", status="imported")
    result_store.add_judgments(db, run, [Judgment("external", int(s)).of(p) for p, s in zip(ids, judge, strict=True)])
    assert group_fields(db, run) == ["ground truth", "dialogue"]
    found = insights(db, run, group_by="dialogue")
    assert found.papers is not None and found.papers.by_group is not None
    both = pd.DataFrame({"judge": judge, "human": human})
    per = [sp.pearsonr(p["judge"], p["human"]).statistic for _, p in both.groupby(np.arange(30) // 5)
           if p["judge"].nunique() > 1 and p["human"].nunique() > 1]  # fmt: skip
    assert found.papers.by_group.groups == len(per) and found.papers.by_group.pearson == pytest.approx(np.mean(per))
    db.close()
    assert main(["agreement", "--run", str(run), "--json", "--group-by", "dialogue", "--db", str(db_file)]) == 0
    assert json.loads(capsys.readouterr().out)["literature"]["group_by"] == "dialogue"
    assert main(["agreement", "--run", str(run), "--group-by", "speaker", "--db", str(db_file)]) != 0
    assert "no metadata field 'speaker'" in capsys.readouterr().err
