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
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from judge.audience import AudienceError
from judge.calibration import CalibrationSet, load_set
from judge.data.records import parse_side
from judge.dataset_rubric import choose_criterion, rubric_for
from judge.errors import JudgeError
from judge.examples import Example, examples_text, pick_examples
from judge.judgment import FAILED_GENERATION, Failure, Judgment
from judge.lifecycle import run_lifecycle
from judge.llm.answers import AnswerError, parse_answer
from judge.llm.caller import Call, Caller, Cancelled, Reply
from judge.llm.prices import Price, load_prices
from judge.llm.prompts import JUDGMENTS, Prompt, PromptError, render
from judge.llm.providers import Provider, ProviderError, RefusalError
from judge.llm.versions import find as find_prompt
from judge.rubric import Rubric
from judge.scale import FIVE, Scale
from storage import Database
from storage import cache as cache_store
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["DEFAULT_CONCURRENCY", "Estimate", "Plan", "RunSpec", "estimate", "new_llm_run", "plan", "repeat_items",
           "repeat_run", "run_llm", "stored_spec"]

JUDGE_NAME = "llm"

DEFAULT_CONCURRENCY = 8
FLUSH_EVERY = 0.5  # seconds between writes of finished judgments
ORDERS = ("normal", "reversed")
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
    calibration: str | None = None  # judge the pairs of this calibration set (its latest snapshot) only
    order: str = "normal"  # "reversed": the generated definition before the ground truth (and the rubric worst
    # score first, where the template uses the shared {rubric})
    criterion: str | None = None  # the criterion scored, on a dataset with several (None: its only one)
    batch: bool = False  # sent as provider batches (OpenAI's Batch API, Anthropic's Message Batches): half the
    # price, answers within a day

    def __post_init__(self) -> None:
        if not 1 <= self.samples <= 20:
            raise JudgeError(f"samples per pair is from 1 to 20, not {self.samples}")
        if not 1 <= self.concurrency <= 512:
            raise JudgeError(f"requests in flight is from 1 to 512, not {self.concurrency}")
        if not 0 <= self.temperature <= 2:
            raise JudgeError(f"temperature is from 0 to 2, not {self.temperature}")
        if self.order not in ORDERS:
            raise JudgeError(f"the reading order is {' or '.join(ORDERS)}, not {self.order!r}")


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
class _Item:
    pair_id: int
    sample: int
    call: Call
    invalid: str | None = None  # a generated audience that does not validate: scored 1, no call made
    scale: Scale = FIVE  # the scale of the pair's dataset: answers off it are unreadable


@dataclass(frozen=True)
class Plan:
    """What a run will do, worked out once: the template, and every (pair, sample) rendered."""

    spec: RunSpec
    prompt: Prompt
    rubric: Rubric
    items: tuple[_Item, ...]
    calibration_sha256: str | None = None
    examples: tuple[Example, ...] = ()  # shown to the judge in every prompt: dev pairs of the set

    @property
    def shown_examples(self) -> dict[str, Any] | None:
        """What the run records of its examples: the split they came from and which pairs."""
        if not self.prompt.uses_examples:
            return None
        return {"split": "dev", "calibration": self.spec.calibration, "per_score": self.prompt.examples_per_score,
                "pairs": [e.pair_id for e in self.examples]}  # fmt: skip

    @property
    def graded_by(self) -> dict[str, Any]:
        """The rubric the run grades by, as stored with it: the shared one, or the template's own."""
        return self.rubric.describe() if self.prompt.uses_rubric else {"own": self.prompt.label}

    def missing(self, done: set[tuple[int, int]]) -> list[_Item]:
        return [i for i in self.items if (i.pair_id, i.sample) not in done]


def plan(db: Database, spec: RunSpec, pair_ids: list[int] | None = None, snapshot_sha256: str | None = None) -> Plan:
    """Load the template, pick the pairs (``pair_ids``: those a run set out to judge, on the calibration
    snapshot it recorded), render each once and check each generated audience once.

    A template that shows examples needs a calibration set: the examples come from its dev pairs, and the
    run judges only its test pairs, so no figure of the run rests on a pair the judge was shown."""
    _dataset(db, spec.dataset)
    prompt = judge_prompt(db, spec.prompt)
    snapshot = None
    if spec.calibration is not None:
        snapshot = load_set(db, spec.calibration, snapshot_sha256)
        if snapshot.dataset != spec.dataset:
            raise JudgeError(f"calibration set {spec.calibration!r} is of dataset {snapshot.dataset!r}, not {spec.dataset!r}")
    spec = replace(spec, criterion=choose_criterion(db, spec.dataset, spec.criterion,
                                                    snapshot.criterion if snapshot else None))  # fmt: skip
    if prompt.uses_examples and snapshot is None:
        raise PromptError(f"prompt {prompt.label} shows examples from a calibration set's dev pairs: choose a "
                          "calibration set to run it on")  # fmt: skip
    pairs = pair_store.judgeable_pairs(db, spec.dataset, only_rated=spec.only_rated and pair_ids is None)
    if pair_ids is not None:  # a run goes on with the pairs it was made for, whatever was rated or added since
        fixed = set(pair_ids)
        pairs = [p for p in pairs if p.id in fixed]
    else:
        if snapshot is not None:
            members = set(snapshot.test_pairs) if prompt.uses_examples else set(snapshot.pairs["pair_id"])
            pairs = [p for p in pairs if p.id in members]
        if spec.sample_size is not None and spec.sample_size < len(pairs):
            pairs = sorted(random.Random(spec.seed).sample(pairs, spec.sample_size), key=lambda p: p.id)
    examples = tuple(pick_examples(db, snapshot, prompt.examples_per_score)) if prompt.uses_examples and snapshot else ()
    return _rendered(db, spec, prompt, pairs, snapshot, examples)


def _rendered(db: Database, spec: RunSpec, prompt: Prompt, pairs: list[pair_store.JudgeablePair],
              snapshot: CalibrationSet | None, examples: tuple[Example, ...]) -> Plan:  # fmt: skip
    evidence = result_store.latest_evidence(db, [p.id for p in pairs]) if spec.evidence else {}
    rubric = rubric_for(db, spec.dataset, spec.criterion or "")
    shown = examples_text(list(examples)) if prompt.uses_examples else None
    items = []
    for pair in pairs:
        rendered = render(prompt, request=pair.request, ground_truth=pair.ground_truth, generated=pair.generated,
                          evidence=evidence.get(pair.id), rubric=rubric, examples=shown,
                          reversed_order=spec.order == "reversed")  # fmt: skip
        invalid = _invalid_audience(pair)
        for sample in range(spec.samples):
            call = Call(spec.provider, spec.model, prompt, rendered, spec.temperature, spec.max_tokens, sample,
                        spec.base_url)  # fmt: skip
            items.append(_Item(pair.id, sample, call, invalid, rubric.scale))
    return Plan(spec, prompt, rubric, tuple(items), snapshot.sha256 if snapshot else None, examples)


def _invalid_audience(pair: pair_store.JudgeablePair) -> str | None:
    if pair.kind != "audience":
        return None
    try:
        parse_side(pair.generated)
    except AudienceError as e:
        return str(e)
    return None


def _dataset(db: Database, name: str) -> int:
    found = pair_store.dataset_id(db, name)
    if found is None:
        raise JudgeError(f"no dataset named {name!r}")
    return found


def estimate(db: Database, spec: RunSpec, prices: dict[str, Price] | None = None, made: Plan | None = None) -> Estimate:
    """Calls, tokens and dollars a run would cost (cached answers cost nothing)."""
    made = made or plan(db, spec)
    calls = [i.call for i in made.items if i.invalid is None]  # failed generations: no call
    hits = cache_store.cached_answers(db, [c.key for c in calls])
    paid = [c for c in calls if c.key not in hits]
    input_tokens = sum(len(c.rendered.system) + len(c.rendered.user) for c in paid) // CHARS_PER_TOKEN
    output_tokens = OUTPUT_TOKENS_GUESS[made.prompt.answer] * len(paid)
    price = (load_prices() if prices is None else prices).get(spec.model)
    if price is not None and spec.batch:
        price = price.batch
    usd = price.cost(input_tokens, output_tokens) if price else None
    return Estimate(len(calls), len(calls) - len(paid), input_tokens, output_tokens, usd)


def judge_prompt(db: Database, spec: str) -> Prompt:
    """A template that asks for a judgment (not a question writer's or a generator's), from prompts/ or
    made in the app."""
    prompt = find_prompt(db, spec)
    if prompt.answer not in JUDGMENTS:
        raise PromptError(
            f"prompt {prompt.label} writes a {prompt.answer}, it does not judge; choose a judge prompt"
        )
    return prompt


def new_llm_run(db: Database, spec: RunSpec, made: Plan | None = None) -> int:
    """A stored, not yet started LLM run; refuses a published prompt that was edited since it was used.

    The run pins what it judges with once, here: the template as ``NAME@VERSION`` with its hash, and the
    number of judgments planned."""
    made = made or plan(db, spec)
    prompt = made.prompt
    edited = run_store.prompt_hashes(db, prompt.name, str(prompt.version)) - {prompt.sha256}
    if edited:
        raise PromptError(f"prompt {prompt.label} was changed after earlier runs used it; "
                          f"save the change as version {prompt.version + 1} instead of editing a published one")  # fmt: skip
    spec = made.spec  # with its criterion
    pinned = replace(spec, prompt=prompt.label)
    on = spec.dataset + (f" · {spec.criterion}" if spec.criterion else "")
    return run_store.create_run(
        db, name=f"{spec.model} · {prompt.label} on {on}" + (" · generated first" if spec.order == "reversed" else "")
        + (" · batch" if spec.batch else ""),
        criterion=spec.criterion,
        judge_kind="llm", status="created",
        provider=spec.provider, model=spec.model, prompt_name=prompt.name, prompt_version=str(prompt.version),
        prompt_hash=prompt.sha256, dataset_id=_dataset(db, spec.dataset),
        parameters={**asdict(pinned), "rubric": made.graded_by, "examples": made.shown_examples},
        calibration_sha256=made.calibration_sha256,
        pair_ids=sorted({i.pair_id for i in made.items}),
        planned=len(made.items),
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
    made: Plan | None = None,
) -> int:
    """Judge every (pair, sample) of the run not judged yet; returns the run id."""
    run_id, todo = prepared(db, spec, resume, made)
    caller = Caller(db, {spec.provider: provider}, load_prices() if prices is None else prices, spec.concurrency)

    def work() -> None:
        asyncio.run(_judge_all(db, run_id, caller, todo, cancel, progress))
        if resume is not None:
            reconcile_planned(db, run_id)  # a repeat cut off earlier counted what it had not judged yet

    return run_lifecycle(db, run_id, work, cancel)


def prepared(db: Database, spec: RunSpec, resume: int | None, made: Plan | None) -> tuple[int, list[_Item]]:
    """The run to work on (a new one, or ``resume`` checked to go on as it began) and what it has left to judge."""
    stored = run_store.run_settings(db, resume) if resume is not None else None
    if made is None or (stored is not None and stored["pair_ids"] is not None):
        fixed = list(stored["pair_ids"]) if stored and stored["pair_ids"] is not None else None
        made = plan(db, spec, fixed, stored["calibration_sha256"] if stored else None)
    run_id = resume if resume is not None else new_llm_run(db, spec, made)
    stored = stored or run_store.run_settings(db, run_id)
    _same_as_started(run_id, stored, made)
    return run_id, made.missing(result_store.judged_samples(db, run_id))


def _same_as_started(run_id: int, stored: dict[str, Any] | None, made: Plan) -> None:
    """Refuse to add judgments to a run under another template, rubric or set of examples than it began with."""
    if stored is None or stored["judge_kind"] != JUDGE_NAME:
        raise JudgeError(f"run {run_id} is not an LLM judge run; it cannot go on as one")
    if stored["prompt_hash"] not in (None, made.prompt.sha256):
        raise PromptError(
            f"prompt {made.prompt.label} changed since run {run_id} started; it cannot be resumed with it"
        )
    recorded = stored.get("parameters", {}).get("rubric")
    if recorded is not None and recorded != made.graded_by:
        raise PromptError(f"the rubric changed since run {run_id} started (it graded by {recorded}); start a new run "
                          "to grade by the rubric in force")  # fmt: skip
    shown = stored.get("parameters", {}).get("examples")
    if shown is not None and shown != made.shown_examples:
        raise PromptError(f"the examples run {run_id} showed changed since it started (pairs were adjudicated since); "
                          "start a new run so that every judgment saw the same examples")  # fmt: skip


MAX_SAMPLES = 20


def repeat_items(db: Database, run_id: int, pairs: int, seed: int = 0) -> tuple[RunSpec, list[_Item]]:
    """One more judgment of ``pairs`` pairs of a finished run: those with the fewest judgments so far (a seeded
    draw among equals), each under the next sample number, so the call is a new one (the answer cache keys on
    the sample number) and no sample already taken is taken again. Repeats measure repeatability only: the
    run's score per pair stays that of the samples it planned (``storage.results.OWN_SAMPLE``). Pairs whose
    generated definition is invalid are left out: they score 1 without a call, every time."""
    if pairs < 1:
        raise JudgeError(f"repeat on 1 or more pairs, not {pairs}")
    stored = run_store.run_settings(db, run_id)
    if stored is not None and stored["judge_kind"] == JUDGE_NAME and (
        not isinstance(stored["parameters"].get("samples"), int) or stored["pair_ids"] is None
    ):
        raise JudgeError(f"run {run_id} was imported without the settings it was made with: repeats need a run "
                         "made here (or from the command line) that records them")  # fmt: skip
    spec = stored_spec(db, run_id)
    done = result_store.judged_samples(db, run_id)
    taken: dict[int, int] = {}
    for pair_id, sample in done:
        taken[pair_id] = max(taken.get(pair_id, 0), sample + 1)
    members = list(stored["pair_ids"]) if stored and stored["pair_ids"] is not None else sorted(taken)
    made = plan(db, spec, members, stored["calibration_sha256"] if stored else None)
    if stored is None or stored["status"] != "finished" or made.missing(done):
        raise JudgeError(f"run {run_id} is not finished: resume it first (repeats are added to a finished run)")
    _same_as_started(run_id, stored, made)
    firsts = {i.pair_id: i for i in made.items if i.sample == 0 and i.invalid is None}
    draw = random.Random(seed)
    open_pairs = [p for p in sorted(firsts) if taken.get(p, 0) < MAX_SAMPLES]
    draw.shuffle(open_pairs)
    open_pairs.sort(key=lambda p: taken.get(p, 0))  # stable: the fewest judgments first, shuffled among equals
    items = []
    for pair_id in open_pairs[:pairs]:
        item, number = firsts[pair_id], taken.get(pair_id, 0)
        items.append(replace(item, sample=number, call=replace(item.call, sample=number)))
    if not items:
        raise JudgeError(f"run {run_id} has no pair left to repeat (each has {MAX_SAMPLES} judgments, or none "
                         "can be called)")  # fmt: skip
    return spec, items


def repeat_run(
    db: Database, run_id: int, pairs: int, provider: Provider, *, cancel: threading.Event | None = None,
    prices: dict[str, Price] | None = None, seed: int = 0,
) -> int:  # fmt: skip
    """Add one judgment to ``pairs`` pairs of a finished run (see :func:`repeat_items`); returns the run id.

    The run is marked running meanwhile and finished after, cancelled or not (its own plan was complete
    before); what it planned grows by the judgments actually stored, so its count stays whole."""
    spec, items = repeat_items(db, run_id, pairs, seed)
    caller = Caller(db, {spec.provider: provider}, load_prices() if prices is None else prices, spec.concurrency)
    run_store.set_run_status(db, run_id, "running")
    try:
        asyncio.run(_judge_all(db, run_id, caller, items, cancel, None))
    finally:
        reconcile_planned(db, run_id)
        run_store.set_run_status(db, run_id, "finished")
    return run_id


def reconcile_planned(db: Database, run_id: int) -> None:
    """What a run plans: its own (pair, sample) judgments and the repeats stored so far. Set after a repeat
    and after every resume, so a repeat cut off by a crash leaves no count behind that nothing will fill."""
    stored = run_store.run_settings(db, run_id)
    samples = (stored or {}).get("parameters", {}).get("samples")
    if stored is None or stored["pair_ids"] is None or not isinstance(samples, int):
        return
    repeats = sum(1 for _, sample in result_store.judged_samples(db, run_id) if sample >= samples)
    run_store.set_planned(db, run_id, len(stored["pair_ids"]) * samples + repeats)


async def _judge_all(
    db: Database,
    run_id: int,
    caller: Caller,
    todo: list[_Item],
    cancel: threading.Event | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    await caller.prefetch([i.call for i in todo if i.invalid is None])
    for provider in caller.providers.values():
        if provider.pace is not None:
            provider.pace.stop = cancel  # a cancel ends the wait of calls held for the provider's limits
    pending: list[tuple[Judgment, bool, str]] = []
    finished = 0

    def store(batch: list[tuple[Judgment, bool, str]]) -> None:
        nonlocal finished
        fresh = caller.take_new([key for _, _, key in batch])
        result_store.store_answers(db, run_id, [b[0] for b in batch], [b[1] for b in batch], fresh)
        finished += len(batch)
        if progress:
            progress(finished, len(todo))

    async def flush() -> None:
        # the write runs in a thread (DuckDB lets go of the GIL), so answers keep arriving meanwhile
        if pending:
            batch = pending[:]
            pending.clear()
            await asyncio.to_thread(store, batch)

    async def one(item: _Item) -> None:
        if cancel is not None and cancel.is_set():
            return
        if item.invalid is not None:
            pending.append((invalid_generation(item), False, item.call.key))
            return
        answer: Reply | None = None
        error: tuple[Failure, str] | None = None
        try:
            answer = await caller.ask(item.call, cancel)
        except Cancelled:
            return
        except RefusalError as e:
            error = ("refusal", str(e))
        except ProviderError as e:
            if cancel is not None and cancel.is_set():
                return  # given up for the cancel (held for the provider's limits): not a failure, judged on resume
            error = ("provider_error", str(e))
        pending.append((result_of(item, answer, error), answer is not None and answer.cached, item.call.key))

    async def flusher() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), FLUSH_EVERY)
            await flush()
        await flush()  # what arrived during the last write

    done = asyncio.Event()
    writer = asyncio.create_task(flusher())
    calls = asyncio.gather(*(one(i) for i in todo))

    write_failed = False

    def stop_calls(written: asyncio.Task[None]) -> None:
        # a write that failed (the database went away) ends the run now: answers that cannot be stored are
        # not paid for; the calls in flight are dropped, the run resumes from what was stored
        nonlocal write_failed
        if not written.cancelled() and written.exception() is not None:
            write_failed = True
            calls.cancel()

    writer.add_done_callback(stop_calls)
    try:
        try:
            await calls
        except asyncio.CancelledError:
            if not write_failed:  # cancelled from outside (Ctrl-C): the run stops, unfinished
                raise
    finally:
        done.set()
        try:
            await writer  # the last write (or why writing failed): never cut off half-way, nor two at once
        finally:
            await caller.aclose()


def invalid_generation(item: _Item) -> Judgment:
    """The judgment of a pair whose generated definition is not valid: the scale's lowest, without a call."""
    reason = f"{FAILED_GENERATION}: the generated definition is not valid ({item.invalid})."
    return Judgment(JUDGE_NAME, item.scale.low, reason, model=item.call.model).of(item.pair_id, item.sample)


def result_of(item: _Item, answer: Reply | None, error: tuple[Failure, str] | None) -> Judgment:
    """The judgment of one call: its score, or why there is none (the kind of failure and its message)."""
    base: dict[str, Any] = {"prompt": item.call.rendered.transcript, "model": item.call.model, "latency_ms": 0.0}
    if answer is None:
        failure, message = error or ("not_called", "no answer")
        return Judgment.failed(JUDGE_NAME, failure, message, **base).of(item.pair_id, item.sample)
    base |= {"raw_response": answer.text, "input_tokens": answer.input_tokens, "latency_ms": answer.latency_ms,
             "output_tokens": answer.output_tokens, "cost_usd": answer.cost_usd}  # fmt: skip
    try:
        parsed = parse_answer(answer.text, item.scale)
    except AnswerError as e:
        return Judgment.failed(JUDGE_NAME, "unreadable_answer", f"unreadable answer: {e}", **base).of(
            item.pair_id, item.sample
        )
    return Judgment(JUDGE_NAME, parsed.score, parsed.reasoning, **base).of(item.pair_id, item.sample)


def stored_spec(db: Database, run_id: int) -> RunSpec:
    """The settings an LLM run was started with, to resume it as it was."""
    settings = run_store.run_settings(db, run_id)
    if settings is None or settings["judge_kind"] != "llm":
        raise JudgeError(f"no LLM judge run with id {run_id}")
    fields = {k: v for k, v in settings["parameters"].items() if k in RunSpec.__dataclass_fields__}
    if settings["prompt_name"] and settings["prompt_version"]:  # the version it was made with, never a later one
        fields["prompt"] = f"{settings['prompt_name']}@{settings['prompt_version']}"
    missing = [k for k in ("dataset", "provider", "model", "prompt") if k not in fields]
    if missing:
        raise JudgeError(f"run {run_id} does not record its {', '.join(missing)}: it cannot go on or be repeated here")
    return RunSpec(**fields)
