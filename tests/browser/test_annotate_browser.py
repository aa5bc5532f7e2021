"""The Annotate page in headless Chromium: keyboard rating, a double click, a screenshot."""

from __future__ import annotations

import pytest

from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import AppServer, screenshot

pytestmark = pytest.mark.browser


def _signed_in(browser: object, server: AppServer, name: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(server.url)
    page.wait_for_selector("text=Who is rating?", timeout=60_000)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start rating").click()
    page.wait_for_selector(".pair-text", timeout=60_000)
    _idle(page)
    return page


IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def _idle(page: object) -> None:
    """The script run has finished: what is on the page is current, not a stale element of the last run."""
    page.wait_for_selector(IDLE, timeout=30_000)  # type: ignore[attr-defined]


def _rated(page: object, count: int) -> None:
    """The page says the annotator has ``count`` ratings: the last one was stored and the page re-ran after it."""
    page.wait_for_selector(f"text=You: {count} rated", timeout=30_000)  # type: ignore[attr-defined]
    _idle(page)


def test_rating_with_the_keyboard_stores_each_rating_once(browser: object, app_server: AppServer) -> None:
    page = _signed_in(browser, app_server, "ana")
    screenshot(page, "annotate-start")
    for count, score in enumerate(("4", "2", "5"), start=1):
        page.keyboard.press(score)  # type: ignore[attr-defined]
        _rated(page, count)
    page.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").fill("off by one")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("3")  # type: ignore[attr-defined]
    _rated(page, 4)
    page.get_by_role("button", name="1 · Very bad").dblclick()  # type: ignore[attr-defined]
    _rated(page, 5)
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # a second click would have landed by now
    screenshot(page, "annotate-after-five-ratings")
    app_server.stop()
    db = Database(app_server.db_path)
    ratings = rating_store.ratings_frame(db, current_only=False)
    assert list(ratings["score"]) == [4, 2, 5, 3, 1]
    assert list(ratings["note"])[3] == "off by one"
    assert ratings["pair_id"].is_unique


def test_a_page_opened_by_its_url_on_a_fresh_server_runs_through_the_app(
    browser: object, app_server: AppServer
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{app_server.url}/judge")
    page.wait_for_selector("text=Read a judgment", timeout=60_000)
    _idle(page)
    menu = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert "Audience language" in menu and "app" not in menu.split()  # app.py's menu, not the file names
    screenshot(page, "judge-by-url")

