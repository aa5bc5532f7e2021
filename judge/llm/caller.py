"""The one way this project calls a model: answer cache, provider, prices and a usage tally.

Judge runs and the synthetic-data pipeline both go through :class:`Caller`. An
answer is cached under a key made of everything that changes it (provider, the
server the call really goes to, model, prompt version hash, temperature, token
limit, sample number and the rendered prompt), so the same call is never paid
for twice, and a repeat sample is a call of its own. Database reads and writes
run in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from judge.errors import JudgeError
from judge.llm.pace import PaceStopped
from judge.llm.prices import Price
from judge.llm.prompts import Prompt, Rendered
from judge.llm.providers import Provider, Request, endpoint
from storage import Database
from storage import cache as cache_store

__all__ = ["Reply", "Call", "Caller", "Cancelled", "Usage"]


class Cancelled(JudgeError):
    """The call was not made: its run was cancelled while it waited for its turn."""


@dataclass(frozen=True)
class Call:
    """One model call, fully described: what is sent, where and how."""

    provider: str
    model: str
    prompt: Prompt
    rendered: Rendered
    temperature: float = 0.0
    max_tokens: int = Request.max_tokens
    sample: int = 0
    base_url: str | None = None

    @property
    def key(self) -> str:
        parts = [self.provider, endpoint(self.provider, self.base_url), self.model, self.prompt.sha256,
                 self.temperature, self.max_tokens, self.sample, self.rendered.system, self.rendered.user]  # fmt: skip
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    @property
    def request(self) -> Request:
        return Request(self.model, self.rendered, self.prompt.answer, self.temperature, self.max_tokens)


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None  # None: the model has no price; 0 for an answer from the cache
    cached: bool
    latency_ms: float


@dataclass
class Usage:
    """What the calls of one run or pipeline used and cost (answers from the cache cost nothing)."""

    calls: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: set[str] = field(default_factory=set)


class Caller:
    """Calls models through the answer cache, at most ``concurrency`` at once (fewer when a provider's
    :class:`~judge.llm.pace.Pace` says so: it is given ``concurrency`` as its maximum).

    New answers are kept until :meth:`take_new` hands them to the caller, who stores them with what it
    made of them (a judge run writes answers and judgments in one transaction), or :meth:`save` stores them
    alone.
    """

    def __init__(self, db: Database, providers: Mapping[str, Provider], prices: Mapping[str, Price],
                 concurrency: int) -> None:  # fmt: skip
        self.db, self.providers, self.prices = db, providers, prices
        self.usage = Usage()
        self._gate = asyncio.Semaphore(concurrency)
        for provider in providers.values():
            if provider.pace is not None:
                provider.pace.set_maximum(concurrency)
        self._known: dict[str, cache_store.CachedAnswer] = {}
        self._new: dict[str, cache_store.CachedAnswer] = {}
        self._looked_up: set[str] = set()  # keys the cache was asked about already
        self._inflight: dict[str, asyncio.Future[cache_store.CachedAnswer]] = {}  # calls on their way, by key
        self._lock = threading.Lock()

    async def prefetch(self, calls: Sequence[Call]) -> None:
        """Read the cached answers of many calls at once (one query instead of one per call)."""
        keys = [c.key for c in calls]
        found = await asyncio.to_thread(cache_store.cached_answers, self.db, keys)
        self._known.update(found)
        self._looked_up.update(keys)

    async def ask(self, call: Call, cancel: threading.Event | None = None) -> Reply:
        """The answer to ``call``: from the cache, or from the provider (its errors are raised as they are).
        :class:`Cancelled` when ``cancel`` is set before the call's turn comes."""
        key = call.key
        hit = self._known.get(key) or self._new.get(key)
        if hit is None and key not in self._looked_up:  # a call not prefetched: one lookup of its own
            found = await asyncio.to_thread(cache_store.cached_answers, self.db, [key])
            hit = found.get(key)
        if hit is None and key in self._inflight:  # the same call on its way (identical pairs): its answer
            hit = await asyncio.shield(self._inflight[key])
        self.usage.calls += 1
        if hit is not None:
            self.usage.cached += 1
            price = self.prices.get(call.model)
            return Reply(hit.text, hit.input_tokens, hit.output_tokens, 0.0 if price else None, True, 0.0)
        provider = self.providers.get(call.provider)
        if provider is None:
            raise JudgeError(f"no provider given for {call.provider}")
        waiting: asyncio.Future[cache_store.CachedAnswer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = waiting
        try:
            async with self._gate:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"cancelled before calling {call.model}")
                started = time.perf_counter()
                try:
                    completion = await provider.complete(call.request)
                except PaceStopped as e:  # held for the provider's limits when the run was cancelled
                    raise Cancelled(str(e)) from e
                latency = (time.perf_counter() - started) * 1000
        except asyncio.CancelledError:
            waiting.cancel()
            raise
        except BaseException as e:
            waiting.set_exception(e)
            waiting.exception()  # read here, so that nobody waiting is no warning
            raise
        finally:
            del self._inflight[key]
        answer = cache_store.CachedAnswer(completion.text, completion.input_tokens, completion.output_tokens)
        waiting.set_result(answer)
        with self._lock:
            self._new[key] = answer
        return Reply(completion.text, completion.input_tokens, completion.output_tokens,
                      self._paid(call.model, completion.input_tokens, completion.output_tokens), False, latency)  # fmt: skip

    def _paid(self, model: str, input_tokens: int | None, output_tokens: int | None) -> float | None:
        used_in, used_out = input_tokens or 0, output_tokens or 0
        self.usage.input_tokens += used_in
        self.usage.output_tokens += used_out
        price = self.prices.get(model)
        if price is None:
            self.usage.unpriced.add(model)
            return None
        cost = price.cost(used_in, used_out)
        self.usage.cost_usd += cost
        return cost

    def take_new(self, keys: Sequence[str] | None = None) -> dict[str, cache_store.CachedAnswer]:
        """New answers not yet stored (those of ``keys``, or all), handed over to be stored by the caller."""
        with self._lock:  # a run hands answers over from its writer thread while the loop adds new ones
            chosen = list(self._new) if keys is None else [k for k in dict.fromkeys(keys) if k in self._new]
            taken = {k: self._new.pop(k) for k in chosen}
            self._known.update(taken)
        return taken

    async def save(self) -> None:
        """Store the new answers on their own, in a thread."""
        if new := self.take_new():
            await asyncio.to_thread(cache_store.cache_answers, self.db, new)

    async def aclose(self) -> None:
        for provider in self.providers.values():
            await provider.aclose()
