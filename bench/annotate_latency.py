"""Annotate latency: eight browser sessions rating at once for a minute against the real app.

Prints the time from the key press to the next pair drawn (p50, p95; target p95 < 500 ms), the ratings
made, and where the CPU went: the app server's and the headless Chromium's per rating (Chromium here shares
the machine's two cores with the server, as real annotators' browsers would not).

Two runs: annotators at a person's pace (reading each pair for PAUSE seconds on average, between half and
one and a half times that, not in step), then the same sessions pressing keys as fast as the page allows.

    python bench/annotate_latency.py [SESSIONS] [SECONDS] [PAUSE]   # defaults: 8 60 3
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from judge.demo.store import store_demo  # noqa: E402
from storage import Database  # noqa: E402
from storage import ratings as rating_store  # noqa: E402
from tests.browser.conftest import AppServer  # noqa: E402
from tests.browser.load import Session, percentile, rate_concurrently  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(match: str) -> float:
    """CPU seconds used so far by every process whose command line contains ``match``."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if match.encode() in command:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


class BrowserClock(threading.Thread):
    """Samples the CPU of the Chromium processes while they live (they are gone once the browser closes)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seconds, self.running = 0.0, True

    def run(self) -> None:
        while self.running:
            self.seconds = max(self.seconds, cpu_seconds("chromium"))
            time.sleep(0.3)


def measure(sessions: int, seconds: float, pause: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "latency.duckdb"
        db = Database(path)
        store_demo(db, count=600)
        db.close()
        server = AppServer(path, env={"JUDGE_ANNOTATORS_PER_PAIR": str(sessions)})
        server.start()
        browser = BrowserClock()
        try:
            server_before = cpu_seconds("streamlit")
            browser.start()
            results: list[Session] = rate_concurrently(server.url, sessions, seconds, pause)
            browser.running = False
            server_cpu = cpu_seconds("streamlit") - server_before
        finally:
            server.stop()
        stored = len(rating_store.ratings_frame(Database(path), current_only=False))
    latencies = [t for s in results for t in s.latencies]
    errors = [e for s in results for e in s.errors]
    made = max(len(latencies), 1)
    pace = f"reading each pair {pause:.1f} s on average" if pause else "pressing keys as fast as the page allows"
    print(f"{sessions} sessions for {seconds:.0f} s, {pace}")
    print(f"  ratings: {len(latencies)} acknowledged, {stored} stored, {len(errors)} page errors")
    print(f"  key -> next pair: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms (target p95 < 500 ms)")  # fmt: skip
    print(f"  CPU per rating (sign-ins and start-up included): app server {server_cpu / made * 1000:.0f} ms, "
          f"headless Chromium {browser.seconds / made * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    pause = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    measure(sessions, seconds, pause)
    if pause:
        measure(sessions, seconds, 0.0)


if __name__ == "__main__":
    main()
