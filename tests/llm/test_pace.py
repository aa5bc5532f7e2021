"""Pacing calls to the provider's rate limits: its headers, its 429s and Retry-After, growth while calls succeed.

The pace is checked alone on a clock of its own, then in runs through the real SDKs against the local server
with a token-bucket limit that sends both providers' headers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from judge.llm import RunSpec, make_provider, run_llm
from judge.llm.pace import START, Pace, reset_seconds, retry_after
from storage import Database
from storage import results as result_store
from tests.llm.fake_server import FakeProviderServer, RateLimit, Reply, answer
from tests.llm.test_runs import KEYS, PRICES, add_text_pairs, provider_for


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("0.5s", 0.5), ("1h2m3s", 3723.0), ("2.5", 2.5)],
)
def test_reset_headers_read_as_openai_writes_them(text: str, seconds: float) -> None:
    assert reset_seconds(text) == pytest.approx(seconds)


def test_reset_headers_read_as_anthropic_writes_them() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert reset_seconds("2026-12-07T12:00:30Z", now) == pytest.approx(30.0)
    assert reset_seconds((now - timedelta(seconds=5)).isoformat(), now) == 0.0  # already past: no wait
    assert reset_seconds("soon") is None
    for odd in ("-5", "inf", "nan", "1000000h", "2099-01-01T00:00:00Z", "-5s"):
        assert reset_seconds(odd, now) is None, odd  # not believed: the bucket keeps the rate it had
    assert reset_seconds("2026-12-07T12:00:30") is None  # a time without its zone says nothing certain


def test_retry_after_in_its_three_forms() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "1"}) == pytest.approx(0.25)
    assert retry_after({"retry-after": "3"}) == 3.0
    later = (datetime.now(UTC) + timedelta(seconds=20)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 18 <= (retry_after({"retry-after": later}) or 0) <= 20
    assert retry_after({"retry-after": "whenever"}) is None
    assert retry_after({}) is None


def test_a_429_halves_what_is_in_flight_once_and_holds_new_calls_for_retry_after() -> None:
    async def go() -> None:
        clock = Clock()
        pace = Pace(maximum=64, clock=clock)
        assert pace.window == 1  # the first call alone
        pace.release(*(await pace.acquire({"requests": 1})), 200, {})
        assert pace.window == START  # then 16, and one more per answer
        slots = [await pace.acquire({"requests": 1}) for _ in range(4)]
        for number, before in slots[:2]:
            pace.release(number, before, 200, {})
        assert pace.window == START + 2
        pace.release(*slots[2], 429, {"retry-after": "2"})
        pace.release(*slots[3], 429, {"retry-after": "2"})  # the same window's second 429: no second cut
        assert pace.window == (START + 2) / 2 and pace.throttled == 2
        waiting = asyncio.ensure_future(pace.acquire({"requests": 1}))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # held: each 429 asked for two seconds, and no header said how many fit
        clock.now += 2.0
        await asyncio.sleep(0.3)
        assert not waiting.done()
        clock.now += 2.0
        await asyncio.wait_for(waiting, 2.5)
        number, before = waiting.result()
        pace.release(number, before, 200, {})
        half = (START + 2) / 2
        assert pace.window == pytest.approx(half + 1 / half)  # past the first 429 it grows by one per window

    asyncio.run(go())


def test_growth_stops_at_the_maximum() -> None:
    async def go() -> None:
        pace = Pace(maximum=6, clock=Clock())
        for _ in range(50):
            pace.release(*(await pace.acquire({"requests": 1})), 200, {})
        assert pace.window == 6
        held = [await pace.acquire({"requests": 1}) for _ in range(6)]
        extra = asyncio.ensure_future(pace.acquire({"requests": 1}))
        await asyncio.sleep(0.05)
        assert not extra.done()  # a seventh waits for one of the six
        pace.release(*held[0], 200, {})
        await asyncio.wait_for(extra, 1)

    asyncio.run(go())


def test_the_headers_make_a_bucket_that_holds_calls_until_it_has_room() -> None:
    async def go() -> None:
        clock = Clock()
        pace = Pace(maximum=64, clock=clock)
        number, before = await pace.acquire({"requests": 1})
        # 10 a second: 2 of 10 left, whole again in 0.8 s
        pace.release(number, before, 200, {"x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "2",
                                           "x-ratelimit-reset-requests": "800ms"})  # fmt: skip
        bucket = pace.buckets["requests"]
        assert bucket.rate == pytest.approx(10.0) and bucket.level == 2
        for _ in range(2):
            await pace.acquire({"requests": 1})
        third = asyncio.ensure_future(pace.acquire({"requests": 1}))
        await asyncio.sleep(0.05)
        assert not third.done()  # the bucket is empty until a tenth of a second passes
        clock.now += 0.1
        await asyncio.wait_for(third, 1)

    asyncio.run(go())


def test_what_was_sent_after_the_provider_counted_is_taken_off_what_it_says_is_left() -> None:
    async def go() -> None:
        pace = Pace(maximum=64, clock=Clock())
        pace.release(*(await pace.acquire({"requests": 1})), 200, {})  # the first call alone, without headers
        first = await pace.acquire({"requests": 1})
        for _ in range(3):
            await pace.acquire({"requests": 1})  # three more sent before the first comes back
        pace.release(*first, 200, {"anthropic-ratelimit-requests-limit": "50",
                                   "anthropic-ratelimit-requests-remaining": "10",
                                   "anthropic-ratelimit-requests-reset": (datetime.now(UTC) + timedelta(seconds=4)).isoformat()})  # fmt: skip
        bucket = pace.buckets["requests"]
        assert bucket.level == 7  # ten left when it was counted, three sent since
        assert bucket.rate == pytest.approx(10.0, rel=0.05)

    asyncio.run(go())


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_run_at_the_provider_limit_is_paced_by_its_headers(db: Database, kind: str) -> None:
    """40 requests a second, a bucket of 5, 30 judgments 16 in flight: the headers keep the run within the
    limit, so few calls meet a 429 and none fails."""
    limit = RateLimit(rate=40, capacity=5)
    with FakeProviderServer(limit=limit) as server:
        add_text_pairs(db, "paced", {f"p{i}": f"event('Order') {i}" for i in range(30)})
        spec = RunSpec(
            dataset="paced", provider=kind, model="judge-model", prompt="judge-cot", concurrency=16
        )
        provider = provider_for(kind, server)
        run_id = run_llm(db, spec, provider, prices=PRICES)
    results = result_store.results_frame(db, run_id)
    assert len(results) == 30 and results["score"].notna().all()
    assert provider.pace is not None and provider.pace.throttled == limit.rejected  # it sees every 429
    assert limit.rejected <= 3  # the first answers say what the limit is; from then on calls wait for room
    assert "requests" in provider.pace.buckets and "tokens" in provider.pace.buckets


def test_a_limit_without_headers_is_found_by_its_429s(db: Database) -> None:
    """A server that sends only 429s and Retry-After (no rate-limit headers), 40 calls a second answered after
    0.1 s (four in flight is its pace): the run halves what is in flight on each 429, waits as asked, grows
    back while calls succeed, and with the SDK's usual retries every judgment arrives."""
    limit = RateLimit(rate=40, capacity=4, sent_headers=False)
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=0.1), limit=limit) as server:
        add_text_pairs(db, "bare", {f"p{i}": f"event('Order') {i}" for i in range(60)})
        spec = RunSpec(
            dataset="bare", provider="openai", model="judge-model", prompt="judge-cot", concurrency=16
        )
        provider = make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS, timeout=2.0)
        run_id = run_llm(db, spec, provider, prices=PRICES)
    results = result_store.results_frame(db, run_id)
    assert results["score"].notna().all() and len(results) == 60
    assert provider.pace is not None and provider.pace.throttled == limit.rejected > 0
    assert provider.pace.window < 16  # the 429s cut it
    assert provider.pace.buckets == {}  # nothing was said of the limit but the 429s


def test_without_pacing_the_same_limit_fails_judgments(db: Database) -> None:
    """What the pace prevents: the same run sent as fast as it is made meets 429 after 429 and, with the
    SDK's retries spent, records failures."""
    limit = RateLimit(rate=20, capacity=2)
    with FakeProviderServer(limit=limit) as server:
        add_text_pairs(db, "unpaced", {f"p{i}": f"event('Order') {i}" for i in range(40)})
        spec = RunSpec(dataset="unpaced", provider="openai", model="judge-model", prompt="judge-cot",
                       concurrency=32)  # fmt: skip
        provider = make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS, timeout=1.0, max_retries=0,
                                 paced=False)  # fmt: skip
        run_id = run_llm(db, spec, provider, prices=PRICES)
    results = result_store.results_frame(db, run_id)
    assert limit.rejected > 0 and results["score"].isna().sum() == limit.rejected


def test_a_cancel_ends_calls_held_for_the_providers_limit(db: Database) -> None:
    """The provider says one request in 100 s: the calls after the first wait; a cancel ends their wait, the
    run ends cancelled in seconds, and nothing is stored as a failure (a resume judges them)."""
    import threading
    import time

    from storage import runs as run_store

    slow = {"x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "100s"}  # fmt: skip
    cancel = threading.Event()
    with FakeProviderServer(lambda body, attempt: Reply(text=answer(4), headers=slow)) as server:
        add_text_pairs(db, "held", {f"p{i}": f"event('Order') {i}" for i in range(4)})
        spec = RunSpec(dataset="held", provider="openai", model="judge-model", prompt="judge-cot", concurrency=4)
        threading.Timer(0.5, cancel.set).start()
        started = time.monotonic()
        run_id = run_llm(db, spec, provider_for("openai", server), prices=PRICES, cancel=cancel)
        took = time.monotonic() - started
    results = result_store.results_frame(db, run_id)
    assert took < 30  # not the 100 s the provider asked for
    assert len(results) == 1 and results["error"].isna().all()  # the first call's answer; no failure stored
    assert run_store.run_settings(db, run_id)["status"] == "cancelled"  # type: ignore[index]
