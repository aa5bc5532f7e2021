"""Bad files through the import page, and who may do what, in headless Chromium against the real app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from storage import Database
from storage import pairs as pair_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle

pytestmark = pytest.mark.browser
GOOD = "\n".join(json.dumps({"external_id": f"n{i}", "request": "buyers", "ground_truth": "event('Order').count() >= 1",
                             "generated": f"event('Order').count() >= {i + 1}"}) for i in range(3))  # fmt: skip


def zip_bomb(path: Path) -> bytes:
    """A Parquet file of a few MB that unpacks to 600 MB (written in row groups, never held whole)."""
    schema = pa.schema([("request", pa.string()), ("ground_truth", pa.string()), ("generated", pa.string())])
    chunk = pa.table({"request": ["x" * 1000] * 20_000, "ground_truth": ["trait('a') = 1"] * 20_000,
                      "generated": ["g"] * 20_000}, schema=schema)  # fmt: skip
    with pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=False) as out:
        for _ in range(30):
            out.write_table(chunk)
    return path.read_bytes()


def upload(page: object, server: AppServer, name: str, content: bytes, folder: Path) -> str:
    """Import ``content`` as pairs into dataset 'new' on the page; the message the page gives."""
    file = folder / "uploads" / name
    file.parent.mkdir(exist_ok=True)
    file.write_bytes(content)
    page.goto(f"{server.url}/data")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Into dataset", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_label("Into dataset").fill("new")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    _idle(page)
    page.set_input_files("input[type=file]", files=[str(file)])  # type: ignore[attr-defined]
    page.wait_for_selector(f"text={name}", timeout=60_000)  # type: ignore[attr-defined]
    try:  # the upload reruns the page, which then lets the file be imported
        page.wait_for_selector("button:has-text('Import'):not([disabled])", timeout=20_000)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - Playwright's timeout: the upload widget refused the file itself
        return page.locator("[data-testid=stFileUploader]").inner_text()  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_role("button", name="Import", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=stAlert]", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    return page.locator("[data-testid=stAlert]").first.inner_text()  # type: ignore[attr-defined]


def test_bad_files_through_the_import_page_get_a_clear_message_and_store_nothing(
    app_server: AppServer, browser: object, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    cases = {
        "latin.csv": ("request,ground_truth,generated\ncaf\xe9,a,b\n".encode("latin-1"), "latin.csv: not UTF-8 text"),
        "badrow.csv": (b"request,ground_truth,generated\nq,event(,a\n", "badrow.csv: nothing imported: row 1, field "
                                                                           "'ground_truth'"),  # fmt: skip
        "bomb.parquet": (zip_bomb(tmp_path / "bomb.parquet"), "bytes once unpacked; the limit for an import"),
        "huge.jsonl": (b"{}\n" * (100 * 2**20 // 3), "50.0MB or smaller"),  # 100 MB: the widget refuses it
    }
    for name, (content, expected) in cases.items():
        message = upload(page, app_server, name, content, tmp_path)
        assert expected in message, (name, message)
        if name == "bomb.parquet":
            screenshot(page, "import-zip-bomb")
    formulas = b"request,ground_truth,generated,kind\n=HYPERLINK(\"http://x\"),=1+1,@SUM(A1),text\n"
    assert "formulas.csv: 1 added" in upload(page, app_server, "formulas.csv", formulas, tmp_path)  # text, kept as text
    app_server.stop()
    pairs = pair_store.pairs_frame(Database(app_server.db_path), "new")
    assert list(pairs["request"]) == ['=HYPERLINK("http://x")']  # only the good file; exports make it inert


@pytest.fixture
def guarded_server(seeded_db: Path) -> Iterator[AppServer]:
    server = AppServer(seeded_db, env={"JUDGE_ANNOTATORS": "ana,bo", "JUDGE_ADMINS": "ana"})
    server.start()
    yield server
    server.stop()


def test_with_lists_set_only_annotators_rate_and_only_admins_run_or_import(
    guarded_server: AppServer, browser: object
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{guarded_server.url}/?annotator=eve")  # type: ignore[attr-defined]  # a name typed into the address
    page.wait_for_selector("text=Who is rating?", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    assert page.locator(".pair-text").count() == 0  # type: ignore[attr-defined]

    for name, admin in (("bo", False), ("ana", True)):
        page = _signed_in_from_list(browser, guarded_server, name)
        for path, button in (("judge", "Start on demo"), ("data", "Import")):
            menu = {"judge": "Judge", "data": "Import and export"}[path]  # the sidebar: the same session
            page.locator("[data-testid=stSidebarNav] a", has_text=menu).click()  # type: ignore[attr-defined]
            page.wait_for_selector(f"button:has-text('{button}')", timeout=60_000)  # type: ignore[attr-defined]
            _idle(page)
            warned = page.locator("text=Only the admins listed in JUDGE_ADMINS").count()  # type: ignore[attr-defined]
            assert bool(warned) != admin, (name, path)
            if path == "judge":
                assert page.get_by_role("button", name="Start on demo", exact=True).is_disabled() != admin  # type: ignore[attr-defined]
        screenshot(page, f"access-{name}")

    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{guarded_server.url}/judge?annotator=ana")  # type: ignore[attr-defined]  # a bookmark, a new tab
    page.wait_for_selector("text=Signed in as", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    assert not page.get_by_role("button", name="Start on demo", exact=True).is_disabled()  # type: ignore[attr-defined]


def _signed_in_from_list(browser: object, server: AppServer, name: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(server.url)  # type: ignore[attr-defined]
    page.wait_for_selector("text=Who is rating?", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_label("Your name").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=name, exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Start rating").click()  # type: ignore[attr-defined]
    page.wait_for_selector(".pair-text", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    return page


