"""Several annotators rating at once in one headless Chromium, each timing submit -> next pair shown.

Used by ``tests/browser/test_load_browser.py`` (short, asserts nothing is lost) and by
``bench/annotate_latency.py`` (a minute, prints p50/p95).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"

# Timed inside the page, from the key reaching it to the next pair drawn, and waited for by the page's own
# MutationObserver: Playwright's selector waits poll every animation frame, and eight pages polling would
# take the CPU the app and the pages need (a cost real annotators' browsers do not have).
_CLOCK = """() => window.addEventListener("keydown", () => { window.__keyAt = performance.now(); }, true)"""
_WATCH_FOR = """(text) => { window.__keyAt = undefined; window.__shown = new Promise((resolve) => {
  const shown = () => {
    const app = document.querySelector("[data-testid=stApp]");
    return app && app.dataset.testScriptState === "notRunning" && document.body.textContent.includes(text);
  };
  const observer = new MutationObserver(() => {
    if (window.__keyAt !== undefined && shown()) {
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - window.__keyAt));  // the frame that shows it
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}); }"""


@dataclass
class Session:
    name: str
    pause: float = 0.0  # mean seconds an annotator spends reading a pair before the key
    latencies: list[float] = field(default_factory=list)  # seconds from the key to the next pair drawn
    errors: list[str] = field(default_factory=list)


async def _annotate(browser: object, url: str, session: Session, seconds: float, ready: asyncio.Barrier) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    await page.goto(url)
    await page.wait_for_selector("text=Who is rating?", timeout=120_000)
    await page.get_by_label("Your name").fill(session.name)
    await page.get_by_role("button", name="Start rating").click()
    await page.wait_for_selector("text=You: 0 rated", timeout=120_000)
    await page.wait_for_selector(IDLE, timeout=60_000)
    # People read for different times, so sessions do not press in step: each pair takes between half and
    # one and a half times the mean, drawn per session from a seeded generator, and the first is staggered.
    reading = random.Random(session.name)
    await ready.wait()  # everyone has signed in: the minute measures rating, not eight pages loading
    await asyncio.sleep(reading.uniform(0, session.pause))
    await page.evaluate(_CLOCK)
    rated, until = 0, time.monotonic() + seconds
    while time.monotonic() < until:
        await asyncio.sleep(reading.uniform(0.5, 1.5) * session.pause)
        await page.evaluate(_WATCH_FOR, f"You: {rated + 1} rated")
        await page.keyboard.press(str(1 + (rated + len(session.name)) % 5))
        session.latencies.append(await asyncio.wait_for(page.evaluate("() => window.__shown"), 60) / 1000)
        rated += 1
        if await page.locator("[data-testid=stException]").count():
            session.errors.append(await page.locator("[data-testid=stException]").first.inner_text())
    await page.close()


async def _run(urls: list[str], sessions: list[Session], seconds: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        ready = asyncio.Barrier(len(sessions))
        await asyncio.gather(*(_annotate(browser, urls[i % len(urls)], s, seconds, ready)
                               for i, s in enumerate(sessions)))  # fmt: skip
        await browser.close()


def rate_concurrently(url: str | list[str], count: int, seconds: float, pause: float = 0.0) -> list[Session]:
    """``count`` annotators (ann-1 ...) rating at once on the app at ``url`` (several: the sessions take turns
    among them, as a team's annotators behind several servers); their timings and errors."""
    sessions = [Session(f"ann-{i + 1}", pause) for i in range(count)]
    asyncio.run(_run([url] if isinstance(url, str) else url, sessions, seconds))
    return sessions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
