"""The Generators and Import and export pages in headless Chromium, on the offline synthetic dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.execution.run import run_execution
from judge.synth.pipeline import Maker, SynthSpec, synthesize
from judge.synth.truths import DEMO_TRUTHS, load_truths
from storage import Database
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle

pytestmark = pytest.mark.browser


@pytest.fixture
def synth_server(tmp_path: Path) -> Iterator[AppServer]:
    path = tmp_path / "synth.duckdb"
    db = Database(path)
    spec = SynthSpec("synthetic", Maker("offline", "english"), (Maker("offline", "careful"), Maker("offline", "hasty")))
    synthesize(db, load_truths(DEMO_TRUTHS), spec, {})
    run_execution(db, "synthetic")
    db.close()
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "expected"), [("generators", "mean score (1-5), 95% interval"), ("data", "Pairs of synthetic (JSONL, 120 pairs)")]
)
def test_generator_comparison_and_import_pages_render(
    synth_server: AppServer, browser: object, path: str, expected: str
) -> None:  # the data first: Playwright's loop
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{synth_server.url}/{path}")
    page.wait_for_selector(f"text={expected}", timeout=90_000)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, f"{path}-page")
