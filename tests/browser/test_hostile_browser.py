"""Hostile content in pairs, names, notes and judge output: shown as inert text, nothing leaves the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.data.records import prepare_pair
from judge.judgment import Judgment
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated

pytestmark = pytest.mark.browser

OUTSIDE = "http://203.0.113.9"  # TEST-NET-3: never a real host
HOSTILE = (
    f"<script>window.__pwned = 1; fetch('{OUTSIDE}/script')</script> "
    f"<img src=x onerror=\"window.__pwned = 1; new Image().src = '{OUTSIDE}/img'\"> "
    "[click me](javascript:window.__pwned=1) "
    f"![remote]({OUTSIDE}/remote.png) "
    f'<a href="javascript:window.__pwned=1">link</a> :red[colour] $x^2$ '
    "\u202eright-to-left\u202c zero\u200bwidth\u200d end"
)
HUGE = " ".join(f"word{i % 9973}" for i in range(150_000))  # about 1 MB


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[AppServer]:
    path = tmp_path / "hostile.duckdb"
    db = Database(path)
    rows = [
        {"external_id": "h1", "kind": "text", "request": HOSTILE, "ground_truth": HOSTILE, "generated": HUGE},
        {"external_id": "h2", "kind": "audience", "request": HOSTILE, "ground_truth": "trait('plan') = 'pro'",
         "generated": f"trait('{HOSTILE}') = 'pro'"},
    ]  # fmt: skip
    pair_store.add_pairs(db, "hostile", [prepare_pair(row) for row in rows])
    ids = list(pair_store.pairs_frame(db)["pair_id"].astype(int))
    run = run_store.create_run(db, name=HOSTILE[:80], judge_kind="external", status="imported",
                       dataset_id=pair_store.dataset_id(db, "hostile"))  # fmt: skip
    result_store.add_judgments(
        db,
        run,
        [
            Judgment("external", 5, HOSTILE).of(ids[0]),
            Judgment.failed("external", "provider_error", HOSTILE).of(ids[1]),
        ],
    )
    rating_store.add_ratings(db, [rating_store.NewRating(ids[0], HOSTILE[:60], 1, HOSTILE, None, "hostile-1")])
    db.close()
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


def test_hostile_content_is_inert_and_nothing_leaves_the_page(
    hostile_server: AppServer, browser: object
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    requested: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requested.append(request.url))  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]

    page.goto(hostile_server.url)  # type: ignore[attr-defined]
    page.wait_for_selector("text=Who is rating?", timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_label("Your name").fill("![me](" + OUTSIDE + "/name.png) <b>eve</b>")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Start rating").click()  # type: ignore[attr-defined]
    page.wait_for_selector(".pair-request", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    shown = page.locator(".pair-request").first.inner_text()  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 1;" in shown and "![remote](" in shown  # the text itself, as text
    screenshot(page, "hostile-annotate")
    page.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").fill(HOSTILE)  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("3")  # type: ignore[attr-defined]  # the page stays usable
    _rated(page, 1)

    for path, expected in (("judge", "Read a judgment"), ("disagreements", "Export the list as CSV")):
        page.goto(f"{hostile_server.url}/{path}?annotator=lee")  # type: ignore[attr-defined]  # a known name sees scores
        page.wait_for_selector(f"text={expected}", timeout=90_000)  # type: ignore[attr-defined]
        _idle(page)
        assert page.locator("[data-testid=stException]").count() == 0  # type: ignore[attr-defined]
        screenshot(page, f"hostile-{path}")
    text = page.locator("[data-testid=stMain]").inner_text()  # type: ignore[attr-defined]
    assert "<script>window.__pwned" in text  # the judge's hostile reasoning, shown as text

    assert page.evaluate("window.__pwned") is None  # type: ignore[attr-defined]
    assert dialogs == []
    outside = [u for u in requested if not u.startswith((hostile_server.url, "data:", "blob:"))]
    assert outside == [], outside
    assert any(
        u.startswith(hostile_server.url) for u in requested
    )  # the log did record the page's own requests
