"""Batch runs through the real SDKs against the local server's batch APIs (OpenAI's Batch API, Anthropic's
Message Batches): each result to its pair, the batch price, every fault the server scripts, resume, cancel."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from judge.errors import JudgeError
from judge.lifecycle import Cancel
from judge.llm import RunSpec, make_provider
from judge.llm.batch_run import MAX_TRIES, run_batch
from judge.llm.prices import Price, load_prices
from storage import Database
from storage import batches as batch_store
from storage import results as result_store
from storage import runs as run_store
from tests.llm.fake_server import FakeProviderServer, Reply, answer
from tests.llm.test_runs import KEYS, ROOT, add_text_pairs

PRICES = {"judge-model": Price(input=1.0, output=2.0)}
KINDS = ["openai", "anthropic"]


def by_number(body: dict[str, Any], attempt: int) -> Reply:
    """Each pair's own score (its number n: 1 + n % 5), so a result given to the wrong pair shows."""
    text = json.dumps(body)
    if "CASE:refusal" in text:
        return Reply(text=None)
    found = re.search(r"n=(\d+)", text)
    return Reply(text=answer(1 + int(found.group(1)) % 5 if found else 3))


def provider(kind: str, server: FakeProviderServer):  # type: ignore[no-untyped-def]
    return make_provider(kind, base_url=f"{server.url}/v1" if kind == "openai" else server.url, keys=KEYS,
                         timeout=5.0, max_retries=1)  # fmt: skip


def spec(dataset: str, kind: str) -> RunSpec:
    return RunSpec(dataset=dataset, provider=kind, model="judge-model", prompt="judge-cot", batch=True)


def scores(db: Database, run_id: int) -> dict[str, Any]:
    frame = result_store.results_frame(db, run_id)
    return {row.external_id: (None if row.score is None or row.score != row.score else int(row.score))
            for row in frame.astype(object).itertuples()}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_run_gives_each_answer_to_its_pair_at_the_batch_price(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {f"x{i:02d}": f"event('Order') n={i}" for i in range(20)})
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01,
                           batch_size=8)  # fmt: skip
        sent = list(server.batches.batches.values())
    assert scores(db, run_id) == {f"x{i:02d}": 1 + i % 5 for i in range(20)}
    assert [len(b.requests) for b in sent] == [8, 8, 4]
    frame = result_store.results_frame(db, run_id)
    batch_cost = PRICES["judge-model"].batch.cost(120, 30)  # the fake's usage: 120 in, 30 out
    assert frame["cost_usd"].tolist() == pytest.approx([batch_cost] * 20)
    assert batch_cost == pytest.approx(PRICES["judge-model"].cost(120, 30) / 2)
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]
    assert all(b.collected for b in batch_store.batches_of(db, run_id))


@pytest.mark.parametrize("kind", KINDS)
def test_requests_that_expired_or_errored_go_again_and_only_they(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {"ok": "event('Order') n=1", "expires": "event('Order') n=2 CASE:batch-expire-once",
                             "errs": "event('Order') n=3 CASE:batch-error-once"})  # fmt: skip
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01)
        sent = [sorted(cid for cid, _ in b.requests) for b in server.batches.batches.values()]
    assert scores(db, run_id) == {"ok": 2, "expires": 3, "errs": 4}
    assert len(sent) == 2 and len(sent[0]) == 3 and len(sent[1]) == 2  # the second batch: the two, not "ok"
    assert len(result_store.results_frame(db, run_id)) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_that_keeps_failing_is_recorded_as_failed_after_its_tries(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {"ok": "event('Order') n=1", "bad": "event('Order') n=2 CASE:batch-error",
                             "gone": "event('Order') n=3 CASE:batch-expire"})  # fmt: skip
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01)
        batches = len(server.batches.batches)
    frame = result_store.results_frame(db, run_id).set_index("external_id")
    assert frame.loc["ok", "score"] == 2
    for name in ("bad", "gone"):
        assert frame.loc[name, "failure"] == "provider_error"
        assert f"no answer from {MAX_TRIES} batches" in frame.loc[name, "error"]
    assert batches == MAX_TRIES


def test_a_batch_that_fails_whole_is_sent_again(db: Database) -> None:
    add_text_pairs(db, "d", {"a": "event('Order') n=1 CASE:batch-fail-once", "b": "event('Order') n=2"})
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", "openai"), provider("openai", server), prices=PRICES, poll_every=0.01)
    assert scores(db, run_id) == {"a": 2, "b": 3}
    outcomes = [b.outcome for b in batch_store.batches_of(db, run_id)]
    assert outcomes[0] is not None and outcomes[0].startswith("failed: invalid_request") and outcomes[1] == "completed"


@pytest.mark.parametrize("kind", KINDS)
def test_a_refusal_in_a_batch_is_a_recorded_refusal_not_sent_again(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {"no": "event('Order') CASE:refusal"})
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01)
        batches = len(server.batches.batches)
    [row] = result_store.results_frame(db, run_id).itertuples()
    assert row.failure == "refusal" and batches == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_stopped_while_its_batch_works_resumes_without_sending_it_again(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(6)})
    with FakeProviderServer(by_number, batch_seconds=0.1) as server:

        def crash(done: int, total: int) -> None:
            raise KeyboardInterrupt  # the process stopped while the provider works

        with pytest.raises(KeyboardInterrupt):
            run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, progress=crash)
        [run_id] = list(run_store.runs_frame(db)["id"])
        assert run_store.run_settings(db, run_id)["status"] == "failed"  # type: ignore[index]
        assert len(batch_store.open_batches(db, run_id)) == 1
        run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, resume=run_id)
        assert len(server.batches.batches) == 1  # polled, not sent again
    assert scores(db, run_id) == {f"x{i}": 1 + i % 5 for i in range(6)}
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_whose_process_stops_leaves_its_batch_at_the_provider_and_a_resume_reads_it(db: Database,
                                                                                          kind: str) -> None:  # fmt: skip
    """An app server shut down, or a worker letting go of its run: the batch is not cancelled (that would throw
    away what the provider is working on); the run stays resumable and whoever resumes it polls that batch."""
    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(6)})
    stop = Cancel()
    with FakeProviderServer(by_number, batch_seconds=0.1) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01,
                           progress=lambda done, total: stop.interrupt(), cancel=stop)  # fmt: skip
        assert server.batches.cancels == []
        assert run_store.run_settings(db, run_id)["status"] == "running"  # type: ignore[index]  # shown interrupted
        assert len(batch_store.open_batches(db, run_id)) == 1
        run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, resume=run_id)
        assert len(server.batches.batches) == 1  # polled, not sent again
    assert scores(db, run_id) == {f"x{i}": 1 + i % 5 for i in range(6)}
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancel_keeps_what_was_answered_and_a_resume_sends_the_rest(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {f"x{i:02d}": f"event('Order') n={i}" for i in range(20)})
    cancel = threading.Event()
    with FakeProviderServer(by_number, batch_seconds=0.03) as server:

        def seen(done: int, total: int) -> None:
            if done >= 5:
                cancel.set()

        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01,
                           progress=seen, cancel=cancel)  # fmt: skip
        assert server.batches.cancels
        assert run_store.run_settings(db, run_id)["status"] == "cancelled"  # type: ignore[index]
        kept = scores(db, run_id)
        assert 5 <= len(kept) < 20  # what the batch answered before the cancel, paid for, is kept
        run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, resume=run_id)
        second = [cid for cid, _ in list(server.batches.batches.values())[-1].requests]
    assert len(second) == 20 - len(kept)  # only what the cancel left
    assert scores(db, run_id) == {f"x{i:02d}": 1 + i % 5 for i in range(20)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_sent_but_not_yet_recorded_when_the_run_stopped_is_found_at_the_provider(db: Database, kind: str) -> None:
    """The narrowest window: the provider took the batch, the process died before storing its id. OpenAI's
    batch is found by the token in its metadata and polled. Anthropic's carry no metadata and cannot be read
    before they end, so no batch is taken for the run's (it might be another run's): the requests go again."""
    import asyncio

    from judge.llm.batch_run import custom_id
    from judge.llm.batches import batcher
    from judge.llm.run import prepared

    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(4)})
    with FakeProviderServer(by_number) as server:
        run_id, todo = prepared(db, spec("d", kind), None, None)
        batch_store.intend(db, run_id, kind, "tok-1", {custom_id(i): i.call.key for i in todo})
        sender = batcher(provider(kind, server))

        async def send_then_die() -> None:
            await sender.submit([(custom_id(i), i.call.request) for i in todo], "tok-1")
            await sender.aclose()

        asyncio.run(send_then_die())
        assert batch_store.open_batches(db, run_id)[0].provider_batch_id is None
        run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, resume=run_id)
        assert len(server.batches.batches) == (1 if kind == "openai" else 2)  # OpenAI: found, not sent again
    assert scores(db, run_id) == {f"x{i}": 1 + i % 5 for i in range(4)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_written_down_but_never_taken_is_sent_on_resume(db: Database, kind: str) -> None:
    from judge.llm.batch_run import custom_id
    from judge.llm.run import prepared

    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(4)})
    with FakeProviderServer(by_number) as server:
        run_id, todo = prepared(db, spec("d", kind), None, None)
        batch_store.intend(db, run_id, kind, "tok-lost", {custom_id(i): i.call.key for i in todo})
        run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, resume=run_id)
        assert len(server.batches.batches) == 1
    assert scores(db, run_id) == {f"x{i}": 1 + i % 5 for i in range(4)}
    assert [b.token for b in batch_store.batches_of(db, run_id)] != ["tok-lost"]


def test_an_openai_compatible_server_has_no_batch_api(db: Database) -> None:
    add_text_pairs(db, "d", {"a": "event('Order')"})
    local = make_provider("openai-compatible", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(JudgeError, match="has no batch API"):
        run_batch(db, RunSpec(dataset="d", provider="openai-compatible", model="m", prompt="judge-cot", batch=True),
                  local)  # fmt: skip
    assert run_store.runs_frame(db).empty  # refused before a run was made


def test_the_price_table_gives_batch_rates(tmp_path: Path) -> None:
    table = tmp_path / "prices.toml"
    table.write_text('[batch]\ndiscount = 0.4\n[models.a]\ninput = 1.0\noutput = 2.0\n'
                     '[models.b]\ninput = 1.0\noutput = 2.0\nbatch_input = 0.7\nbatch_output = 1.1\n')  # fmt: skip
    prices = load_prices(table)
    assert prices["a"].batch == Price(0.4, 0.8) and prices["b"].batch == Price(0.7, 1.1)
    table.write_text("[batch]\ndiscount = 2\n")
    with pytest.raises(JudgeError, match="batch.discount"):
        load_prices(table)
    assert load_prices()["gpt-4o-mini"].batch.input == pytest.approx(0.075)


def test_a_batch_run_killed_while_it_waits_resumes_from_the_command_line(tmp_path: Path) -> None:
    """kill -9 of `judge run --batch` while the provider works: `--resume` polls the batches recorded, sends
    nothing twice, and every pair is judged once."""
    path = tmp_path / "kill.duckdb"
    db = Database(path)
    add_text_pairs(db, "d", {f"x{i:02d}": f"event('Order') n={i}" for i in range(30)})
    db.close()
    with FakeProviderServer(by_number, batch_seconds=0.05) as server:
        command = [sys.executable, "-m", "judge.cli", "run", "--judge", "llm", "--provider", "openai",
                   "--base-url", f"{server.url}/v1", "--model", "m", "--dataset", "d", "--batch", "--poll", "0.05",
                   "--batch-size", "10", "--db", str(path)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT), **KEYS}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(server.batches.batches) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        db = Database(path)
        [run_id] = list(run_store.runs_frame(db)["id"])
        assert len(result_store.results_frame(db, run_id)) < 30  # killed half-way
        db.close()
        resumed = subprocess.run([*command[:-2], "--resume", str(run_id), "--db", str(path)], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        sent = [cid for batch in server.batches.batches.values() for cid, _ in batch.requests]
        assert len(sent) == len(set(sent)) == 30  # every request in one batch: nothing sent (or paid) twice
    db = Database(path)
    frame = result_store.results_frame(db, run_id)
    assert len(frame) == 30 and frame["pair_id"].is_unique
    assert scores(db, run_id) == {f"x{i:02d}": 1 + i % 5 for i in range(30)}


def test_one_request_that_fails_its_batch_does_not_take_the_others_down(db: Database) -> None:
    """A batch that fails whole is sent again in halves until the request that fails it is alone: the others
    are answered, and only it is recorded as failed."""
    good = {f"g{i}": f"event('Order') n={i}" for i in range(4)}
    add_text_pairs(db, "d", {**good, "poison": "event('Order') n=9 CASE:batch-fail"})
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", "openai"), provider("openai", server), prices=PRICES, poll_every=0.01)
    frame = result_store.results_frame(db, run_id).set_index("external_id")
    assert {k: int(frame.loc[k, "score"]) for k in good} == {f"g{i}": 1 + i % 5 for i in range(4)}
    assert frame.loc["poison", "failure"] == "provider_error" and "batches" in frame.loc["poison", "error"]


@pytest.mark.parametrize("kind", KINDS)
def test_identical_pairs_are_one_request(db: Database, kind: str) -> None:
    from judge.data.records import prepare_pair
    from storage import pairs as pair_store

    rows = [{"external_id": key, "kind": "text", "request": "the same request", "ground_truth": "event('Order')",
             "generated": text} for key, text in (("a", "n=2"), ("b", "n=2"), ("c", "n=3"))]  # fmt: skip
    pair_store.add_pairs(db, "d", [prepare_pair(row) for row in rows])
    with FakeProviderServer(by_number) as server:
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01)
        sent = [cid for b in server.batches.batches.values() for cid, _ in b.requests]
    assert len(sent) == 2 and scores(db, run_id) == {"a": 3, "b": 3, "c": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_cancelled_by_someone_else_is_sent_again_not_left_unjudged(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(6)})
    with FakeProviderServer(by_number, batch_seconds=0.05) as server:
        cancelled: list[str] = []

        def meddle(done: int, total: int) -> None:  # someone cancels the first batch in the provider's console
            if not cancelled and server.batches.batches:
                first = next(iter(server.batches.batches.values()))
                server.batches._cancel(first)
                cancelled.append(first.id)

        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01, progress=meddle)
        assert cancelled and len(server.batches.batches) == 2
    assert scores(db, run_id) == {f"x{i}": 1 + i % 5 for i in range(6)}
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancel_while_batches_are_sent_sends_no_more(db: Database, kind: str) -> None:
    add_text_pairs(db, "d", {f"x{i}": f"event('Order') n={i}" for i in range(10)})
    cancel = threading.Event()
    with FakeProviderServer(by_number, batch_seconds=0.05) as server:
        original = server.batches._new

        def new_then_cancel(*args: Any) -> Any:
            cancel.set()  # the cancel comes while the first batch is being sent
            return original(*args)

        server.batches._new = new_then_cancel  # type: ignore[method-assign]
        run_id = run_batch(db, spec("d", kind), provider(kind, server), prices=PRICES, poll_every=0.01,
                           batch_size=2, cancel=cancel)  # fmt: skip
        assert len(server.batches.batches) == 1 and server.batches.cancels
    assert run_store.run_settings(db, run_id)["status"] == "cancelled"  # type: ignore[index]


def test_a_price_that_is_not_a_price_is_refused_when_the_table_is_read(tmp_path: Path) -> None:
    table = tmp_path / "prices.toml"
    for bad in ("batch_input = -3.0", "batch_output = nan", "input = inf", 'input = "cheap"', "input = true"):
        table.write_text(f"[models.m]\ninput = 1.0\noutput = 2.0\n{bad}\n".replace("input = 1.0\n", "")
                         if bad.startswith("input") else f"[models.m]\ninput = 1.0\noutput = 2.0\n{bad}\n")  # fmt: skip
        with pytest.raises(JudgeError, match="models.m needs numbers of 0 or more"):
            load_prices(table)
    table.write_text("[batch]\ndiscount = true\n")
    with pytest.raises(JudgeError, match="batch.discount"):
        load_prices(table)
