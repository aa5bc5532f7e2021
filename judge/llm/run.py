"""LLM judge runs: concurrent, resumable, cached, cancellable; every call's transcript stored.

A run is a row in ``judge_runs`` with its settings; each (pair, sample) is
judged at most once in it (the database refuses a second result), so a run
resumed after a crash or a cancel picks up exactly the missing ones. Answers
are cached by model, prompt hash, parameters and the rendered prompt, so the
same call is never paid for twice, in this run or another.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from judge.audience import AudienceError
from judge.data.records import parse_side
from judge.errors import JudgeError
from judge.judgment import Failure, Judgment
from judge.llm.answers import AnswerError, parse_answer
from judge.llm.prices import Price, load_prices
from judge.llm.prompts import JUDGMENTS, Prompt, PromptError, Rendered, load_prompt, render
from judge.llm.providers import Provider, ProviderError, RefusalError, Request, endpoint
from storage import Database
from storage import cache as cache_store
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["DEFAULT_CONCURRENCY", "Estimate", "RunSpec", "estimate", "new_llm_run", "run_llm", "stored_spec"]

JUDGE_NAME = "llm"

DEFAULT_CONCURRENCY = 8
FLUSH_EVERY = 0.5  # seconds between writes of finished judgments
OUTPUT_TOKENS_GUESS = {"reasoning_then_score": 250, "score_only": 10}
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class RunSpec:
    """What a run judges and how; stored with the run."""

    dataset: str
    provider: str
    model: str
    prompt: str  # NAME or NAME@VERSION
    temperature: float = 0.0
    samples: int = 1
    max_tokens: int = 1024
    concurrency: int = DEFAULT_CONCURRENCY
    only_rated: bool = False
    sample_size: int | None = None  # judge a seeded random sample of this many pairs
    seed: int = 0
    evidence: bool = False  # hand the execution judge's evidence to the model where stored
    base_url: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.samples <= 20:
            raise JudgeError(f"samples per pair is from 1 to 20, not {self.samples}")
        if not 1 <= self.concurrency <= 512:
            raise JudgeError(f"requests in flight is from 1 to 512, not {self.concurrency}")
        if not 0 <= self.temperature <= 2:
            raise JudgeError(f"temperature is from 0 to 2, not {self.temperature}")


@dataclass(frozen=True)
class Estimate:
    calls: int
    cached: int
    input_tokens: int
    output_tokens: int
    usd: float | None  # None: the model is not in the price table

    @property
    def cost(self) -> str:
        return f"about ${self.usd:.2f}" if self.usd is not None else "no price for this model in prices.toml"


@dataclass(frozen=True)
class _Call:
    pair_id: int
    sample: int
    rendered: Rendered
    key: str
    invalid: str | None = None  # a generated audience that does not validate: scored 1, no call made


def _plan(db: Database, spec: RunSpec, prompt: Prompt, done: set[tuple[int, int]]) -> list[_Call]:
    pairs = pair_store.judgeable_pairs(db, spec.dataset, only_rated=spec.only_rated)
    if spec.sample_size is not None and spec.sample_size < len(pairs):
        pairs = sorted(random.Random(spec.seed).sample(pairs, spec.sample_size), key=lambda p: p.id)
    evidence = result_store.latest_evidence(db, [p.id for p in pairs]) if spec.evidence else {}
    calls = []
    for pair in pairs:
        rendered = render(prompt, request=pair.request, ground_truth=pair.ground_truth, generated=pair.generated,
                          evidence=evidence.get(pair.id))  # fmt: skip
        invalid = _invalid_audience(pair)
        for sample in range(spec.samples):
            if (pair.id, sample) not in done:
                key = _cache_key(spec, prompt, rendered, sample)
                calls.append(_Call(pair.id, sample, rendered, key, invalid))
    return calls


def _invalid_audience(pair: pair_store.JudgeablePair) -> str | None:
    if pair.kind != "audience":
        return None
    try:
        parse_side(pair.generated)
    except AudienceError as e:
        return str(e)
    return None


def _cache_key(spec: RunSpec, prompt: Prompt, rendered: Rendered, sample: int) -> str:
    parts = [spec.provider, endpoint(spec.provider, spec.base_url), spec.model, prompt.sha256, spec.temperature, spec.max_tokens, sample,
             rendered.system, rendered.user]  # fmt: skip
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _dataset(db: Database, name: str) -> int:
    found = pair_store.dataset_id(db, name)
    if found is None:
        raise JudgeError(f"no dataset named {name!r}")
    return found


def estimate(db: Database, spec: RunSpec, prices: dict[str, Price] | None = None) -> Estimate:
    """Calls, tokens and dollars a run would cost (cached answers cost nothing)."""
    _dataset(db, spec.dataset)
    prompt = judge_prompt(spec.prompt)
    calls = [c for c in _plan(db, spec, prompt, set()) if c.invalid is None]  # failed generations: no call
    hits = cache_store.cached_answers(db, [c.key for c in calls])
    paid = [c for c in calls if c.key not in hits]
    input_tokens = sum(len(c.rendered.system) + len(c.rendered.user) for c in paid) // CHARS_PER_TOKEN
    output_tokens = OUTPUT_TOKENS_GUESS[prompt.answer] * len(paid)
    price = (load_prices() if prices is None else prices).get(spec.model)
    usd = price.cost(input_tokens, output_tokens) if price else None
    return Estimate(len(calls), len(calls) - len(paid), input_tokens, output_tokens, usd)


def judge_prompt(spec: str) -> Prompt:
    """A template that asks for a judgment (not a question writer's or a generator's)."""
    prompt = load_prompt(spec)
    if prompt.answer not in JUDGMENTS:
        raise PromptError(
            f"prompt {prompt.label} writes a {prompt.answer}, it does not judge; choose a judge prompt"
        )
    return prompt


def new_llm_run(db: Database, spec: RunSpec) -> int:
    """A stored, not yet started LLM run; refuses a published prompt that was edited since it was used."""
    dataset_key = _dataset(db, spec.dataset)
    prompt = judge_prompt(spec.prompt)
    edited = run_store.prompt_hashes(db, prompt.name, str(prompt.version)) - {prompt.sha256}
    if edited:
        raise PromptError(f"prompt {prompt.label} was changed after earlier runs used it; "
                          f"save the change as version {prompt.version + 1} instead of editing a published one")  # fmt: skip
    calls = len(_plan(db, spec, prompt, set()))
    return run_store.create_run(
        db, name=f"{spec.model} · {prompt.label} on {spec.dataset}", judge_kind="llm", status="created",
        provider=spec.provider, model=spec.model, prompt_name=prompt.name, prompt_version=str(prompt.version),
        prompt_hash=prompt.sha256, dataset_id=dataset_key, parameters={**asdict(spec), "calls": calls},
    )  # fmt: skip


def run_llm(
    db: Database,
    spec: RunSpec,
    provider: Provider,
    *,
    resume: int | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    prices: dict[str, Price] | None = None,
) -> int:
    """Judge every (pair, sample) of the run not judged yet; returns the run id."""
    run_id = resume if resume is not None else new_llm_run(db, spec)
    prompt = judge_prompt(spec.prompt)
    stored = run_store.run_settings(db, run_id)
    if stored is not None and stored["prompt_hash"] not in (None, prompt.sha256):
        raise PromptError(
            f"prompt {prompt.label} changed since run {run_id} started; it cannot be resumed with it"
        )
    calls = _plan(db, spec, prompt, result_store.judged_samples(db, run_id))
    price = (load_prices() if prices is None else prices).get(spec.model)
    run_store.set_run_status(db, run_id, "running")
    try:
        asyncio.run(_judge_all(db, run_id, spec, prompt, provider, calls, price, cancel, progress))
    except BaseException:
        run_store.set_run_status(db, run_id, "failed")
        raise
    run_store.set_run_status(db, run_id, "cancelled" if cancel is not None and cancel.is_set() else "finished")
    return run_id


async def _judge_all(
    db: Database,
    run_id: int,
    spec: RunSpec,
    prompt: Prompt,
    provider: Provider,
    calls: list[_Call],
    price: Price | None,
    cancel: threading.Event | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    hits = cache_store.cached_answers(db, [c.key for c in calls])
    gate = asyncio.Semaphore(spec.concurrency)
    pending: list[tuple[Judgment, bool, str, cache_store.CachedAnswer | None]] = []
    finished = 0

    def store(batch: list[tuple[Judgment, bool, str, cache_store.CachedAnswer | None]]) -> None:
        nonlocal finished
        fresh = {key: answer for _, hit, key, answer in batch if answer is not None and not hit}
        result_store.store_answers(db, run_id, [b[0] for b in batch], [b[1] for b in batch], fresh)
        finished += len(batch)
        if progress:
            progress(finished, len(calls))

    async def flush() -> None:
        # the write runs in a thread (DuckDB lets go of the GIL), so answers keep arriving meanwhile
        if pending:
            batch = pending[:]
            pending.clear()
            await asyncio.to_thread(store, batch)

    async def one(call: _Call) -> None:
        async with gate:
            if cancel is not None and cancel.is_set():
                return
            if call.invalid is not None:
                reason = (
                    f"A failed generation scores 1: the generated definition is not valid ({call.invalid})."
                )
                scored = Judgment(JUDGE_NAME, 1, reason, model=spec.model).of(call.pair_id, call.sample)
                pending.append((scored, False, call.key, None))
                return
            cached = hits.get(call.key)
            started = time.perf_counter()
            answer: cache_store.CachedAnswer | None = cached
            error: tuple[Failure, str] | None = None
            if answer is None:
                request = Request(spec.model, call.rendered, prompt.answer, spec.temperature, spec.max_tokens)
                try:
                    completion = await provider.complete(request)
                    answer = cache_store.CachedAnswer(
                        completion.text, completion.input_tokens, completion.output_tokens
                    )
                except RefusalError as e:
                    error = ("refusal", str(e))
                except ProviderError as e:
                    error = ("provider_error", str(e))
            latency = (time.perf_counter() - started) * 1000 if cached is None else 0.0
            judged = _result(call, spec.model, answer, error, latency, price, cached is not None)
            pending.append((judged, cached is not None, call.key, answer))

    async def flusher() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), FLUSH_EVERY)
            await flush()
        await flush()  # what arrived during the last write

    done = asyncio.Event()
    writer = asyncio.create_task(flusher())
    try:
        await asyncio.gather(*(one(c) for c in calls))
    finally:
        done.set()
        await writer  # the last write: a write is never cut off half-way, nor two at once
        await provider.aclose()


def _result(
    call: _Call,
    model: str,
    answer: cache_store.CachedAnswer | None,
    error: tuple[Failure, str] | None,
    latency: float,
    price: Price | None,
    cached: bool,
) -> Judgment:
    """The judgment of one call: its score, or why there is none (the kind of failure and its message)."""
    transcript = call.rendered.transcript
    base: dict[str, Any] = {"prompt": transcript, "latency_ms": latency, "model": model}
    if answer is None:
        failure, message = error or ("not_called", "no answer")
        return Judgment.failed(JUDGE_NAME, failure, message, **base).of(call.pair_id, call.sample)
    cost = None if price is None else 0.0 if cached else price.cost(answer.input_tokens, answer.output_tokens)
    base |= {"raw_response": answer.text, "input_tokens": answer.input_tokens,
             "output_tokens": answer.output_tokens, "cost_usd": cost}  # fmt: skip
    try:
        parsed = parse_answer(answer.text)
    except AnswerError as e:
        return Judgment.failed(JUDGE_NAME, "unreadable_answer", f"unreadable answer: {e}", **base).of(
            call.pair_id, call.sample
        )
    return Judgment(JUDGE_NAME, parsed.score, parsed.reasoning, **base).of(call.pair_id, call.sample)


def stored_spec(db: Database, run_id: int) -> RunSpec:
    """The settings an LLM run was started with, to resume it as it was."""
    settings = run_store.run_settings(db, run_id)
    if settings is None or settings["judge_kind"] != "llm":
        raise JudgeError(f"no LLM judge run with id {run_id}")
    fields = {k: v for k, v in settings["parameters"].items() if k in RunSpec.__dataclass_fields__}
    return RunSpec(**fields)
