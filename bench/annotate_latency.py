"""Annotate latency: eight browser sessions rating at once for a minute against the real app.

Prints the time from the key press to the next pair drawn (p50, p95; target p95 < 500 ms), the ratings
made, and where the CPU went: the app server's CPU per rating, and the headless Chromium's (which here
shares the machine's two cores with the server, as real annotators' browsers would not).

    python bench/annotate_latency.py [SESSIONS] [SECONDS] [PAUSE]   # defaults: 8 60 0
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from judge.demo.store import store_demo  # noqa: E402
from storage import Database  # noqa: E402
from storage import queries as q  # noqa: E402
from tests.browser.conftest import AppServer  # noqa: E402
from tests.browser.load import percentile, rate_concurrently  # noqa: E402

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


def children_cpu() -> float:
    """CPU seconds of this process's children that have exited (the browser, once closed)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    sessions, seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8, float(sys.argv[2]) if len(sys.argv) > 2 else 60
    pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "latency.duckdb"
        db = Database(path)
        store_demo(db, count=600)
        db.close()
        server = AppServer(path, env={"JUDGE_ANNOTATORS_PER_PAIR": str(sessions)})
        server.start()
        assert server.process is not None
        try:
            server_before, browser_before = cpu_seconds("streamlit"), children_cpu()
            results = rate_concurrently(server.url, sessions, seconds, pause)  # the browser has exited after it
            server_cpu, browser_cpu = cpu_seconds("streamlit") - server_before, children_cpu() - browser_before
        finally:
            server.stop()
        stored = len(q.ratings_frame(Database(path), current_only=False))
    latencies = [t for s in results for t in s.latencies]
    errors = [e for s in results for e in s.errors]
    print(f"sessions: {sessions} for {seconds:.0f} s each, {pause:.1f} s reading each pair before the key")
    print(f"ratings: {len(latencies)} acknowledged, {stored} stored, {len(errors)} page errors")
    print(f"key -> next pair: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms (target p95 < 500 ms)")  # fmt: skip
    print(f"CPU: app server {server_cpu / max(len(latencies), 1) * 1000:.0f} ms per rating "
          f"({server_cpu:.0f} s in all, sign-ins included); headless Chromium {browser_cpu:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
