"""A local HTTP server on 127.0.0.1 that speaks the OpenAI and Anthropic wire formats.

The real SDKs talk to it, so their request building, retries, Retry-After
handling, timeouts and response parsing all run. What it answers is decided
per request by ``behave`` from the request body, which tests set; by default
a marker ``CASE:<name>`` in the prompt picks one of the scripted faults.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.llm.fake_batches import FakeBatches


@dataclass
class Reply:
    status: int = 200
    text: str | None = None  # the answer the model gives (None with status 200: a refusal)
    raw: bytes | None = None  # a body sent as is (malformed responses)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stop: str = "stop"


def answer(score: Any, reasoning: str = "the windows differ") -> str:
    return json.dumps({"reasoning": reasoning, "score": score})


def scripted(body: dict[str, Any], attempt: int) -> Reply:
    """Faults chosen by a ``CASE:name`` marker in the prompt; ``attempt`` counts tries of the same prompt."""
    prompt = json.dumps(body)
    marker = re.search(r"CASE:([a-z0-9-]+)", prompt)
    case = marker.group(1) if marker else "ok"
    if case == "slow":
        return Reply(text=answer(4), delay=0.3)
    if case == "rate-limited" and attempt == 1:
        return Reply(429, headers={"retry-after": "1"})
    if case == "server-error" and attempt == 1:
        return Reply(500)
    if case == "timeout-once" and attempt == 1:
        return Reply(text=answer(3), delay=3.0)
    if case == "timeout-always":
        return Reply(text=answer(3), delay=3.0)
    if case == "truncated":
        return Reply(text='{"reasoning": "the generated definition keeps the ev')
    if case == "malformed":
        return Reply(raw=b'{"id": "x", "choices": [ {"message": ')
    if case == "off-scale":
        return Reply(text=answer(6))
    if case == "refusal":
        return Reply(text=None)
    if case == "plain-text":
        return Reply(text="The generated audience misses the window.\nScore: 2")
    return Reply(text=answer(5 if "identical" in prompt else 4))


@dataclass
class RateLimit:
    """A token bucket as the providers keep one: ``rate`` requests a second, at most ``capacity`` at once; a
    request beyond it is a 429 with Retry-After. Every answer carries the provider's rate-limit headers
    (OpenAI's on /chat/completions, Anthropic's on /messages), tokens included (each request costs
    ``tokens_per_request`` of ``token_capacity``, refilled at ``token_rate``)."""

    rate: float
    capacity: float
    token_rate: float = 1e9
    token_capacity: float = 1e9
    tokens_per_request: float = 150.0
    level: float = -1.0  # requests left (-1: full, set on the first request)
    token_level: float = -1.0
    at: float = 0.0
    rejected: int = 0
    sent_headers: bool = True

    def take(self, now: float) -> float | None:
        """Count one request: None when it may go, else the seconds until it could."""
        if self.level < 0:
            self.level, self.token_level, self.at = self.capacity, self.token_capacity, now
        elapsed = now - self.at
        self.level = min(self.capacity, self.level + self.rate * elapsed)
        self.token_level = min(self.token_capacity, self.token_level + self.token_rate * elapsed)
        self.at = now
        if self.level < 1 or self.token_level < self.tokens_per_request:
            self.rejected += 1
            return max(
                (1 - self.level) / self.rate, (self.tokens_per_request - self.token_level) / self.token_rate
            )
        self.level -= 1
        self.token_level -= self.tokens_per_request
        return None

    def headers(self, anthropic: bool) -> dict[str, str]:
        if not self.sent_headers:
            return {}
        full_in = (self.capacity - self.level) / self.rate
        tokens_full_in = (self.token_capacity - self.token_level) / self.token_rate
        if anthropic:
            when = datetime.now(UTC)
            return {
                "anthropic-ratelimit-requests-limit": f"{self.capacity:.0f}",
                "anthropic-ratelimit-requests-remaining": f"{max(0, int(self.level))}",
                "anthropic-ratelimit-requests-reset": (when + timedelta(seconds=full_in)).isoformat(),
                "anthropic-ratelimit-tokens-limit": f"{self.token_capacity:.0f}",
                "anthropic-ratelimit-tokens-remaining": f"{max(0, int(self.token_level))}",
                "anthropic-ratelimit-tokens-reset": (when + timedelta(seconds=tokens_full_in)).isoformat(),
            }  # fmt: skip
        return {
            "x-ratelimit-limit-requests": f"{self.capacity:.0f}",
            "x-ratelimit-remaining-requests": f"{max(0, int(self.level))}",
            "x-ratelimit-reset-requests": f"{full_in * 1000:.0f}ms",
            "x-ratelimit-limit-tokens": f"{self.token_capacity:.0f}",
            "x-ratelimit-remaining-tokens": f"{max(0, int(self.token_level))}",
            "x-ratelimit-reset-tokens": f"{tokens_full_in:.3f}s",
        }  # fmt: skip


class FakeProviderServer:
    """Serves on its own event loop in a thread, so a slow answer costs a timer, not a thread."""

    def __init__(self, behave: Callable[[dict[str, Any], int], Reply] = scripted,
                 limit: RateLimit | None = None, batch_seconds: float = 0.0) -> None:  # fmt: skip
        """``batch_seconds``: how long a batch works on each of its requests (see ``fake_batches``)."""
        self.behave = behave
        self.limit = limit
        self.received: list[tuple[str, dict[str, Any], float]] = []
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=256 * 1024 * 1024)
        self.batches = FakeBatches(self, app, batch_seconds)
        app.router.add_post("/{path:.*}", self._answer)
        app.router.add_get("/stats", self._stats)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0, backlog=1024)
        self.loop.run_until_complete(site.start())
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw or b"{}")
        anthropic = request.path.endswith("/messages")
        if self.limit is not None:
            with self.lock:
                wait = self.limit.take(time.monotonic())
                headers = self.limit.headers(anthropic)
            if wait is not None:
                headers |= {"retry-after-ms": f"{wait * 1000:.0f}", "retry-after": f"{max(1, round(wait))}"}
                message = {
                    "error": {"type": "rate_limit_error", "message": "Rate limit reached for requests"}
                }
                return web.json_response(message, status=429, headers=headers)
        else:
            headers = {}
        key = json.dumps(body.get("messages"), sort_keys=True)
        with self.lock:
            self.received.append((request.path, body, time.monotonic()))
            self.attempts[key] += 1
            attempt = self.attempts[key]
        reply = self.behave(body, attempt)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        payload = reply.raw if reply.raw is not None else json.dumps(
            _anthropic(body, reply) if anthropic else _openai(body, reply)
        ).encode()  # fmt: skip
        if reply.status != 200 and reply.raw is None:
            payload = json.dumps({"error": {"type": "error", "message": f"scripted {reply.status}"}}).encode()
        return web.Response(status=reply.status, body=payload, content_type="application/json",
                            headers=headers | reply.headers)  # fmt: skip

    async def _stats(self, request: web.Request) -> web.Response:
        """What the server saw: requests, and those refused by its rate limit (for benchmarks in another process)."""
        with self.lock:
            return web.json_response({"answered": len(self.received),
                                      "rejected": self.limit.rejected if self.limit else 0,
                                      "batches": len(self.batches.batches),
                                      "batch_downloads": self.batches.downloads})  # fmt: skip

    def __enter__(self) -> FakeProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _openai(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.text is None:
        message["refusal"] = "I can't help with grading this."
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.stop, "logprobs": None}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    }  # fmt: skip


def _anthropic(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    if reply.text is None:
        content: list[dict[str, Any]] = []
        stop = "refusal"
    else:
        try:
            data = json.loads(reply.text)
            tool = (body.get("tools") or [{}])[0].get("name", "record_judgment")
            content = [{"type": "tool_use", "id": "toolu_fake", "name": tool, "input": data}]
            stop = "tool_use"
        except json.JSONDecodeError:
            content = [{"type": "text", "text": reply.text}]
            stop = "end_turn"
    return {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model", "m"),
        "content": content, "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 30},
    }  # fmt: skip


def main() -> None:
    """Serve until killed: ``python -m tests.llm.fake_server [SECONDS] [--rate R] [--batch-seconds S]``:
    answers after SECONDS; at most R requests a second (a bucket of one second's requests) with the
    providers' headers; batches worked through in S a request."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("delay", type=float, nargs="?", default=0.2)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--batch-seconds", type=float, default=0.0)
    args = parser.parse_args()
    limit = RateLimit(args.rate, args.rate) if args.rate else None
    server = FakeProviderServer(lambda body, attempt: Reply(text=answer(4), delay=args.delay), limit, args.batch_seconds)
    print(server.url, flush=True)
    server.loop.run_forever()


if __name__ == "__main__":
    main()
