"""Exports downloaded in headless Chromium, built when the button is clicked, read back by the importers."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.data import import_ratings
from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated, _signed_in

pytestmark = pytest.mark.browser


def test_a_ratings_download_imported_back_adds_nothing_and_keeps_every_note(
    browser: object, app_server: AppServer, tmp_path: Path
) -> None:
    page = _signed_in(browser, app_server, "ana")
    page.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").fill("=off by one")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("3")  # type: ignore[attr-defined]
    _rated(page, 1)
    page.keyboard.press("5")  # type: ignore[attr-defined]
    _rated(page, 2)
    page.goto(f"{app_server.url}/data")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Ratings of demo (CSV, every event: 2)", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    screenshot(page, "export")
    saved = tmp_path / "demo-ratings.csv"
    for attempt in range(3):  # a click a loaded machine's page was not ready for is clicked again
        try:
            with page.expect_download(timeout=20_000) as caught:  # type: ignore[attr-defined]
                page.get_by_role("button", name="Ratings of demo (CSV, every event: 2)").click()  # type: ignore[attr-defined]
            caught.value.save_as(saved)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout; the last one is raised below
            _idle(page)
            if attempt == 2:
                raise
    assert "'=off by one" in saved.read_text(encoding="utf-8")  # inert in a spreadsheet
    app_server.stop()
    db = Database(app_server.db_path)
    report = import_ratings(db, saved, "demo")
    assert (report.added, report.skipped) == (0, 2)
    assert sorted(rating_store.ratings_frame(db, "demo")["note"].dropna()) == ["=off by one"]
    db.close()
