"""Several annotators rating at once in one headless Chromium, each timing submit -> next pair shown.

Used by ``tests/browser/test_load_browser.py`` (short, asserts nothing is lost) and by
``bench/annotate_latency.py`` (a minute, prints p50/p95).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


@dataclass
class Session:
    name: str
    pause: float = 0.0  # seconds an annotator spends on a pair before the key (reading it)
    latencies: list[float] = field(default_factory=list)  # seconds from the key to the next pair drawn
    errors: list[str] = field(default_factory=list)


async def _annotate(browser: object, url: str, session: Session, seconds: float) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    await page.goto(url)
    await page.wait_for_selector("text=Who is rating?", timeout=120_000)
    await page.get_by_label("Your name").fill(session.name)
    await page.get_by_role("button", name="Start rating").click()
    await page.wait_for_selector("text=You: 0 rated", timeout=120_000)
    await page.wait_for_selector(IDLE, timeout=60_000)
    rated, until = 0, time.monotonic() + seconds
    while time.monotonic() < until:
        await asyncio.sleep(session.pause)
        started = time.perf_counter()
        await page.keyboard.press(str(1 + (rated + len(session.name)) % 5))
        await page.wait_for_selector(f"text=You: {rated + 1} rated", timeout=60_000)
        await page.wait_for_selector(IDLE, timeout=60_000)
        session.latencies.append(time.perf_counter() - started)
        rated += 1
        if await page.locator("[data-testid=stException]").count():
            session.errors.append(await page.locator("[data-testid=stException]").first.inner_text())
    await page.close()


async def _run(url: str, sessions: list[Session], seconds: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        await asyncio.gather(*(_annotate(browser, url, s, seconds) for s in sessions))
        await browser.close()


def rate_concurrently(url: str, count: int, seconds: float, pause: float = 0.0) -> list[Session]:
    """``count`` annotators (ann-1 ...) rating at once on the app at ``url``; their timings and errors."""
    sessions = [Session(f"ann-{i + 1}", pause) for i in range(count)]
    asyncio.run(_run(url, sessions, seconds))
    return sessions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
