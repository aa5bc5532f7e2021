"""Repeat on N pairs (real calls under new sample numbers) and the reversed reading order, through the
real SDKs against the local fake provider."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judge.agreement.insights import insights, opposite_run
from judge.agreement.repeatability import repeatability
from judge.errors import JudgeError
from judge.llm import RunSpec, run_llm, stored_spec
from judge.llm.run import repeat_items, repeat_run
from storage import Database
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.llm.fake_server import FakeProviderServer, Reply, answer
from tests.llm.test_runs import PRICES, add_text_pairs, provider_for


def flaky(body: dict[str, Any], attempt: int) -> Reply:
    """A judge that changes its mind on the pairs marked FLAKY, at any temperature: 3 on odd tries, 4 on
    even ones; 4 on every other pair."""
    prompt = json.dumps(body)
    return Reply(text=answer(3 if "FLAKY" in prompt and attempt % 2 else 4))


def test_a_repeat_is_a_real_call_and_the_flip_rate_is_measured_at_temperature_0(db: Database) -> None:
    add_text_pairs(db, "d", {f"p{i}": f"event('Order') {'FLAKY' if i < 2 else ''} {i}" for i in range(4)})
    spec = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot", temperature=0.0)
    with FakeProviderServer(flaky) as server:
        provider = provider_for("openai", server)
        run_id = run_llm(db, spec, provider, prices=PRICES)
        assert len(server.received) == 4
        repeat_run(db, run_id, 4, provider, prices=PRICES)
        assert len(server.received) == 8  # every repeat reached the provider: none came from the cache
        assert result_store.results_frame(db, run_id)["sample"].tolist() == [0] * 4  # the run's own, for its figures
        results = result_store.results_frame(db, run_id, repeats=True)
        assert sorted(results.groupby("pair_id")["sample"].apply(sorted).tolist()) == [[0, 1]] * 4
        measured = repeatability(results, rating_store.ratings_frame(db).groupby("pair_id")["score"].first())
        assert measured.flip_rate == 0.5 and measured.straddle_rate == 0.5  # the two FLAKY pairs: 3 then 4
        repeat_run(db, run_id, 2, provider, prices=PRICES)  # the fewest judgments first: two pairs get a third
        again = result_store.results_frame(db, run_id, repeats=True)
    assert len(again) == 10 and not again.duplicated(["pair_id", "sample"]).any()
    assert sorted(again.groupby("pair_id").size().tolist()) == [2, 2, 3, 3]
    settings = run_store.run_settings(db, run_id)
    assert settings is not None and settings["planned"] == 10 and settings["status"] == "finished"


def test_a_repeat_says_why_it_cannot_and_refuses_other_runs(db: Database) -> None:
    add_text_pairs(db, "d", {"p0": "event('Order') 0"})
    spec = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot", samples=20)
    with FakeProviderServer() as server:
        run_id = run_llm(db, spec, provider_for("openai", server), prices=PRICES)
    with pytest.raises(JudgeError, match="no pair left to repeat"):
        repeat_items(db, run_id, 1)
    with pytest.raises(JudgeError, match="1 or more pairs"):
        repeat_items(db, run_id, 0)
    with pytest.raises(JudgeError, match="no LLM judge run"):
        repeat_items(db, 999, 1)


def test_the_reversed_order_shows_generated_first_and_the_rubric_worst_first(db: Database) -> None:
    add_text_pairs(db, "d", {f"p{i}": f"event('Order') {i}" for i in range(12)})
    base = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot@2")
    with FakeProviderServer() as server:
        provider = provider_for("openai", server)
        normal = run_llm(db, base, provider, prices=PRICES)
        flipped = run_llm(db, RunSpec(**{**base.__dict__, "order": "reversed"}), provider, prices=PRICES)
        assert len(server.received) == 24  # a reversed prompt is another call, not a cached answer
        bodies = [b for _, b, _ in server.received]
        hot = run_llm(db, RunSpec(**{**base.__dict__, "order": "reversed", "temperature": 1.0}), provider,
                      prices=PRICES)  # fmt: skip
    first, last = (b["messages"][-1]["content"] for b in (bodies[0], bodies[-1]))
    assert first.index("<ground_truth>") < first.index("<generated>")
    assert last.index("<generated>") < last.index("<ground_truth>")
    system_first, system_last = bodies[0]["messages"][0]["content"], bodies[-1]["messages"][0]["content"]
    assert system_first.index("\n5 ") < system_first.index("\n1 ") and system_last.index("\n1 ") < system_last.index("\n5 ")
    assert "generated first" in str((run_store.run_settings(db, flipped) or {})["name"])
    assert opposite_run(db, normal) == flipped and opposite_run(db, flipped) == normal
    assert opposite_run(db, hot) is None  # another temperature: a difference would not be the order's
    rating_store.add_ratings(db, [rating_store.NewRating(_pair(db, f"p{i}"), "ann", 4, None, None, f"t{i}")
                                  for i in range(12)])  # fmt: skip
    found = insights(db, flipped)
    assert found.order is not None and found.order.pairs == 12 and found.order.mean == 0.0
    assert "does not move the score" in found.order.reading



def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(JudgeError, match="reading order"):
        RunSpec(dataset="d", provider="openai", model="m", prompt="judge-cot", order="sideways")


def _pair(db: Database, external_id: str) -> int:
    from storage.sql import fetch_one

    row = fetch_one(db, "SELECT id FROM pairs WHERE external_id = ?", [external_id])
    assert row is not None
    return int(row[0])


def test_repeats_never_move_the_runs_figures_and_a_cancelled_repeat_keeps_its_count_whole(db: Database) -> None:
    import threading

    from judge.agreement.report import report

    add_text_pairs(db, "d", {f"p{i}": f"event('Order') FLAKY {i}" for i in range(6)})
    rating_store.add_ratings(db, [rating_store.NewRating(_pair(db, f"p{i}"), "ann", 4, None, None, f"t{i}")
                                  for i in range(6)])  # fmt: skip
    spec = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot")
    with FakeProviderServer(flaky) as server:
        provider = provider_for("openai", server)
        run_id = run_llm(db, spec, provider, prices=PRICES)
        before = report(db, run_id, resamples=50)
        repeat_run(db, run_id, 6, provider, prices=PRICES)  # every repeat answers 4 where the first said 3
        after = report(db, run_id, resamples=50)
        assert [f.value for f in after.figures] == [f.value for f in before.figures]
        stop = threading.Event()
        stop.set()  # cancelled before any call: nothing is added, and the run is finished as it was
        repeat_run(db, run_id, 6, provider, prices=PRICES, cancel=stop)
    settings = run_store.run_settings(db, run_id)
    assert settings is not None and settings["status"] == "finished"
    assert settings["planned"] == len(result_store.judged_samples(db, run_id)) == 12


def test_a_repeat_is_refused_on_a_run_that_is_not_finished(db: Database) -> None:
    from judge.llm.run import new_llm_run

    add_text_pairs(db, "d", {"p0": "event('Order') 0", "p1": "event('Order') 1"})
    spec = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot")
    created = new_llm_run(db, spec)
    with pytest.raises(JudgeError, match="not finished: resume it first"):
        repeat_items(db, created, 1)
    run_store.set_run_status(db, created, "cancelled")
    with pytest.raises(JudgeError, match="not finished"):
        repeat_items(db, created, 1)


def test_the_app_starts_one_repeat_of_a_run_at_a_time(db: Database) -> None:
    import threading

    from judge.jobs import Jobs

    add_text_pairs(db, "d", {f"p{i}": f"event('Order') {i}" for i in range(3)})
    release = threading.Event()

    def slow(body: dict[str, Any], attempt: int) -> Reply:
        release.wait(10)
        return Reply(text=answer(4))

    with FakeProviderServer(slow) as server:
        spec = RunSpec(dataset="d", provider="openai-compatible", model="judge-model", prompt="judge-cot",
                       base_url=f"{server.url}/v1")  # fmt: skip
        release.set()
        run_id = run_llm(db, spec, provider_for("openai-compatible", server), prices=PRICES)
        release.clear()
        jobs = Jobs(db)
        assert jobs.repeat(run_id, 3, {}) == 3
        with pytest.raises(JudgeError, match="working already"):
            jobs.repeat(run_id, 3, {})
        release.set()
        jobs.wait(run_id, 30)
    assert len(result_store.results_frame(db, run_id, repeats=True)) == 6


def test_a_repeat_cut_off_by_a_crash_leaves_a_whole_count_after_resume(db: Database) -> None:
    from judge.judgment import Judgment

    add_text_pairs(db, "d", {f"p{i}": f"event('Order') {i}" for i in range(4)})
    spec = RunSpec(dataset="d", provider="openai", model="judge-model", prompt="judge-cot")
    with FakeProviderServer() as server:
        provider = provider_for("openai", server)
        run_id = run_llm(db, spec, provider, prices=PRICES)
        # what a kill -9 half-way through a repeat leaves: the run marked running, two repeats stored
        run_store.set_run_status(db, run_id, "running")
        result_store.add_judgments(db, run_id, [Judgment("llm", 4).of(_pair(db, f"p{i}"), 1) for i in range(2)])
        run_llm(db, spec, provider, prices=PRICES, resume=run_id)  # the Judge page's "Resume run N"
    settings = run_store.run_settings(db, run_id)
    assert settings is not None and settings["status"] == "finished"
    assert settings["planned"] == len(result_store.judged_samples(db, run_id)) == 6


def test_a_run_imported_without_its_settings_is_not_repeated(db: Database) -> None:
    from judge.judgment import Judgment

    add_text_pairs(db, "d", {"p0": "event('Order') 0"})
    run_id = run_store.create_run(db, name="from a file", judge_kind="llm", status="finished",
                                  parameters={"dataset": "d", "provider": "openai", "model": "m"})  # fmt: skip
    result_store.add_judgments(db, run_id, [Judgment("llm", 3).of(_pair(db, "p0"))])
    with pytest.raises(JudgeError, match="imported without the settings"):
        repeat_items(db, run_id, 1)
    bare = run_store.create_run(db, name="bare", judge_kind="llm", status="finished", parameters={})
    with pytest.raises(JudgeError, match="imported without the settings"):
        repeat_items(db, bare, 1)
    with pytest.raises(JudgeError, match="does not record its dataset, provider, model, prompt"):
        stored_spec(db, bare)
