"""The Judge, Agreement and Disagreements pages in headless Chromium, on rated demo pairs with a run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.execution.run import run_execution
from storage import Database
from storage import queries as q
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle

pytestmark = pytest.mark.browser


@pytest.fixture
def judged_server(seeded_db: Path) -> Iterator[AppServer]:
    db = Database(seeded_db)
    run_execution(db, "demo")
    ids = list(q.pairs_frame(db)["pair_id"].astype(int))
    q.add_ratings(db, [q.NewRating(p, who, 5 if (p + k) % 3 else 2, None, None, f"{p}-{who}")
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
    page.goto(f"{judged_server.url}/{path}")
    page.wait_for_selector(f"text={expected}", timeout=90_000)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, f"{path}-page")
