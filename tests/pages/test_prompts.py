"""The Prompts page in AppTest: fork, edit, save, snapshot a set, run both versions on it against the local
fake provider, and read the comparison in words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.demo.store import store_demo
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import runs as run_store
from tests.llm.fake_server import FakeProviderServer
from tests.loop_script import behave_by_version, generated_blocks
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "prompts.py")


def rate_all(db: Database) -> dict[str, int]:
    """ana rates every demo pair (scores 1-5 in turn); returns the <generated> block -> her score."""
    pairs = pair_store.pairs_frame(db, "demo")
    scores = []
    for i, row in enumerate(pairs.itertuples()):
        score = 1 + i % 5
        rating_store.record_rating(db, rating_store.NewRating(int(row.pair_id), "ana", score, None, 5.0, f"t{i}"),
                                   first_only=True)  # fmt: skip
        scores.append((str(row.generated), score))
    return generated_blocks(scores)


def wait_for_runs(db: Database, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = run_store.runs_frame(db)
        if len(runs) >= count and (runs["status"] == "finished").all():
            return
        time.sleep(0.2)
    raise AssertionError(run_store.runs_frame(db)[["id", "status", "judged"]])


def button(at: AppTest, start: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label.startswith(start))


@pytest.fixture
def seeded(db_path: Path) -> dict[str, int]:
    db = opened(db_path)
    store_demo(db, count=30)
    return rate_all(db)


def test_fork_edit_run_and_compare_in_words(seeded: dict[str, int], db_path: Path) -> None:
    with FakeProviderServer(behave_by_version(seeded)) as server:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["annotator"] = "lee"
        at.run()
        assert not at.exception, at.exception
        assert "judge-cot@2" in set(at.dataframe[0].value["Version"])
        at.text_input[0].input("cal")
        button(at, "Snapshot the rated pairs of demo").click().run()
        assert not at.exception, at.exception
        at.selectbox(key="prompt_version").set_value("judge-cot@2").run()
        at.selectbox(key="loop_provider").set_value("openai-compatible").run()
        at.text_input(key="loop_base_url").input(f"{server.url}/v1").run()
        at.text_input(key="loop_model").input("fake-judge").run()
        button(at, "Run judge-cot@2 on cal with fake-judge").click().run()
        assert not at.exception, at.exception
        db = opened(db_path)
        wait_for_runs(db, 1)

        button(at, "Fork judge-cot@2 into judge-cot@3").click().run()
        draft = at.text_area(key="prompt_draft")
        draft.input(draft.value.replace("Think step by step", "MARK-GOOD Think step by step")).run()
        button(at, "Save version").click().run()
        assert not at.exception, at.exception
        assert at.selectbox(key="prompt_version").value == "judge-cot@3"
        assert any("+MARK-GOOD" in c.value for c in at.code)  # the diff against its parent
        button(at, "Run judge-cot@3 on cal with fake-judge").click().run()
        wait_for_runs(db, 2)
        at.run()
        assert not at.exception, at.exception
        said = [s.value for s in at.success]
        assert any(s.startswith("Within one point of people: ") and s.endswith("better, beyond noise") for s in said), said
        assert "same 2" in said[0] and "points, 95% interval" in said[0]
        assert any("test pairs of cal" in c.value for c in at.caption)
        moved = next(d.value for d in at.dataframe if "moved" in d.value.columns)
        assert set(moved["moved"]) == {"now within one"}


def test_the_agreement_page_says_when_a_run_on_a_set_is_stale(seeded: dict[str, int], db_path: Path) -> None:
    from judge.calibration import snapshot
    from judge.llm import RunSpec, make_provider, run_llm

    db = opened(db_path)
    snapshot(db, "cal", "demo")
    with FakeProviderServer(behave_by_version(seeded)) as server:
        spec = RunSpec(dataset="demo", provider="openai-compatible", model="fake-judge", prompt="judge-cot@2",
                       base_url=f"{server.url}/v1", calibration="cal")  # fmt: skip
        run_llm(db, spec, make_provider(spec.provider, base_url=spec.base_url, keys={}))
    page = str(Path(__file__).parents[2] / "pages" / "agreement.py")
    at = AppTest.from_file(page, default_timeout=60).run()
    assert not at.exception and not any("stale" in w.value for w in at.warning)
    rating_store.record_rating(db, rating_store.NewRating(1, "bo", 5, None, 5.0, "x1"), first_only=True)
    rating_store.record_rating(db, rating_store.NewRating(1, "cy", 5, None, 5.0, "x2"), first_only=True)
    at.run()
    assert not at.exception
    assert any("stale" in w.value and "calibration set cal" in w.value for w in at.warning), [w.value for w in at.warning]
