"""Eight annotators in one browser rating at once: no error on any page, every acknowledged rating stored once."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.demo.store import store_demo
from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import AppServer
from tests.browser.load import percentile, rate_concurrently

pytestmark = pytest.mark.browser
SESSIONS, SECONDS = 8, 20  # bench/annotate_latency.py runs the same for a minute


def test_eight_sessions_rating_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "load.duckdb"
    db = Database(path)
    store_demo(db, count=400)
    db.close()
    server = AppServer(path, env={"JUDGE_ANNOTATORS_PER_PAIR": str(SESSIONS)})
    server.start()
    try:
        sessions = rate_concurrently(server.url, SESSIONS, SECONDS)
    finally:
        server.stop()
    assert [s.errors for s in sessions] == [[]] * SESSIONS
    acknowledged = {s.name: len(s.latencies) for s in sessions}
    assert all(n > 0 for n in acknowledged.values()), acknowledged
    events = rating_store.ratings_frame(Database(path), current_only=False)
    assert events.groupby("annotator").size().to_dict() == acknowledged  # each acknowledged rating stored once
    assert not events.duplicated(["annotator", "pair_id"]).any()
    latencies = [t for s in sessions for t in s.latencies]
    print(f"{len(latencies)} ratings; submit -> next pair p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms")  # reported, not asserted: bench/annotate_latency.py
