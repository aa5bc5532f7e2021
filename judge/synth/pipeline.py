"""Evaluation data from ground truths: ground truth -> request -> generated definition -> a pair per generator.

Each ground truth gets one request (the same for every generator, so they are
compared on equal terms) from a question writer; each AST generator turns the
request into a definition, with up to ``repairs`` more attempts that show it
the validation error. A definition still invalid after those is stored as a
failed generation (judges score it 1), never dropped. Pairs are stored as each
ground truth finishes, under ``TRUTH~PROVIDER/MODEL``: running the same command
again makes only what is missing, and model answers come from the cache.
Every pair's metadata says which model and prompt version made each part.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from judge.audience import AudienceError, to_english
from judge.data.records import prepare_pair
from judge.errors import JudgeError
from judge.llm.caller import Call, Caller, Reply, Usage
from judge.llm.prices import Price, load_prices
from judge.llm.prompts import Prompt, Rendered, load_prompt, render_blocks
from judge.llm.providers import PROVIDERS, Provider, ProviderError
from judge.synth.generators import OFFLINE, definition_text, offline_generate, read_definition
from judge.synth.questions import STYLES, QuestionError, leak, offline_question, read_question
from judge.synth.truths import Truth, catalog, catalog_text
from storage import Database
from storage import pairs as pair_store

__all__ = ["OFFLINE_PROVIDER", "Maker", "SynthReport", "SynthSpec", "parse_maker", "synthesize"]

OFFLINE_PROVIDER = "offline"
OFFLINE_QUESTIONS = "english"  # offline/english: the varied English rendering
MAX_REPAIRS = 5


@dataclass(frozen=True)
class Maker:
    """Who makes a part: ``PROVIDER/MODEL``, or ``offline/english`` and ``offline/careful|hasty``."""

    provider: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    @property
    def offline(self) -> bool:
        return self.provider == OFFLINE_PROVIDER


def parse_maker(text: str, role: str) -> Maker:
    provider, _, model = text.partition("/")
    if not model or provider not in (*PROVIDERS, OFFLINE_PROVIDER):
        raise JudgeError(f"{role} {text!r}: write PROVIDER/MODEL with PROVIDER one of "
                         f"{', '.join((*PROVIDERS, OFFLINE_PROVIDER))} (e.g. openai/gpt-4o-mini)")  # fmt: skip
    offline_models = [OFFLINE_QUESTIONS] if role == "question writer" else list(OFFLINE)
    if provider == OFFLINE_PROVIDER and model not in offline_models:
        raise JudgeError(f"{role} {text!r}: the offline {role} is one of "
                         f"{', '.join(f'offline/{m}' for m in offline_models)}")  # fmt: skip
    return Maker(provider, model)


@dataclass(frozen=True)
class SynthSpec:
    dataset: str
    questions: Maker
    generators: tuple[Maker, ...]
    style: str = "plain"
    question_prompt: str = "question-writer"
    generator_prompt: str = "ast-generator"
    repairs: int = 2  # more attempts after an invalid definition or a request that leaks syntax
    concurrency: int = 8
    temperature: float = 0.0
    base_url: str | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.generators:
            raise JudgeError("name at least one AST generator")
        if len({g.label for g in self.generators}) != len(self.generators):
            raise JudgeError("an AST generator is named twice")
        if self.style not in STYLES:
            raise JudgeError(f"unknown style {self.style!r}; choose one of {', '.join(STYLES)}")
        if not 0 <= self.repairs <= MAX_REPAIRS:
            raise JudgeError(f"repairs is from 0 to {MAX_REPAIRS}, not {self.repairs}")
        if not 1 <= self.concurrency <= 256:
            raise JudgeError(f"requests in flight is from 1 to 256, not {self.concurrency}")


@dataclass
class SynthReport:
    truths: int = 0
    added: int = 0
    present: int = 0
    invalid: int = 0
    repaired: int = 0
    no_request: dict[str, str] = field(default_factory=dict)  # truth id -> why
    failed: dict[str, str] = field(default_factory=dict)  # pair id -> provider error (made on a later run)
    usage: Usage = field(default_factory=Usage)  # tokens and dollars of every call made

    def __str__(self) -> str:
        used = self.usage
        cost = f"${used.cost_usd:.4f}" + (f" (no price for {', '.join(sorted(used.unpriced))})" if used.unpriced
                                          else "")  # fmt: skip
        lines = [f"{self.added} pairs added, {self.present} already there, from {self.truths} ground truths; "
                 f"{self.invalid} invalid generations kept (scored 1), {self.repaired} repaired; "
                 f"{used.input_tokens:,} input and {used.output_tokens:,} output tokens, {cost}"]  # fmt: skip
        lines += [f"no request for {t}: {why}" for t, why in sorted(self.no_request.items())]
        lines += [f"not made (run again to retry) {p}: {why}" for p, why in sorted(self.failed.items())]
        return "\n".join(lines)


class _Pipeline:
    def __init__(self, db: Database, spec: SynthSpec, truths: list[Truth], providers: Mapping[str, Provider],
                 prices: dict[str, Price]) -> None:  # fmt: skip
        self.db, self.spec = db, spec
        self.caller = Caller(db, providers, prices, spec.concurrency)
        self.report = SynthReport(truths=len(truths))
        self.catalog = catalog_text(catalog(truths))
        self.question_prompt = None if spec.questions.offline else load_prompt(spec.question_prompt)
        llm_generators = [g for g in spec.generators if not g.offline]
        self.generator_prompt = load_prompt(spec.generator_prompt) if llm_generators else None
        for prompt, answer in ((self.question_prompt, "question"), (self.generator_prompt, "audience")):
            if prompt is not None and prompt.answer != answer:
                raise JudgeError(f"prompt {prompt.label} writes a {prompt.answer}, not a {answer}")

    async def ask(self, maker: Maker, prompt: Prompt, rendered: Rendered) -> Reply:
        reply = await self.caller.ask(Call(maker.provider, maker.model, prompt, rendered, self.spec.temperature,
                                           base_url=self.spec.base_url))  # fmt: skip
        await self.caller.save()  # each answer is kept as it comes: a run stopped half-way pays for none again
        return reply

    async def question(self, truth: Truth) -> tuple[str, dict[str, Any]]:
        """The request for a truth and how it was made; QuestionError when none is usable."""
        spec, maker = self.spec, self.spec.questions
        made: dict[str, Any] = {"by": maker.label, "style": spec.style}
        if maker.offline:
            return offline_question(
                truth.definition, spec.style, random.Random(f"{spec.seed}:{truth.id}")
            ), made
        assert self.question_prompt is not None
        made |= {"prompt": self.question_prompt.label, "prompt_sha256": self.question_prompt.sha256,
                 "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}  # fmt: skip
        shown = f"{truth.text}\n\nIn English: {to_english(truth.definition)}"
        feedback, why = "(first attempt)", ""
        for attempt in range(1, spec.repairs + 2):
            rendered = render_blocks(self.question_prompt, style=STYLES[spec.style], ground_truth=shown,
                                     feedback=feedback)  # fmt: skip
            reply = await self.ask(maker, self.question_prompt, rendered)
            _add_usage(made, reply)
            made["attempts"] = attempt
            try:
                request = read_question(reply.text)
            except QuestionError as e:
                why, feedback = (
                    str(e),
                    f"Your previous answer could not be read ({e}). Answer with the JSON object.",
                )
                continue
            leaked = leak(request)
            if leaked is None:
                return request, made
            why = f"the request copies the query language ({leaked})"
            feedback = (f"Your previous request was:\n{request}\nIt copies the query language ({leaked}). "
                        f"Write it again in plain words only (attempt {attempt + 1} of {spec.repairs + 1}).")  # fmt: skip
        raise QuestionError(f"after {spec.repairs + 1} attempts: {why}")

    async def generate(self, truth: Truth, request: str, maker: Maker) -> tuple[str, dict[str, Any]]:
        """The generated definition (as given when invalid) and how it was made."""
        spec = self.spec
        made: dict[str, Any] = {"by": maker.label}
        if maker.offline:
            rng = random.Random(f"{spec.seed}:{truth.id}:{maker.model}")
            offline = offline_generate(truth.definition, maker.model, rng)
            made |= {"attempts": 1, "valid": offline.mutation != "invalid", "mutation": offline.mutation,
                     "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}  # fmt: skip
            return offline.text, made
        assert self.generator_prompt is not None
        made |= {"prompt": self.generator_prompt.label, "prompt_sha256": self.generator_prompt.sha256,
                 "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "errors": []}  # fmt: skip
        feedback, text = "(first attempt)", ""
        for attempt in range(1, spec.repairs + 2):
            rendered = render_blocks(
                self.generator_prompt, request=request, catalog=self.catalog, feedback=feedback
            )
            reply = await self.ask(maker, self.generator_prompt, rendered)
            _add_usage(made, reply)
            made["attempts"] = attempt
            text = definition_text(reply.text)
            try:
                read_definition(reply.text)
            except AudienceError as e:
                made["errors"].append(str(e))
                feedback = (f"Your previous answer was:\n{text}\nIt is not a valid definition: {e}\n"
                            f"Answer again with a corrected definition (attempt {attempt + 1} of "
                            f"{spec.repairs + 1}).")  # fmt: skip
                continue
            made["valid"] = True
            if attempt > 1:
                self.report.repaired += 1
            return text, made
        made["valid"] = False
        return text, made

    async def truth(
        self, truth: Truth, known: set[str], requests: dict[str, tuple[str, dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        todo = [g for g in self.spec.generators if f"{truth.id}~{g.label}" not in known]
        self.report.present += len(self.spec.generators) - len(todo)
        if not todo:
            return []
        if truth.id in requests:  # an earlier run's request: every generator gets the same one
            request, asked = requests[truth.id]
        else:
            try:
                request, asked = await self.question(truth)
            except (QuestionError, ProviderError) as e:
                self.report.no_request[truth.id] = str(e)
                return []
        made = await asyncio.gather(*(self.generate(truth, request, g) for g in todo), return_exceptions=True)
        rows = []
        for maker, outcome in zip(todo, made, strict=True):
            if isinstance(outcome, ProviderError):
                self.report.failed[f"{truth.id}~{maker.label}"] = str(outcome)
                continue
            if isinstance(outcome, BaseException):
                raise outcome
            text, generation = outcome
            self.report.invalid += not generation["valid"]
            rows.append({"external_id": f"{truth.id}~{maker.label}", "kind": "audience", "request": request,
                         "ground_truth": truth.text, "generated": text, "generator_model": maker.label,
                         "metadata": {"ground_truth_id": truth.id, "question": asked, "generation": generation}})  # fmt: skip
        return rows


def _add_usage(made: dict[str, Any], reply: Reply) -> None:
    """What making one part used; an answer from the cache used nothing."""
    if reply.cached:
        return
    made["input_tokens"] += reply.input_tokens or 0
    made["output_tokens"] += reply.output_tokens or 0
    made["cost_usd"] = (
        None if reply.cost_usd is None or made["cost_usd"] is None else made["cost_usd"] + reply.cost_usd
    )


def synthesize(
    db: Database,
    truths: list[Truth],
    spec: SynthSpec,
    providers: Mapping[str, Provider],
    *,
    progress: Callable[[int, int], None] | None = None,
    prices: dict[str, Price] | None = None,
) -> SynthReport:
    """Make the dataset's missing pairs; returns what was made and what it cost."""
    needed = {m.provider for m in (spec.questions, *spec.generators) if not m.offline}
    if missing := needed - set(providers):
        raise JudgeError(f"no provider given for {', '.join(sorted(missing))}")
    pipeline = _Pipeline(db, spec, truths, providers, load_prices() if prices is None else prices)
    existing = pair_store.pairs_frame(db, spec.dataset)
    known = set(existing["external_id"])
    requests = {str(e).split("~", 1)[0]: (str(req), json.loads(meta or "{}").get("question", {}))
                for e, req, meta in zip(existing["external_id"], existing["request"], existing["metadata"], strict=True)
                if req is not None}  # fmt: skip

    async def run() -> None:
        done = 0

        async def one(truth: Truth) -> None:
            nonlocal done
            rows = await pipeline.truth(truth, known, requests)
            if rows:
                prepared = [prepare_pair(row) for row in rows]
                added, _ = await asyncio.to_thread(pair_store.add_pairs, db, spec.dataset, prepared)
                pipeline.report.added += added
            done += 1
            if progress:
                progress(done, len(truths))

        try:
            await asyncio.gather(*(one(t) for t in truths))
        finally:
            await pipeline.caller.aclose()

    asyncio.run(run())
    pipeline.report.usage = pipeline.caller.usage
    return pipeline.report
