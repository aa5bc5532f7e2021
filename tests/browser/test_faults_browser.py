"""Rating under faults in headless Chromium: a held key, two tabs, a refresh, a server restart.

Every rating the page acknowledged ("You: N rated") must be stored exactly once.
"""

from __future__ import annotations

import os
import random
import signal

import pytest

from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated, _signed_in

pytestmark = pytest.mark.browser


def stored(server: AppServer) -> tuple[int, int]:
    """(rating events, distinct pairs rated) once the server has let go of the database."""
    server.stop()
    db = Database(server.db_path)
    try:
        events = rating_store.ratings_frame(db, current_only=False)
        return len(events), events["pair_id"].nunique()
    finally:
        db.close()


def test_a_held_key_rates_one_pair_once(browser: object, app_server: AppServer) -> None:
    page = _signed_in(browser, app_server, "ana")
    page.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").fill("held keys")  # type: ignore[attr-defined]
    for _ in range(10):  # Enter held down in the note: a note is never sent by Enter, only with a score key
        page.keyboard.down("Enter")  # type: ignore[attr-defined]
        page.wait_for_timeout(30)  # type: ignore[attr-defined]
    page.keyboard.up("Enter")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    _idle(page)
    assert page.locator("text=/You: 0 rated/").count() == 1  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]  # out of the note, as the page says
    for _ in range(15):  # the key held down: the browser repeats keydown without keyup
        page.keyboard.down("4")  # type: ignore[attr-defined]
        page.wait_for_timeout(30)  # type: ignore[attr-defined]
    page.keyboard.up("4")  # type: ignore[attr-defined]
    page.wait_for_timeout(2500)  # type: ignore[attr-defined]  # any repeat still on its way has landed
    _idle(page)
    shown = page.locator("text=/You: \\d+ rated/").inner_text()  # type: ignore[attr-defined]
    assert shown.startswith("You: 1 rated"), shown  # the repeats of a held key are not new presses
    page.keyboard.press("2")  # type: ignore[attr-defined]  # a new press rates the next pair
    _rated(page, 2)
    assert stored(app_server) == (2, 2)
    events = rating_store.ratings_frame(Database(app_server.db_path), current_only=False)
    assert list(events["score"]) == [4, 2] and list(events["note"])[0] == "held keys"


def test_two_tabs_a_refresh_and_a_restart_lose_nothing_and_store_nothing_twice(
    browser: object, app_server: AppServer
) -> None:
    first = _signed_in(browser, app_server, "ana")
    second = _signed_in(browser, app_server, "ana")  # the same annotator in another tab: the same next pair
    first.keyboard.press("5")  # type: ignore[attr-defined]
    _rated(first, 1)
    second.keyboard.press("2")  # type: ignore[attr-defined]  # that pair, already rated in the first tab
    second.wait_for_selector("text=You rated this pair already", timeout=30_000)  # type: ignore[attr-defined]
    _rated(second, 1)
    screenshot(second, "faults-second-tab")
    second.keyboard.press("3")  # type: ignore[attr-defined]  # the second tab goes on with the next pair
    _rated(second, 2)

    first.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").fill("half-typed")  # type: ignore[attr-defined]
    first.reload()  # type: ignore[attr-defined]  # a refresh mid-rating: nothing was acknowledged, nothing stored
    _rated(first, 2)  # the address keeps who is rating
    assert first.get_by_label("Note (optional; Enter leaves the note, then press 1-5)").input_value() == ""  # type: ignore[attr-defined]
    first.keyboard.press("4")  # type: ignore[attr-defined]
    _rated(first, 3)

    app_server.stop()  # a server restart between ratings
    app_server.start()
    first.wait_for_timeout(3000)  # type: ignore[attr-defined]  # the page reconnects to the new server
    first.keyboard.press("1")  # type: ignore[attr-defined]
    # the page is drawn again by the new server: the last acknowledgement ("Saved: 4") goes away
    first.wait_for_selector("text=Saved: 4 for the last pair.", state="detached", timeout=90_000)  # type: ignore[attr-defined]
    _idle(first)
    if first.locator("text=You: 3 rated").count():  # type: ignore[attr-defined]
        # the first key after a restart reaches a new session that has not drawn the form yet: it only
        # brings the page back (not acknowledged, not stored); the next one rates
        first.keyboard.press("1")  # type: ignore[attr-defined]
    _rated(first, 4)
    screenshot(first, "faults-after-restart")
    assert stored(app_server) == (4, 4)


def test_the_app_killed_with_sigkill_while_rating_keeps_every_acknowledged_rating(
    browser: object, app_server: AppServer
) -> None:
    rng = random.Random(11)
    acknowledged = 0
    for trial in range(20):
        page = _signed_in(browser, app_server, f"kill-{trial}")
        presses = rng.randint(2, 6)
        for count in range(1, presses + 1):
            page.keyboard.press("2")  # type: ignore[attr-defined]
            if count < presses:
                _rated(page, count)
        page.wait_for_timeout(rng.randint(0, 150))  # type: ignore[attr-defined]  # often mid-write
        seen = page.locator("text=/You: \\d+ rated/").inner_text()  # type: ignore[attr-defined]
        assert app_server.process is not None
        os.kill(app_server.process.pid, signal.SIGKILL)
        app_server.process.wait()
        acknowledged = int(seen.split()[1])  # what the page had confirmed before the kill
        db = Database(app_server.db_path)
        events = rating_store.ratings_frame(db, current_only=False)
        db.close()
        mine = events[events["annotator"] == f"kill-{trial}"]
        assert len(mine) >= acknowledged and mine["pair_id"].is_unique, (trial, len(mine), acknowledged)
        page.close()  # type: ignore[attr-defined]
        app_server.start()
