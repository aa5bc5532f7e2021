"""The prompt loop in headless Chromium, as an engineer uses it: fork a judge prompt, edit it, run it on a
calibration set against the local fake provider, read the comparison, then gate it from the command line:
a better version passes (exit 0), a worse one fails (exit 1), and after a rating changes the gate cannot
tell (exit 2, stale)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from judge.calibration import snapshot
from judge.demo.store import store_demo
from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import ROOT, AppServer, screenshot
from tests.browser.test_annotate_browser import _idle
from tests.llm.fake_server import FakeProviderServer
from tests.loop_script import behave_by_version
from tests.pages.test_prompts import rate_all

pytestmark = pytest.mark.browser


def gate(db_path: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "judge.cli", "gate", "--db", str(db_path), "--calibration", "cal",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def fork_and_run(page: object, parent: str, mark: str, label: str) -> None:
    page.get_by_role("button", name=f"Fork {parent} into {label}").click()  # type: ignore[attr-defined]
    draft = page.get_by_label("The new version (TOML)")  # type: ignore[attr-defined]
    draft.wait_for(timeout=30_000)
    for attempt in range(3):  # an edit a loaded machine had not sent before the click is made again
        if mark not in draft.input_value():
            draft.fill(draft.input_value().replace("Think step by step", f"{mark} Think step by step"))
        draft.press("Control+Enter")
        _idle(page)
        page.get_by_role("button", name="Save version").click()  # type: ignore[attr-defined]
        try:
            page.wait_for_selector(f"text=+{mark}", timeout=20_000)  # type: ignore[attr-defined]  # its diff
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout; the last one is raised
            _idle(page)
            if attempt == 2 or not page.get_by_label("The new version (TOML)").count():  # type: ignore[attr-defined]
                raise
            draft = page.get_by_label("The new version (TOML)")  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_role("button", name=f"Run {label} on cal with fake-judge").click()  # type: ignore[attr-defined]


def test_fork_edit_run_compare_and_gate(tmp_path: Path, browser: object) -> None:
    path = tmp_path / "loop.duckdb"
    db = Database(path)
    store_demo(db, count=30)
    people = rate_all(db)
    snapshot(db, "cal", "demo")
    db.close()
    made: list[FakeProviderServer] = []  # built off this thread: Playwright's loop runs on it
    builder = threading.Thread(target=lambda: made.append(FakeProviderServer(behave_by_version(people))))
    builder.start()
    builder.join()
    with made[0] as provider:
        server = AppServer(path)
        server.start()
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
            page.goto(f"{server.url}/prompts?annotator=lee&dataset=demo")
            page.wait_for_selector("text=Run judge-cot@2 on a calibration set", timeout=90_000)
            _idle(page)
            page.get_by_role("combobox", name="Provider").click()
            page.keyboard.type("openai-compatible")
            page.keyboard.press("Enter")
            _idle(page)
            page.get_by_role("textbox", name="Server URL").fill(f"{provider.url}/v1")
            page.get_by_role("textbox", name="Model").fill("fake-judge")
            page.get_by_role("textbox", name="Model").press("Enter")
            _idle(page)
            page.get_by_role("button", name="Run judge-cot@2 on cal with fake-judge").click()
            page.wait_for_selector("text=was not forked from another version", timeout=60_000)

            fork_and_run(page, "judge-cot@2", "MARK-GOOD", "judge-cot@3")
            page.wait_for_selector("text=better, beyond noise", timeout=90_000)
            _idle(page)
            assert page.locator("[data-testid=stException]").count() == 0
            screenshot(page, "prompts-better")

            picker = page.get_by_role("combobox", name="Version", exact=True)
            picker.click()
            page.keyboard.type("judge-cot@2")
            page.keyboard.press("Enter")
            _idle(page)
            fork_and_run(page, "judge-cot@2", "MARK-BAD", "judge-cot@4")
            page.wait_for_selector("text=worse, beyond noise", timeout=90_000)
            _idle(page)
            page.set_viewport_size({"width": 1280, "height": 720})
            screenshot(page, "prompts-worse")
            assert page.locator("[data-testid=stException]").count() == 0
        finally:
            server.stop()

    passed = gate(path, "--prompt", "judge-cot@3", "--min", "within_one=0.6", "--no-worse-than", "judge-cot@2")
    assert passed[0] == 0, passed
    failed = gate(path, "--prompt", "judge-cot@4", "--min", "within_one=0.6", "--no-worse-than", "judge-cot@2")
    assert failed[0] == 1 and "fails" in failed[1], failed
    db = Database(path)
    rating_store.record_rating(db, rating_store.NewRating(1, "bo", 5, None, 5.0, "changed"), first_only=True)
    rating_store.record_rating(db, rating_store.NewRating(1, "cy", 5, None, 5.0, "changed-2"), first_only=True)
    db.close()
    stale = gate(path, "--prompt", "judge-cot@3", "--min", "within_one=0.6", "--json")
    assert stale[0] == 2 and '"reason": "stale' in stale[1], stale
