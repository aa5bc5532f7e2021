"""The Agreement page's verdict and the Generators page's people's means in headless Chromium, at 1440x900
and 1280x720, as a team lead reads them: four annotators on the demo pairs judged by the execution judge and
by an imported judge with two samples a pair; the offline synthetic dataset with some pairs rated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from judge.demo.store import store_demo
from judge.execution.run import run_execution
from judge.judgment import Judgment
from judge.synth.pipeline import Maker, SynthSpec, synthesize
from judge.synth.truths import DEMO_TRUTHS, load_truths
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.browser.conftest import ARTIFACTS, AppServer, screenshot
from tests.browser.test_annotate_browser import _idle

pytestmark = pytest.mark.browser
SECTIONS = ("Can the judge stand in for an annotator?", "Where people agree, and where they do not",
            "Does the judge give the same score twice?", "Where the next ratings help most")  # fmt: skip


@pytest.fixture
def lead_server(tmp_path: Path) -> Iterator[AppServer]:
    path = tmp_path / "lead.duckdb"
    db = Database(path)
    store_demo(db, count=80)
    scores = result_store.results_frame(db, run_execution(db, "demo")).groupby("pair_id")["score"].first()
    rng = np.random.default_rng(4)
    rating_store.add_ratings(db, [
        rating_store.NewRating(int(p), who, int(np.clip(scores[p] + rng.choice([-1, 0, 0, 0, 1]), 1, 5)), None, 6.0,
                               f"{p}-{who}")
        for p in scores.index[:40] for who in ("ana", "bo", "cy", "dee")
    ])  # fmt: skip
    run = run_store.create_run(db, name="imported judge, 2 samples", judge_kind="external", status="imported",
                               dataset_id=pair_store.dataset_id(db, "demo"))  # fmt: skip
    result_store.add_judgments(db, run, [
        Judgment("external", int(np.clip(s + rng.choice([-1, 0, 0, 0, 1]), 1, 5))).of(int(p), k)
        for p, s in scores.items() for k in range(2)
    ])  # fmt: skip
    spec = SynthSpec("synthetic", Maker("offline", "english"), (Maker("offline", "careful"), Maker("offline", "hasty")))
    synthesize(db, load_truths(DEMO_TRUTHS), spec, {})
    judged = result_store.results_frame(db, run_execution(db, "synthetic")).groupby("pair_id")["score"].first()
    rating_store.add_ratings(db, [rating_store.NewRating(int(p), "ana", int(np.clip(s - rng.choice([0, 1]), 1, 5)),
                                                         None, 6.0, f"s{p}") for p, s in judged.iloc[::3].items()])  # fmt: skip
    db.close()
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 720)])
def test_a_team_lead_reads_the_verdict_and_the_generators(
    lead_server: AppServer, browser: object, width: int, height: int
) -> None:  # the data first: synth runs its own event loop, Playwright's would be running
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(f"{lead_server.url}/agreement")
    page.wait_for_selector("text=Can the judge stand in for an annotator?", timeout=90_000)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_text("judge scores within one point of people's").count() >= 1
    assert page.get_by_text("the judge, against the same consensus").count() == 1
    screenshot(page, f"agreement-verdict-{width}")
    for number, title in enumerate(SECTIONS):
        heading = page.get_by_role("heading", name=title)
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        assert heading.is_visible()
        page.screenshot(path=str(ARTIFACTS / f"agreement-section-{number}-{width}.png"))  # the view as seen
    assert page.get_by_text("what it means", exact=True).count() >= 1  # the figures table's readings

    page.goto(f"{lead_server.url}/generators")
    page.wait_for_selector("text=Scored by run", timeout=90_000)
    _idle(page)
    page.get_by_role("combobox", name="Dataset", exact=True).click()
    page.keyboard.type("synthetic")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=People's mean, offline/careful minus offline/hasty", timeout=60_000)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, f"generators-people-{width}")
