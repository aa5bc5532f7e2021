"""How fast calls go out to a provider: as fast as its rate limits let them, never faster.

Every HTTP attempt (the SDK's own retries too) passes through :class:`PacedTransport`, which waits for
:meth:`Pace.slot` before sending and tells the pace what came back:

- **The provider's limits.** Both providers say, on every answer, how much of each limit is left and when it
  is whole again (OpenAI's ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}``, Anthropic's
  ``anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}``). Each limit is a token bucket; the pace
  keeps an estimate of each (what is left, less what was sent since the provider counted) and holds a call
  until its bucket has room, so calls go out at the provider's rate rather than into its 429s.
- **429s and Retry-After.** A 429 halves the number of calls in flight and holds every new call until the
  time the provider named (``retry-after-ms``, ``retry-after`` in seconds or as a date). With a server that
  sends no rate-limit headers this is what finds its limit, and each 429 is taken to say how long one more
  call takes to fit: several 429s add up their waits.
- **Growing.** The first call goes alone: its answer tells the limits. Then 16 may go (as the buckets
  allow), and while calls succeed the number in flight grows by one per answer until the first 429 (it
  doubles every round trip, so a server without limits is at the configured maximum after a few), then by
  one per window of answers; never past the maximum.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import heapq
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx2

__all__ = ["Bucket", "Pace", "PaceStopped", "PacedTransport", "reset_seconds", "retry_after"]

START = 16  # calls in flight once the first answer is in (a lower maximum wins)
DEFAULT_MAXIMUM = 64
LONGEST_HOLD = 120.0  # seconds: a Retry-After beyond this is not believed
LONGEST_RESET = 86_400.0  # seconds: a reset header beyond a day (or negative, or not finite) is not believed
RECHECK = 0.25  # seconds: a held call looks again at least this often (the clock is the pace's own)
PER_MINUTE = 60.0  # both providers state their limits per minute when they do not say how fast they refill
MAX_TOKENS = re.compile(rb'"max_tokens"\s*:\s*(\d+)')
CHARS_PER_TOKEN = 4  # how OpenAI counts a request's tokens against its limit before it has read them

# (resource, limit header, remaining header, reset header) for each provider's naming
HEADERS = (
    ("requests", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"),
    ("tokens", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
    ("requests", "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining",
     "anthropic-ratelimit-requests-reset"),
    ("tokens", "anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining",
     "anthropic-ratelimit-tokens-reset"),
)  # fmt: skip
DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|h|m|s)")
SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class Bucket:
    """One of the provider's limits as a token bucket: ``capacity``, refilled at ``rate`` per second, holding
    ``level`` at time ``at`` (what the provider last said was left, less what was sent since it counted)."""

    capacity: float
    rate: float
    level: float
    at: float

    def level_at(self, now: float) -> float:
        return min(self.capacity, self.level + self.rate * max(0.0, now - self.at))

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` fits (0: now); a cost above the capacity waits only for a full bucket."""
        short = min(cost, self.capacity) - self.level_at(now)
        return 0.0 if short <= 1e-9 else min(short / self.rate, LONGEST_HOLD) if self.rate > 0 else LONGEST_HOLD

    def take(self, cost: float, now: float) -> None:
        self.level, self.at = self.level_at(now) - cost, now


class PaceStopped(Exception):
    """A call given up while it waited its turn: its run was cancelled."""


def reset_seconds(value: str, now: datetime | None = None) -> float | None:
    """A reset header in seconds: OpenAI's durations (``1s``, ``6m0s``, ``20ms``, ``0.5s``) or Anthropic's
    RFC 3339 time; None when it is neither, or not a time between 0 and a day (a limit's own word on itself
    is believed only so far: a wait is never longer than :data:`LONGEST_HOLD` anyway)."""
    found = _reset_seconds(value, now)
    return found if found is not None and math.isfinite(found) and 0 <= found <= LONGEST_RESET else None


def _reset_seconds(value: str, now: datetime | None = None) -> float | None:
    text = value.strip()
    parts = DURATION.findall(text)
    if parts and "".join(n + unit for n, unit in parts) == text:
        return sum(float(n) * SECONDS[unit] for n, unit in parts)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - (now or datetime.now(moment.tzinfo))).total_seconds())


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429 asks to wait: ``retry-after-ms``, ``retry-after`` in seconds, or as an HTTP date."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return None
    return max(0.0, (parsed - datetime.now(parsed.tzinfo)).total_seconds())


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers[name])
    except (KeyError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


class Pace:
    """The calls in flight to one provider, and the wait before each; see the module's docstring.

    ``maximum`` is the most in flight (a run sets it to its concurrency). Counts for the run's summary:
    ``throttled`` (429s received) and ``waited`` (seconds calls were held for the provider's limits)."""

    def __init__(self, maximum: int = DEFAULT_MAXIMUM, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = maximum
        self.clock = clock
        self.window = 1.0  # one call, until its answer says what the limits are
        self._answered = False
        self.in_flight = 0
        self.throttled = 0
        self.waited = 0.0
        self.buckets: dict[str, Bucket] = {}
        self._hold_until = 0.0
        self._slow_start = True
        self._sent = {"requests": 0.0, "tokens": 0.0}  # what was sent so far, by resource
        self._cut_at = -1  # the send number of the last halving: one halving per window of 429s
        self._sends = 0
        self._freed = asyncio.Event()
        self.stop: threading.Event | None = None  # set (a run cancelled): calls waiting for room give up
        self._queue: list[tuple[int, int]] = []  # calls waiting their turn: (-retries, arrival)
        self._tickets = 0

    def set_maximum(self, maximum: int) -> None:
        self.maximum = maximum
        self.window = min(self.window, float(maximum))

    def _room(self, costs: Mapping[str, float], now: float) -> float:
        """Seconds to wait before a call of ``costs`` may go (0: it may go now; inf: when a call ends)."""
        if self.in_flight >= max(1, int(self.window)):
            return math.inf
        wait = self._hold_until - now
        for name, bucket in self.buckets.items():
            wait = max(wait, bucket.wait_for(costs.get(name, 0.0), now))
        return max(0.0, wait)

    async def acquire(self, costs: Mapping[str, float], retry: int = 0) -> tuple[int, dict[str, float]]:
        """Wait for room, then count the call as sent; returns its number and what was sent through it.

        Calls go in turn: retries first (the most tried first), then in the order they came, so no call is
        passed over again and again until the SDK gives up on it."""
        began = self.clock()
        self._tickets += 1
        turn = (-retry, self._tickets)
        heapq.heappush(self._queue, turn)
        try:
            while self._queue[0] != turn or (wait := self._room(costs, self.clock())) > 0:
                if self.stop is not None and self.stop.is_set():
                    raise PaceStopped("the run was cancelled while this call waited for the provider's limits")
                if self._queue[0] != turn:
                    wait = math.inf
                self._freed.clear()
                if math.isinf(wait):
                    await self._freed.wait()
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._freed.wait(), min(wait, RECHECK))
        finally:
            self._queue.remove(turn)
            heapq.heapify(self._queue)
            self._freed.set()  # the next in turn looks
        now = self.clock()
        self.waited += now - began
        for name, bucket in self.buckets.items():
            bucket.take(costs.get(name, 0.0), now)
        for name, cost in costs.items():
            self._sent[name] = self._sent.get(name, 0.0) + cost
        through = dict(self._sent)
        self.in_flight += 1
        self._sends += 1
        return self._sends, through

    def release(self, number: int, through: Mapping[str, float], status: int | None,
                headers: Mapping[str, str]) -> None:  # fmt: skip
        """A call came back (``status`` None: it failed without an answer): learn what it says. ``through``
        is what had been sent when it went, itself included."""
        self.in_flight -= 1
        now = self.clock()
        self._learn_limits(through, headers, now)
        if status == 429:
            self.throttled += 1
            if number > self._cut_at:  # the first 429 of calls sent since the last cut
                self.window = max(1.0, self.window / 2)
                self._cut_at = self._sends
            self._slow_start = False
            asked = retry_after(headers)
            hold = asked if asked is not None else 1.0
            if "requests" in self.buckets:
                self._hold_until = max(self._hold_until, now + hold)
            else:  # no bucket to say how many calls fit: one per 429, each after the wait it asked for
                self._hold_until = max(self._hold_until, now) + hold
            self._hold_until = min(self._hold_until, now + LONGEST_HOLD)
            if "requests" in self.buckets:
                self.buckets["requests"].level = min(self.buckets["requests"].level_at(now), 0.0)
                self.buckets["requests"].at = now

        elif status is not None and status < 400:
            if not self._answered and self._slow_start:
                self.window = float(START - 1)
            self._answered = True
            self.window = min(
                float(self.maximum), self.window + (1.0 if self._slow_start else 1.0 / self.window)
            )

        self._freed.set()

    def _learn_limits(self, through: Mapping[str, float], headers: Mapping[str, str], now: float) -> None:
        for name, limit_header, remaining_header, reset_header in HEADERS:
            limit, remaining = _number(headers, limit_header), _number(headers, remaining_header)
            if limit is None or remaining is None or limit <= 0:
                continue
            reset = reset_seconds(headers[reset_header]) if reset_header in headers else None
            known = self.buckets.get(name)
            if reset and remaining < limit:
                rate = (limit - remaining) / reset  # reset is checked: above 0, finite, at most a day
            else:
                rate = known.rate if known else limit / PER_MINUTE
            sent_since = self._sent.get(name, 0.0) - through.get(
                name, 0.0
            )  # sent after this call: maybe uncounted
            self.buckets[name] = Bucket(limit, rate, min(remaining, limit) - sent_since, now)


class PacedTransport(httpx2.AsyncBaseTransport):
    """An HTTP transport that sends each request when ``pace`` says and tells it what came back."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, pace: Pace) -> None:
        self.inner, self.pace = inner, pace

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            body = request.content
        except httpx2.RequestNotRead:  # a streamed upload: its size is not known before it is sent
            body = b""
        found = MAX_TOKENS.search(body)
        tokens = len(body) / CHARS_PER_TOKEN + (int(found.group(1)) if found else 0)
        try:  # the SDKs number their attempts
            retry = int(request.headers.get("x-stainless-retry-count", "0"))
        except ValueError:
            retry = 0
        number, through = await self.pace.acquire({"requests": 1.0, "tokens": tokens}, retry)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.pace.release(number, through, None, {})
            raise
        self.pace.release(number, through, response.status_code, response.headers)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
