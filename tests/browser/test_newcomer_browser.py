"""A newcomer's path in headless Chromium: rate ten by keyboard, change one, run the execution judge, read agreement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.cli import main
from storage import Database
from storage import ratings as rating_store
from storage import results as result_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated, _signed_in

pytestmark = pytest.mark.browser
SCORES = "4253124535"


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[AppServer]:
    path = tmp_path / "fresh.duckdb"
    assert main(["demo", "--if-empty", "--db", str(path)]) == 0  # what ./dev app does on a first start
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


def test_a_newcomer_rates_runs_the_judge_and_reads_the_agreement(fresh_server: AppServer, browser: object) -> None:
    page = _signed_in(browser, fresh_server, "newcomer")
    screenshot(page, "newcomer-1-signed-in")
    for count, score in enumerate(SCORES, start=1):
        page.keyboard.press(score)  # type: ignore[attr-defined]
        _rated(page, count)
    page.get_by_role("button", name=re.compile(r"^Back\b")).click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=You are changing an earlier rating", timeout=30_000)  # type: ignore[attr-defined]
    _idle(page)
    page.keyboard.press("1")  # type: ignore[attr-defined]
    page.wait_for_selector("text=You are changing an earlier rating", state="detached", timeout=30_000)  # type: ignore[attr-defined]
    _rated(page, 10)  # an edit, not a new pair: still ten rated
    screenshot(page, "newcomer-2-ten-rated-one-changed")

    page.goto(f"{fresh_server.url}/judge")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Read a judgment", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_role("button", name="Start on demo", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=Run 1 started", timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_selector("text=Latest: run 1 finished, 200/200 judged, 0 errors", timeout=120_000)  # type: ignore[attr-defined]
    assert page.locator("text=stopped:").count() == 0  # type: ignore[attr-defined]
    screenshot(page, "newcomer-3-judge-run-finished")

    page.goto(f"{fresh_server.url}/agreement")  # type: ignore[attr-defined]
    page.wait_for_selector("text=judge scores within one point of people's", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    headline = page.get_by_role("heading", name="judge scores within one point").inner_text()  # type: ignore[attr-defined]
    assert " of 10 judge scores within one point of people's" in headline  # the ten pairs the newcomer rated
    assert page.get_by_text("the test needs at least 3").count() + page.get_by_text("It needs at least 3").count() >= 1  # type: ignore[attr-defined]
    screenshot(page, "newcomer-4-agreement")

    page.goto(f"{fresh_server.url}/disagreements?annotator=newcomer")  # type: ignore[attr-defined]  # judge scores: a known name
    page.wait_for_selector("text=largest gap first", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0  # type: ignore[attr-defined]
    screenshot(page, "newcomer-5-disagreements")

    fresh_server.stop()
    db = Database(fresh_server.db_path)
    events = rating_store.ratings_frame(db, current_only=False)
    current = rating_store.ratings_frame(db)
    assert len(events) == 11 and len(current) == 10 and current["pair_id"].is_unique
    changed = events[events["pair_id"].duplicated(keep=False)]
    assert list(changed["score"]) == [int(SCORES[-1]), 1]  # the old score kept, the new one current
    assert len(result_store.results_frame(db)) == 200
