"""The Generators page in AppTest: each generator's mean score with an interval, shares, invalid, cost, people."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from judge.execution.run import run_execution
from judge.synth.pipeline import Maker, SynthSpec, synthesize
from judge.synth.truths import DEMO_TRUTHS, load_truths
from storage import pairs as pair_store
from storage import ratings as rating_store
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "generators.py")
SPEC = SynthSpec("synthetic", Maker("offline", "english"), (Maker("offline", "careful"), Maker("offline", "hasty")))


def test_generators_are_compared_by_the_chosen_run(db_path: Path) -> None:
    db = opened(db_path)
    synthesize(db, load_truths(DEMO_TRUTHS), SPEC, {})
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert any("No judge run on synthetic" in i.value for i in at.info)

    run_execution(db, "synthetic")
    pairs = pair_store.pairs_frame(db, "synthetic")
    careful = pairs[pairs["generator_model"] == "offline/careful"]["pair_id"].head(2)
    rating_store.add_ratings(db, [rating_store.NewRating(int(p), "ana", 4, None, None, f"t{p}") for p in careful])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Generator"]) == ["offline/careful", "offline/hasty"]  # best first
    assert table["Mean judge score"][0].count(" to ") == 1 and table["Pairs"][0] == 60
    rated = "People's mean (rated pairs)"
    assert table[rated][0] == "4.00 (2 rated)" and table[rated][1] == "not rated"
    estimated = "People's mean, estimated for all pairs"
    assert table[estimated][0].count(" to ") == 1 and table[estimated][1] == "needs 2+ rated pairs"
    assert table["Cost"][0] == "$0.0000" and table["Invalid"][1].endswith("%")
    assert at.get("plotly_chart")
    assert any("Cannot tell offline/careful from offline/hasty yet: needs 2 or more pairs rated" in m.value
               for m in at.markdown)  # fmt: skip

    hasty = pairs[pairs["generator_model"] == "offline/hasty"]["pair_id"].head(20)
    rating_store.add_ratings(db, [rating_store.NewRating(int(p), "ana", 1, None, None, f"h{p}") for p in hasty])
    more = pairs[pairs["generator_model"] == "offline/careful"]["pair_id"].iloc[2:20]
    rating_store.add_ratings(db, [rating_store.NewRating(int(p), "ana", 5, None, None, f"c{p}") for p in more])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    sentence = next(m.value for m in at.markdown if m.value.startswith("People's mean, offline/careful minus"))
    assert "offline/careful is better, beyond noise" in sentence


def test_people_means_on_the_page_are_ppi_py_estimates(db_path: Path) -> None:
    """The numbers shown are the oracle's: ppi_py's PPI++ point estimate and 95% interval."""
    import numpy as np
    from ppi_py import ppi_mean_ci, ppi_mean_pointestimate

    from judge.synth.compare import generator_table
    from storage import results as result_store

    db = opened(db_path)
    synthesize(db, load_truths(DEMO_TRUTHS), SPEC, {})
    run = run_execution(db, "synthetic")
    pairs = pair_store.pairs_frame(db, "synthetic")
    judged = result_store.results_frame(db, run).groupby("pair_id")["score"].median()
    chosen = pairs[pairs["generator_model"] == "offline/hasty"]["pair_id"].head(25).astype(int).tolist()
    rng = np.random.default_rng(1)
    people = {p: int(np.clip(judged[p] - rng.choice([0, 1, 2]), 1, 5)) for p in chosen}
    rating_store.add_ratings(db, [rating_store.NewRating(p, "ana", s, None, None, f"o{p}") for p, s in people.items()])
    row = generator_table(db, "synthetic", run).set_index("generator").loc["offline/hasty"]
    hasty = pairs[pairs["generator_model"] == "offline/hasty"]["pair_id"].astype(int)
    unrated = np.array([judged[p] for p in hasty if p not in people], dtype=float)
    y = np.array(list(people.values()), dtype=float)
    yhat = np.array([judged[p] for p in people], dtype=float)
    assert row["people_mean"] == float(np.ravel(ppi_mean_pointestimate(y, yhat, unrated))[0]) or abs(
        row["people_mean"] - float(np.ravel(ppi_mean_pointestimate(y, yhat, unrated))[0])) < 1e-9
    low, high = ppi_mean_ci(y, yhat, unrated, alpha=0.05)
    assert abs(row["people_low"] - float(np.ravel(low)[0])) < 1e-9 and abs(row["people_high"] - float(np.ravel(high)[0])) < 1e-9
    assert row["people_mean"] < row["mean"]  # people rated lower than the judge: the estimate moves down


def test_people_means_leave_out_those_left_out_of_the_consensus(db_path: Path) -> None:
    from judge.synth.compare import generator_table
    from storage import labels

    db = opened(db_path)
    synthesize(db, load_truths(DEMO_TRUTHS), SPEC, {})
    run = run_execution(db, "synthetic")
    pairs = pair_store.pairs_frame(db, "synthetic")
    hasty = pairs[pairs["generator_model"] == "offline/hasty"]["pair_id"].head(10).astype(int).tolist()
    rating_store.add_ratings(db, [rating_store.NewRating(p, who, score, None, None, f"{who}{p}") for p in hasty
                                  for who, score in (("good", 4), ("spam", 1))])  # fmt: skip
    labels.exclude(db, "spam", "lee", "rated without reading")
    row = generator_table(db, "synthetic", run).set_index("generator").loc["offline/hasty"]
    assert row["human_mean"] == 4.0 and row["rated"] == 10
