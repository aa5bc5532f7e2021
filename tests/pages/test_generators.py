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
    assert table["Mean judge score"][0].count("[") == 1 and table["Pairs"][0] == 60
    assert table["People's mean"][0] == "4.00 (2 rated)" and table["People's mean"][1] == "not rated"
    assert table["Cost"][0] == "$0.0000" and table["Invalid"][1].endswith("%")
    assert at.get("plotly_chart")
