"""The one cached caller, through the real openai SDK against the local server: a repeat sample is a call of
its own, the same call is paid once, and judge runs and the synthetic-data pipeline share its cache."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from judge.llm.caller import Call, Caller
from judge.llm.prices import Price
from judge.llm.prompts import load_prompt, render_blocks
from judge.llm.providers import make_provider
from storage import Database
from tests.llm.fake_server import FakeProviderServer

KEYS = {"OPENAI_API_KEY": "sk-test-never-shown"}
PRICES = {"judge-model": Price(input=1.0, output=2.0)}


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as running:
        yield running


def ask_all(db: Database, server: FakeProviderServer, calls: list[Call]) -> tuple[list[bool], Caller]:
    async def go() -> tuple[list[bool], Caller]:
        caller = Caller(db, {"openai": make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS)}, PRICES, 4)
        cached = [(await caller.ask(c)).cached for c in calls]
        await caller.save()
        await caller.aclose()
        return cached, caller

    return asyncio.run(go())


def a_call(server: FakeProviderServer, sample: int = 0, temperature: float = 0.0) -> Call:
    prompt = load_prompt("question-writer")
    rendered = render_blocks(prompt, style="plain", ground_truth="event('Order')", feedback="(first attempt)")
    return Call("openai", "judge-model", prompt, rendered, temperature, sample=sample, base_url=f"{server.url}/v1")


def test_a_repeat_sample_is_a_real_call_and_the_same_call_is_paid_once(db: Database, server: FakeProviderServer) -> None:
    calls = [a_call(server, 0), a_call(server, 1), a_call(server, 0)]
    cached, caller = ask_all(db, server, calls)
    assert cached == [False, False, True] and len(server.received) == 2
    assert (caller.usage.calls, caller.usage.cached) == (3, 1) and caller.usage.cost_usd > 0
    again, later = ask_all(db, server, calls)  # another run, another caller: the stored answers
    assert again == [True, True, True] and len(server.received) == 2 and later.usage.cost_usd == 0


def test_everything_that_changes_the_answer_changes_the_key(server: FakeProviderServer) -> None:
    base = a_call(server)
    others = [a_call(server, sample=1), a_call(server, temperature=0.5),
              Call(base.provider, "other-model", base.prompt, base.rendered, base_url=base.base_url),
              Call(base.provider, base.model, base.prompt, base.rendered, max_tokens=10, base_url=base.base_url),
              Call(base.provider, base.model, base.prompt, base.rendered, base_url="http://127.0.0.1:1/v1")]  # fmt: skip
    assert len({base.key, *(c.key for c in others)}) == 1 + len(others)


def test_identical_calls_at_once_are_one_call(db: Database, server: FakeProviderServer) -> None:
    calls = [a_call(server, 0) for _ in range(6)] + [a_call(server, 1) for _ in range(6)]

    async def go() -> list[bool]:
        caller = Caller(db, {"openai": make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS)}, PRICES, 8)
        replies = await asyncio.gather(*(caller.ask(c) for c in calls))
        await caller.aclose()
        return [r.cached for r in replies]

    cached = asyncio.run(go())
    assert len(server.received) == 2 and cached.count(False) == 2  # one paid call per sample, the rest share it
