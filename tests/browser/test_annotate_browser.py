"""The Annotate page in headless Chromium: keyboard rating, a double click, a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from storage import Database
from storage import queries as q
from tests.browser.conftest import AppServer, screenshot

pytestmark = pytest.mark.browser


def _signed_in(browser: object, server: AppServer, name: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(server.url)
    page.wait_for_selector("text=Who is rating?", timeout=60_000)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start rating").click()
    page.wait_for_selector(".pair-text", timeout=60_000)
    return page


SUBMIT = "[data-testid=stBaseButton-primaryFormSubmit]"


def _submit_ready(page: object) -> None:
    """The one submit button of the current pair is enabled (a score was chosen)."""
    expect(page.locator(SUBMIT)).to_have_count(1)  # type: ignore[attr-defined]
    expect(page.locator(SUBMIT)).to_be_enabled()  # type: ignore[attr-defined]


def _shown(page: object) -> str:
    return page.locator(".pair-request").inner_text() + "|".join(page.locator(".pair-text").all_inner_texts())  # type: ignore[attr-defined]


def _wait_for_change(page: object, before: str) -> None:
    for _ in range(100):
        if _shown(page) != before:
            return
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
    raise AssertionError("the next pair did not appear")


def test_rating_with_the_keyboard_stores_each_rating_once(browser: object, app_server: AppServer) -> None:
    page = _signed_in(browser, app_server, "ana")
    screenshot(page, "annotate-start")
    for score in ("4", "2", "5"):
        before = _shown(page)
        page.keyboard.press(score)  # type: ignore[attr-defined]
        _submit_ready(page)
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        _wait_for_change(page, before)
    before = _shown(page)
    page.keyboard.press("3")  # type: ignore[attr-defined]
    _submit_ready(page)
    page.locator(SUBMIT).dblclick()  # type: ignore[attr-defined]
    _wait_for_change(page, before)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    screenshot(page, "annotate-after-four-ratings")
    app_server.stop()
    db = Database(app_server.db_path)
    ratings = q.ratings_frame(db, current_only=False)
    assert list(ratings["score"]) == [4, 2, 5, 3]
    assert ratings["pair_id"].is_unique
