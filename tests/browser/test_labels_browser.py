"""Labels people can trust, in the real app: the pair a key rates is the pair (and dataset) on screen,
keys in and after the note never save a score nobody chose, and a laptop screen holds it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.data.records import prepare_pair
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from tests.browser.conftest import ARTIFACTS, AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated

pytestmark = pytest.mark.browser

NOTE = "Note (optional; Enter leaves the note, then press 1-5)"
PAIRS = [  # the structure-aware view's cases: reordered AND, one_of vs OR, >= vs >, a missing where, a window
    ("reordered", "trait('plan') = 'pro' AND trait('country') = 'DE' AND event('Order Completed').count() >= 1",
     "event('Order Completed').count() >= 1 AND trait('country') = 'DE' AND trait('plan') = 'pro'"),
    ("one-of", "trait('plan').one_of('team', 'enterprise')", "trait('plan') = 'team' OR trait('plan') = 'enterprise'"),
    ("strict", "event('Order Completed').within(7 days).count() >= 3", "event('Order Completed').within(7 days).count() > 3"),
    ("where-window", "event('Order Completed').where(property('price') > 100).within(30 days).count() >= 1",
     "event('Order Completed').within(14 days).count() >= 1"),
]  # fmt: skip


@pytest.fixture
def two_datasets(seeded_db: Path) -> Iterator[AppServer]:
    db = Database(seeded_db)
    rows = [
        {"external_id": n, "request": f"Request {n}", "ground_truth": a, "generated": b} for n, a, b in PAIRS
    ]
    pair_store.add_pairs(db, "imported", [prepare_pair(r) for r in rows])
    db.close()
    server = AppServer(seeded_db)
    server.start()
    yield server
    server.stop()


def _page(
    browser: object, server: AppServer, query: str = "", width: int = 1280, height: int = 720
) -> object:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(f"{server.url}/?annotator=ana{query}")
    page.wait_for_selector(".pair-text", timeout=60_000)
    _idle(page)
    return page


def _ratings(server: AppServer) -> list[tuple[str, str, int, str | None]]:
    server.stop()
    db = Database(server.db_path)
    ratings = rating_store.ratings_frame(db, current_only=False)
    pairs = pair_store.pairs_frame(db).set_index("pair_id")
    found = [(str(pairs.at[p, "dataset"]), str(pairs.at[p, "external_id"]), int(s), None if n is None else str(n))
             for p, s, n in zip(ratings["pair_id"], ratings["score"], ratings["note"], strict=True)]  # fmt: skip
    db.close()
    return found


def test_a_key_after_a_dataset_switch_rates_a_pair_of_the_new_dataset(
    browser: object, two_datasets: AppServer
) -> None:
    page = _page(browser, two_datasets)
    page.keyboard.press("4")  # type: ignore[attr-defined]
    _rated(page, 1)
    page.get_by_role("combobox", name="Dataset").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name="imported").click()  # type: ignore[attr-defined]
    page.wait_for_selector(".pair-request:has-text('Request ')", timeout=30_000)  # type: ignore[attr-defined]
    _idle(page)
    assert "dataset=imported" in page.url  # type: ignore[attr-defined]
    page.keyboard.press("5")  # type: ignore[attr-defined]
    _rated(page, 1)  # the count is of the dataset on screen
    page.reload()  # type: ignore[attr-defined]
    page.wait_for_selector(".pair-text", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    assert page.get_by_role("combobox", name="Dataset").input_value() == "imported"  # type: ignore[attr-defined]
    screenshot(page, "annotate-after-dataset-switch")
    ratings = _ratings(two_datasets)
    assert [(d, s) for d, _, s, _ in ratings] == [("demo", 4), ("imported", 5)]
    assert ratings[1][1] in {name for name, _, _ in PAIRS}


def test_enter_and_tab_from_the_note_never_save_a_score_nobody_chose(
    browser: object, two_datasets: AppServer
) -> None:
    page = _page(browser, two_datasets, "&dataset=imported")
    first = page.locator(".pair-request").inner_text()  # type: ignore[attr-defined]
    note = page.get_by_label(NOTE)  # type: ignore[attr-defined]
    note.fill("looks fine")
    page.keyboard.press("Enter")  # type: ignore[attr-defined]  # leaves the note; saves nothing
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    assert page.get_by_text("You: 0 rated").count() == 1  # type: ignore[attr-defined]
    page.get_by_role("button", name="5 · Perfect").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]  # a focused score button: nothing
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    note.focus()
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]  # Tab lands on Skip: Enter skips nothing either
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    assert (
        page.get_by_text("You: 0 rated").count() == 1 and page.locator(".pair-request").inner_text() == first
    )  # type: ignore[attr-defined]
    page.keyboard.press("4")  # type: ignore[attr-defined]  # the choice
    _rated(page, 1)
    assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == 0  # type: ignore[attr-defined]
    assert page.get_by_text("Saved: 4 for the last pair.").count() == 1  # type: ignore[attr-defined]
    assert _ratings(two_datasets) == [("imported", first.removeprefix("Request "), 4, "looks fine")]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1440, 900)])
def test_request_both_definitions_and_the_buttons_fit_a_laptop_screen(
    browser: object, two_datasets: AppServer, width: int, height: int
) -> None:
    page = _page(browser, two_datasets, "&dataset=imported", width, height)
    for number in range(len(PAIRS)):
        page.wait_for_selector(".pair-request:has-text('Request ')", timeout=30_000)  # type: ignore[attr-defined]
        _idle(page)
        name = page.locator(".pair-request").inner_text().removeprefix("Request ")  # type: ignore[attr-defined]
        parts = [page.locator(".pair-request"), page.locator(".pair-text").first, page.locator(".pair-text").last,  # type: ignore[attr-defined]
                 *(page.get_by_role("button", name=label) for label in  # type: ignore[attr-defined]
                   ("1 · Very bad", "2 · Poor", "3 · Acceptable", "4 · Good", "5 · Perfect"))]  # fmt: skip
        for part in parts:
            box = part.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (name, box)
        assert page.locator("del").count() == 0  # the reference is never struck through
        page.screenshot(path=str(ARTIFACTS / f"annotate-{name}-{width}x{height}.png"))  # type: ignore[attr-defined]
        if name == "strict":
            assert page.locator(".pair-text mark.now").first.inner_text() == ">"  # type: ignore[attr-defined]
        if name == "reordered":
            assert page.locator(".pair-text mark").count() == 0  # type: ignore[attr-defined]
        if number < len(PAIRS) - 1:
            page.keyboard.press("s")  # type: ignore[attr-defined]
            page.wait_for_selector(f".pair-request:not(:has-text('Request {name}'))", timeout=30_000)  # type: ignore[attr-defined]
