"""Batch runs: an LLM run's calls sent as provider batches, paid at the batch price, resumable without paying twice.

The run is the same as a run of single calls (its plan, its stored settings, one judgment per (pair, sample),
the answer cache) except for how the calls go: answers in the cache and invalid generations are stored at
once; every other call is one request of a batch (``p<pair>-s<sample>``, at most ``batch_size`` a batch).
Each batch is written down before it is sent and given its provider id the moment the provider took it. Then the run polls: a batch that has ended is read
and its judgments stored with the batch marked collected, in one transaction. A request that expired or
errored, or whose whole batch failed, goes again in a new batch, up to ``MAX_TRIES`` batches in all, then is
recorded as a failure. A cancel cancels the open batches at the provider and keeps what they answered before
it took effect; the rest stays to judge, and a resumed run sends it.

A run resumed after a crash, a kill or a restart polls the batches it recorded instead of sending them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from judge.errors import JudgeError
from judge.judgment import Judgment
from judge.lifecycle import interrupted, run_lifecycle
from judge.llm.batches import Batcher, BatchStatus, Outcome, batcher
from judge.llm.caller import Reply
from judge.llm.prices import Price, load_prices
from judge.llm.providers import Provider, ProviderError
from judge.llm.run import Plan, RunSpec, _Item, invalid_generation, prepared, result_of
from storage import Database
from storage import batches as batch_store
from storage import cache as cache_store
from storage import results as result_store

__all__ = ["BATCH_SIZE", "MAX_TRIES", "POLL_EVERY", "custom_id", "run_batch"]

POLL_EVERY = 30.0  # seconds between looks at the provider's batches
BATCH_SIZE = 10_000  # requests a batch (OpenAI takes up to 50,000, Anthropic 100,000)
MAX_TRIES = 3  # batches a request may be sent in before it is recorded as failed


def custom_id(item: _Item) -> str:
    return f"p{item.pair_id}-s{item.sample}"


def run_batch(
    db: Database,
    spec: RunSpec,
    provider: Provider,
    *,
    resume: int | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    prices: dict[str, Price] | None = None,
    made: Plan | None = None,
    poll_every: float = POLL_EVERY,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Judge every (pair, sample) of the run not judged yet through the provider's batch API; returns the run
    id once every batch has ended and been read (or, cancelled, once the provider has stopped them)."""
    sender = batcher(provider)  # an OpenAI-compatible server has none: refused before a run is made
    run_id, todo = prepared(db, spec, resume, made)
    price = (load_prices() if prices is None else prices).get(spec.model)
    work = _Work(db, run_id, sender, todo, price.batch if price else None, cancel, progress, poll_every, batch_size)
    return run_lifecycle(db, run_id, lambda: asyncio.run(work.run()), cancel)


class _Work:
    def __init__(self, db: Database, run_id: int, sender: Batcher, todo: list[_Item], price: Price | None,
                 cancel: threading.Event | None, progress: Callable[[int, int], None] | None, poll_every: float,
                 batch_size: int) -> None:  # fmt: skip
        self.db, self.run_id, self.sender, self.price = db, run_id, sender, price
        self.cancel, self.progress, self.poll_every, self.batch_size = cancel, progress, poll_every, batch_size
        self.total = len(todo)
        self.items = {custom_id(i): i for i in todo}
        self.twins: dict[str, list[str]] = {}  # a request sent -> the other (pair, sample)s of the same call
        self.finished = 0
        self.cancelled = False
        self.seen: dict[str, tuple[str, int]] = {}  # what each batch's last look said, written when it changes

    def _cancelling(self) -> bool:
        return self.cancel is not None and self.cancel.is_set() and not interrupted(self.cancel)

    async def run(self) -> None:
        try:
            waiting = await asyncio.to_thread(self._without_calls)
            open_batches = await self._recorded()
            sent = {c for b in open_batches for c in b.items}
            to_send = [[c for c in waiting if c not in sent]]  # each list goes in batches of its own
            tries = batch_store.attempts(self.db, self.run_id)
            while True:
                if interrupted(self.cancel):  # the process stops: the batches stay open at the provider, and
                    return  # are read by whoever resumes the run (their ids are stored)
                if self._cancelling() and not self.cancelled:
                    self.cancelled = True
                    for batch in open_batches:
                        await self._cancel(batch)
                for group in to_send:
                    for start in range(0, len(group), self.batch_size):
                        if self.cancel is not None and self.cancel.is_set():  # nothing more is sent once a
                            break  # cancel (or an interrupt) is asked for
                        chunk = group[start : start + self.batch_size]
                        open_batches.append(await self._send(chunk))
                        tries.update(chunk)
                to_send = []
                if interrupted(self.cancel):
                    return
                if self._cancelling() and not self.cancelled:
                    continue  # cancel what was sent meanwhile
                if not open_batches:
                    break
                working = 0
                for batch in list(open_batches):
                    status = await self.sender.status(batch.provider_batch_id or "")
                    if (status.state, status.done) != self.seen.get(batch.token):
                        self.seen[batch.token] = (status.state, status.done)
                        await asyncio.to_thread(batch_store.note, self.db, batch.token, status.state, status.done)
                    if not status.ended:
                        working += status.done
                        continue
                    to_send += await self._collect(batch, status, tries)
                    open_batches.remove(batch)
                if self.progress:
                    self.progress(min(self.total, self.finished + working), self.total)
                if open_batches and not to_send:
                    await self._pause()
            if not self.cancelled and not interrupted(self.cancel):
                self._all_judged()
        finally:
            await self.sender.aclose()

    def _all_judged(self) -> None:
        """A run ends finished only with every (pair, sample) it set out to judge stored."""
        done = result_store.judged_samples(self.db, self.run_id)
        left = [c for c, i in self.items.items() if (i.pair_id, i.sample) not in done]
        if left:
            raise JudgeError(f"{len(left)} judgments of run {self.run_id} came back from no batch "
                             f"({', '.join(left[:5])}{' ...' if len(left) > 5 else ''}): resume the run to send them "
                             "again")  # fmt: skip

    async def _cancel(self, batch: batch_store.StoredBatch) -> None:
        """Cancel a batch at the provider; one that has ended already (the provider refuses) is collected."""
        with contextlib.suppress(ProviderError):
            await self.sender.cancel(batch.provider_batch_id or "")

    async def _send(self, chunk: list[str]) -> batch_store.StoredBatch:
        """Write a batch down, send it, and record the provider's id for it."""
        token = uuid.uuid4().hex
        keys = {c: self.items[c].call.key for c in chunk}
        noted = await asyncio.to_thread(batch_store.intend, self.db, self.run_id, self.sender.name, token, keys)
        batch_id = await self.sender.submit([(c, self.items[c].call.request) for c in chunk], token)
        await asyncio.to_thread(batch_store.taken, self.db, token, batch_id)
        return replace(noted, provider_batch_id=batch_id)

    async def _recorded(self) -> list[batch_store.StoredBatch]:
        """The run's open batches; one written down but stopped before the provider's answer is looked for at
        the provider: found, it is polled; not found, it was never taken and its requests go again."""
        recorded = batch_store.batches_of(self.db, self.run_id)
        known = {b.provider_batch_id for b in recorded if b.provider_batch_id}
        found = []
        for batch in recorded:
            if batch.collected:
                continue
            if batch.provider_batch_id is None:
                batch_id = await self.sender.find(batch.token, batch.submitted_at, len(batch.items), known)
                if batch_id is None:
                    await asyncio.to_thread(batch_store.forget, self.db, batch.token)
                    continue
                await asyncio.to_thread(batch_store.taken, self.db, batch.token, batch_id)
                known.add(batch_id)
                batch = replace(batch, provider_batch_id=batch_id)
            found.append(batch)
        return found

    def _without_calls(self) -> list[str]:
        """Store what needs no call (invalid generations, answers in the cache); the custom ids left to send,
        one per distinct call (identical pairs are one request, its answer theirs too)."""
        keys = [i.call.key for i in self.items.values() if i.invalid is None]
        hits = cache_store.cached_answers(self.db, keys)
        judgments, cached, waiting = [], [], []
        first: dict[str, str] = {}  # call key -> the custom id that carries it
        for cid, item in self.items.items():
            if item.invalid is not None:
                judgments.append(invalid_generation(item))
                cached.append(False)
            elif (hit := hits.get(item.call.key)) is not None:
                reply = Reply(hit.text, hit.input_tokens, hit.output_tokens, 0.0 if self.price else None, True, 0.0)
                judgments.append(result_of(item, reply, None))
                cached.append(True)
            elif item.call.key in first:
                self.twins.setdefault(first[item.call.key], []).append(cid)
            else:
                first[item.call.key] = cid
                waiting.append(cid)
        if judgments:
            result_store.store_answers(self.db, self.run_id, judgments, cached, {})
        self.finished += len(judgments)
        return waiting

    async def _collect(self, batch: batch_store.StoredBatch, status: BatchStatus,
                       tries: dict[str, int]) -> list[list[str]]:  # fmt: skip
        """Read an ended batch, store its judgments and mark it collected; the custom ids to send again, in
        groups each sent in batches of its own. A whole batch that failed is sent again in two halves, so one
        request that fails its batch does not take the others down with it: its failures are counted only
        once it is alone."""
        mine = {c: self.items[c].call.request for c in batch.items if c in self.items}
        outcomes = await self.sender.outcomes(batch.provider_batch_id or "", mine)
        judgments: list[Judgment] = []
        answers: dict[str, cache_store.CachedAnswer] = {}
        again = []
        whole = status.failure is not None and len(batch.items) > 1
        for outcome in outcomes:
            item = self.items[outcome.custom_id]
            sent_key = batch.keys.get(outcome.custom_id, item.call.key)
            if outcome.kind == "answered" and outcome.completion is not None:
                c = outcome.completion
                answers[sent_key] = cache_store.CachedAnswer(c.text, c.input_tokens, c.output_tokens)
            if outcome.kind == "answered" and sent_key != item.call.key:
                again.append(outcome.custom_id)  # sent with another prompt (the evidence changed since): not its answer
            elif outcome.kind == "answered":
                for cid in [outcome.custom_id, *self.twins.get(outcome.custom_id, [])]:
                    judgments.append(self._judgment(self.items[cid], outcome))
            elif outcome.kind == "again" and not self.cancelled:
                if tries.get(outcome.custom_id, 0) >= MAX_TRIES and not whole:
                    why = status.failure or outcome.error or "no answer"
                    message = f"no answer from {tries[outcome.custom_id]} batches ({why})"
                    for cid in [outcome.custom_id, *self.twins.get(outcome.custom_id, [])]:
                        judgments.append(result_of(self.items[cid], None, ("provider_error", message)))
                else:
                    again.append(outcome.custom_id)
        word = status.state + (f": {status.failure}" if status.failure else "")
        added = await asyncio.to_thread(batch_store.collect, self.db, self.run_id, batch.token, word, judgments,
                                        answers)  # fmt: skip
        self.finished += added
        if whole and len(again) > 1:
            half = (len(again) + 1) // 2
            return [again[:half], again[half:]]
        return [again] if again else []

    def _judgment(self, item: _Item, outcome: Outcome) -> Judgment:
        if outcome.completion is None:
            return result_of(item, None, ("refusal" if outcome.refused else "provider_error", outcome.error or ""))
        c = outcome.completion
        cost = self.price.cost(c.input_tokens, c.output_tokens) if self.price else None
        return result_of(item, Reply(c.text, c.input_tokens, c.output_tokens, cost, False, 0.0), None)

    async def _pause(self) -> None:
        """Wait for the next look at the batches; a cancel ends the wait at once."""
        until = time.monotonic() + self.poll_every
        while time.monotonic() < until and not (self._cancelling() and not self.cancelled) and not interrupted(self.cancel):
            await asyncio.sleep(min(0.2, max(0.0, until - time.monotonic())))
