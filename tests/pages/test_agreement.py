"""The Agreement page in AppTest: figures with intervals, the ceiling, a comparison, the trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from judge.config import Settings
from judge.demo.store import store_demo
from storage import labels
from storage import pairs as pair_store
from tests.agreement.test_report import rated_db
from tests.pages.conftest import opened
from tests.test_overlap import rate

PAGE = str(Path(__file__).parents[2] / "pages" / "agreement.py")


def test_figures_ceiling_comparison_and_trend(db_path: Path) -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, 120)
    rated_db(opened(db_path), truth.tolist(), np.clip(truth + rng.integers(-2, 3, 120), 1, 5).tolist(),
             truth.tolist())  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    sentence = next(m.value for m in at.markdown if "judge scores within one point of people's" in m.value)
    assert sentence.startswith("### ") and " of 120 judge scores within one point" in sentence and "95% interval" in sentence
    table = next(t.value for t in at.table if "what it means" in t.value.columns).reset_index()
    assert "Cohen's kappa, quadratic weights" in list(table["figure"])
    assert all(" to " in cell for cell in table["95% interval"]) and all(table["what it means"].str.len() > 10)
    assert table.loc[table["figure"] == "Exact agreement", "value"].iloc[0].endswith("%")
    rates = next(t.value for t in at.table if "people (consensus)" in t.value.columns)
    assert list(rates.index) == ["1", "2", "3", "4", "5"]
    assert any("by chance alone" in c.value for c in at.caption)
    assert frame_with(at, "Dataset")["pairs"].sum() == 120  # the breakdown (one dataset here)
    at.selectbox(key="agreement_run").set_value(2)
    at.selectbox(key="agreement_vs").set_value(1).run()
    assert not at.exception
    compared = frame_with(at, "beyond noise")
    exact = compared[compared["figure"] == "Exact agreement"].iloc[0]
    assert exact["after"] == "100%" and exact["beyond noise"] == "yes"
    assert any("McNemar" in c.value for c in at.caption)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_without_data_the_page_says_where_to_start(db_path: Path) -> None:
    opened(db_path)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert "No pairs yet" in at.info[0].value


def test_people_among_themselves_need_no_judge_run(db_path: Path) -> None:
    """Three annotators rate ten pairs each of a fresh 200-pair demo: the overlap makes the figures exist."""
    db = opened(db_path)
    store_demo(db, count=200)
    settings = Settings.from_env({})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    rate(db, settings, "ana", 10, dataset)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "Only ana has rated so far" in at.info[0].value
    assert "No judge run on this dataset yet" in at.info[1].value
    for who in ("ben", "cy"):
        rate(db, settings, who, 10, dataset)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs rated by two or more"] == "10"
    assert metrics["Same score"] != "n/a" and metrics["Krippendorff's alpha"] != "n/a"
    assert "30 given blind" in next(
        c.value for c in at.caption if c.value.startswith("Ratings in the consensus")
    )
    assert set(frame_with(at, "needs a look")["annotator"]) == {"ana", "ben", "cy"}


def test_no_second_rating_yet_says_what_is_missing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_OVERLAP", "0")
    db = opened(db_path)
    store_demo(db, count=50)
    settings = Settings.from_env({"JUDGE_OVERLAP": "0"})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    for who in ("ana", "ben"):
        rate(db, settings, who, 3, dataset)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert (
        "No pair has two ratings yet (6 pairs have one each). There is no overlap (JUDGE_OVERLAP=0)"
        in at.info[0].value
    )


def test_an_admin_leaves_an_annotator_out_of_the_consensus(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = opened(db_path)
    store_demo(db, count=50)
    settings = Settings.from_env({})
    dataset = pair_store.dataset_id(db, "demo")
    assert dataset is not None
    for who in ("ana", "ben", "cy"):
        rate(db, settings, who, 5, dataset)
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["annotator"] = "ben"
    at.run()
    assert not any(b.label == "Leave out of the consensus" for b in at.button)  # ben is no admin
    at.session_state["annotator"] = "lee"
    at.run()
    at.selectbox(key="exclude_who").set_value("cy").run()
    at.text_input(key="exclude_why").input("rated without reading")
    next(b for b in at.button if b.label == "Leave out of the consensus").click().run()
    assert list(labels.excluded(db)["annotator"]) == ["cy"]
    assert "Left out of the consensus: cy (rated without reading)." in next(
        c.value for c in at.caption if "Ratings in the consensus" in c.value
    )
    assert "15 given blind" not in " ".join(c.value for c in at.caption)  # cy's five no longer count
    next(b for b in at.button if b.label == "Count cy again").click().run()
    assert labels.excluded(db).empty
    at.run()
    assert at.text_input(key="exclude_why").value == ""  # the reason went with cy; it is not left for the next one


def test_the_verdict_the_stand_in_test_and_how_the_judge_fails(db_path: Path) -> None:
    """Four annotators on 40 pairs, a judge with two samples a pair that changes its mind on some: every
    section says what it found, in words."""
    from judge.judgment import Judgment
    from storage import ratings as rating_store
    from storage import results as result_store
    from storage import runs as run_store
    from tests.llm.test_runs import add_text_pairs

    db = opened(db_path)
    rng = np.random.default_rng(2)
    truth = rng.integers(1, 6, 40)
    add_text_pairs(db, "d", {f"p{i}": f"x{i}" for i in range(50)})
    ids = list(pair_store.pairs_frame(db, "d")["pair_id"].astype(int))
    rating_store.add_ratings(db, [
        rating_store.NewRating(p, who, int(np.clip(t + rng.choice([-1, 0, 0, 1]), 1, 5)), None, None, f"{p}-{who}")
        for p, t in zip(ids, truth, strict=False) for who in ("ana", "bo", "cy", "dee")
    ])  # fmt: skip
    run = run_store.create_run(db, name="judge", judge_kind="external", status="imported")
    scores = [*truth.tolist(), *[3] * 10]
    result_store.add_judgments(db, run, [Judgment("external", s).of(p, k) for p, s in zip(ids, scores, strict=True)
                                         for k in range(2 if p % 5 else 1)]  # fmt: skip
                               + [Judgment("external", 5 if s < 4 else 1).of(p, 1) for p, s in zip(ids, scores, strict=True) if p % 5 == 0])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("A person vs the others" in str(c.proto.spec) for c in at.get("plotly_chart"))
    people = next(m.value for m in at.markdown if m.value.startswith("On the 40 pairs rated by two or more people"))
    assert "a person's rating is within one point of the other people's consensus" in people
    assert "the judge, against the same consensus" in people
    stand_in = frame_with(at, "judge can replace them")
    assert set(stand_in["annotator"]) == {"ana", "bo", "cy", "dee"}
    assert set(stand_in["judge can replace them"]) <= {"yes", "no"}  # 40 pairs each: all four are tested
    verdicts = [b.value for b in [*at.success, *at.warning, *at.info] if "Can the judge stand in for an annotator?" in b.value]
    assert verdicts and ("can stand in" in verdicts[0] or "cannot stand in" in verdicts[0])
    strata = frame_with(at, "pairs where")
    assert strata["pairs"].sum() == 40
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs judged twice or more"] == "50" and metrics["Changed its score"] == "20%"
    assert any("Each newly rated pair the judge scored narrows it" in m.value for m in at.markdown)
    assert "why" in frame_with(at, "why").columns
    icc = frame_with(at, "ICC (judge and people's consensus as two raters)")
    assert len(icc) == 6 and all(v != "n/a" for v in icc["value"])
    assert any("Fleiss' kappa on the 40 pairs rated by 4" in m.value for m in at.markdown)
    at.selectbox(key="agreement_annotators").set_value("experts").run()
    assert not at.exception
    assert any("on up to 20% fewer pairs than the person" in c.value for c in at.caption)
    put = next(b for b in at.button if b.label.startswith("Put these"))
    put.click().run()
    assert not at.exception
    first = list(rating_store.rate_first(db, pair_store.dataset_id(db, "d"))["pair_id"])  # type: ignore[arg-type]
    assert first and any("pairs are first in every annotator's queue" in c.value for c in at.caption)
    settings = Settings.from_env({})
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    served = rating_store.queue(db, "zed", dataset, 10, limit=60, overlap=settings.overlap)
    overlap = max(settings.overlap[0], int(np.ceil(settings.overlap[1] * 50)))
    assert [p for p in served[overlap:] if p in first] == [p for p in first if p in served[overlap:]]
    assert served[overlap : overlap + 3] == [p for p in first if p not in served[:overlap]][:3]
    next(b for b in at.button if b.label == "Clear the list").click().run()
    assert rating_store.rate_first(db, dataset).empty
