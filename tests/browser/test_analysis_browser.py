"""The Judge, Agreement and Disagreements pages in headless Chromium, on rated demo pairs with a run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.execution.run import run_execution
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle

pytestmark = pytest.mark.browser


@pytest.fixture
def judged_server(seeded_db: Path) -> Iterator[AppServer]:
    db = Database(seeded_db)
    run_execution(db, "demo")
    ids = list(pair_store.pairs_frame(db)["pair_id"].astype(int))
    rating_store.add_ratings(db, [rating_store.NewRating(p, who, 5 if (p + k) % 3 else 2, None, None, f"{p}-{who}")
                       for p in ids for k, who in enumerate(("ana", "bo"))])  # fmt: skip
    db.close()
    server = AppServer(seeded_db)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "expected"),
    [("judge", "Read a judgment"), ("agreement", "Agreement within one point"),
     ("disagreements", "Export the list as CSV")],
)  # fmt: skip
def test_analysis_pages_show_figures_for_what_was_rated(
    browser: object, judged_server: AppServer, path: str, expected: str
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{judged_server.url}/{path}?annotator=lee")  # Disagreements shows judge scores to a known name
    page.wait_for_selector(f"text={expected}", timeout=90_000)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, f"{path}-page")


def test_a_click_on_a_row_of_disagreements_opens_its_pair(browser: object, judged_server: AppServer) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{judged_server.url}/disagreements?annotator=lee")
    page.wait_for_selector("text=Tick the box at the left of a row to open its pair", timeout=90_000)
    _idle(page)
    picked = page.get_by_role("combobox", name="Pair")
    first = picked.input_value() if picked.evaluate("e => 'value' in e") else picked.inner_text()
    grid = page.locator("[data-testid=stDataFrame]").first
    box = grid.bounding_box()
    assert box is not None
    def shown() -> str:
        return str(picked.input_value() if picked.evaluate("e => 'value' in e") else picked.inner_text())

    after = first
    for _ in range(3):  # a click the grid's canvas was not ready for (a loaded machine) is clicked again
        page.mouse.click(box["x"] + 15, box["y"] + 35 * 2 + 17)  # the selection box of the second row
        for _ in range(30):
            _idle(page)
            after = shown()
            if after != first:
                break
            page.wait_for_timeout(500)
        if after != first:
            break
    assert after != first
    screenshot(page, "disagreements-row-opened")
