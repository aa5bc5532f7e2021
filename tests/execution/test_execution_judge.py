"""The execution judge: semantics on hand-made rows, detection on the demo set, hostile names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from judge.audience import parse
from judge.audience.printer import quote
from judge.demo.store import store_demo
from judge.execution.compiler import NOW, compile_definition
from judge.execution.database import Sandbox
from judge.execution.judge import judge_execution
from judge.execution.run import run_execution
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from storage import runs as run_store

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def shop() -> Sandbox:
    """Four users in two accounts (account 2 has none), with a few traits and events."""
    box = Sandbox()
    con = box.connection
    con.execute("INSERT INTO accounts VALUES (0), (1), (2)")
    con.execute("INSERT INTO users VALUES (0, 0), (1, 0), (2, 1), (3, 1)")
    con.execute(
        """INSERT INTO traits VALUES (0, 'user', 'plan', NULL, 'pro', NULL), (1, 'user', 'plan', NULL, 'free', NULL),
           (2, 'user', 'plan', NULL, 'pro', NULL), (0, 'user', 'spend', 100, NULL, NULL),
           (1, 'user', 'spend', 99.5, NULL, NULL), (0, 'account', 'tier', NULL, 'gold', NULL)"""
    )
    events = [(0, 0, "Order", NOW - 7 * DAY, "web"), (1, 0, "Order", NOW - 8 * DAY, "app"),
              (2, 1, "Order", NOW - 1 * DAY, None), (3, 2, "View", NOW - 2 * DAY, "web"),
              (4, 2, "Order", NOW - 2 * DAY + timedelta(hours=5), "web")]  # fmt: skip
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", events)
    con.execute(
        """INSERT INTO props VALUES (0, 'property', 'total', 50, NULL, NULL), (1, 'property', 'total', 150, NULL, NULL),
           (2, 'property', 'total', 50, NULL, NULL), (4, 'property', 'total', 20, NULL, NULL),
           (0, 'property', 'sku', NULL, 'a', NULL), (1, 'property', 'sku', NULL, 'b', NULL),
           (2, 'property', 'sku', NULL, 'a', NULL)"""
    )
    box.users, box.accounts = 4, 3
    return box


def members(box: Sandbox, text: str) -> list[int]:
    compiled = compile_definition(parse(text))
    return [row[0] for row in box.query(compiled.sql, compiled.params)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trait('plan') != 'pro'", [1]),  # differs is false when the value is missing (user 3)
        ("NOT trait('plan') = 'pro'", [1, 3]),
        ("trait('plan').absent()", [3]),
        ("trait('spend') >= 100", [0]),
        ("trait('spend') > 99", [0, 1]),
        ("event('Order').within(7 days).count() >= 1", [0, 1, 2]),  # the window edge is inside
        ("event('Order').within(167 hours).count() >= 1", [1, 2]),
        ("event('Order').between(7 days, 9 days).count() >= 1", [0]),
        ("event('Order').count() >= 2", [0]),
        ("event('Order').where(property('total') > 100).count() >= 1", [0]),
        ("event('Order').sum(property('total')) < 60", [1, 2, 3]),  # nothing sums to 0
        ("event('Order').avg(property('total')) < 60", [1, 2]),  # the average of nothing is missing
        ("event('Order').unique(property('sku')).count() >= 2", [0]),
        ("event('Order').first(property('total')) = 150", [0]),
        ("event('Order').last(property('total')) = 50", [0, 1]),
        ("event('Order').mode(property('sku'), 2) = 'a'", []),
        ("event('Order').sources(exclude: 'app').count() >= 2", []),
        ("event('Order').sources(exclude: 'app').count() >= 1", [0, 1, 2]),
        ("event('View').where(event('Order').within(parent: 6 hours).count() >= 1).count() >= 1", [2]),
        ("event('View').where(event('Order').within(parent: 4 hours).count() >= 1).count() >= 1", []),
    ],
)
def test_user_audiences(shop: Sandbox, text: str, expected: list[int]) -> None:
    assert members(shop, text) == expected


def test_account_audiences(shop: Sandbox) -> None:
    assert members(shop, "ANY trait('plan') = 'free'") == [0]
    assert members(shop, "ALL trait('plan') = 'pro'") == [
        2
    ]  # user 3 has no plan; account 2 no users: vacuous
    assert members(shop, "ALL NOT event('Order').count() >= 1") == [2]
    assert members(shop, "trait('tier') = 'gold' AND ANY event('Order').count() >= 1") == [0]


def test_a_hostile_name_is_a_plain_name(shop: Sandbox) -> None:
    hostile = "x'); DROP TABLE events; --"
    assert members(shop, f"event({quote(hostile)}).count() >= 1") == []
    assert members(shop, "event('Order').count() >= 1") == [0, 1, 2]
    compiled = compile_definition(parse("trait('x\\'); DROP TABLE traits; --') = 'a'"))
    assert "DROP" not in compiled.sql
    assert "x'); DROP TABLE traits; --" in compiled.params.values()


def test_scores_name_the_rubric_line_that_applies() -> None:
    same = judge_execution("event('A').count() > 0", "event('A').count() >= 1")
    assert (same.score, same.evidence["canonical_equal"]) == (5, True)  # type: ignore[index]
    invalid = judge_execution("event('A').count() >= 1", "event('A').count( >= 1")
    assert invalid.score == 1 and "not a valid audience" in (invalid.reasoning or "")
    assert (invalid.reasoning or "").startswith("Rubric 1 (Very bad)")
    wrong = judge_execution(
        "event('Order Completed').within(7 days).count() >= 1",
        "event('Product Viewed').within(7 days).count() >= 1",
    )
    assert wrong.score == 1
    assert (wrong.reasoning or "").startswith("Rubric 1 (Very bad): A different audience")
    assert "changed event: Order Completed -> Product Viewed" in (wrong.reasoning or "")


def test_a_run_is_stored_and_resumes_without_judging_twice() -> None:
    db = Database()
    store_demo(db, count=12)
    run_id = run_execution(db, "demo")
    results = result_store.results_frame(db, run_id)
    assert len(results) == 12 and results["pair_id"].is_unique
    assert run_execution(db, "demo", resume=run_id) == run_id
    assert len(result_store.results_frame(db, run_id)) == 12


def test_a_pair_that_cannot_be_judged_is_an_error_and_the_run_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong with one pair is recorded for that pair; --resume then has nothing left to redo."""
    import judge.execution.run as run_module

    db = Database()
    store_demo(db, count=6)
    doomed, *sides = pair_store.audience_pairs(db, "demo")[2]
    real = run_module.judge_execution

    def flaky(truth: str, generated: str, *args: object, **kwargs: object) -> object:
        if [truth, generated] == sides:
            raise RuntimeError("the database refused a value")
        return real(truth, generated, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "judge_execution", flaky)
    run_id = run_execution(db, "demo")
    results = result_store.results_frame(db, run_id).set_index("pair_id")
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]
    assert "could not be judged: RuntimeError: the database refused a value" in results.at[doomed, "error"]
    assert results.drop(index=doomed)["score"].notna().all()
    assert run_execution(db, "demo", resume=run_id) == run_id and len(result_store.results_frame(db, run_id)) == 6


def test_numbers_past_2_53_do_not_crash_a_run() -> None:
    """Once an ArrowInvalid on every run, and a --resume that failed on the same pair forever."""
    from judge.data.records import prepare_pair

    db = Database()
    rows = [{"external_id": "big", "ground_truth": "trait('p') = 9007199254740993", "generated": "trait('p') = 9007199254740992"},
            {"external_id": "huge", "ground_truth": "trait('p') >= 9223372036854775807", "generated": "trait('p') > 1e300"}]  # fmt: skip
    pair_store.add_pairs(db, "big", [prepare_pair(row) for row in rows])
    run_id = run_execution(db, "big")
    results = result_store.results_frame(db, run_id)
    assert run_store.run_settings(db, run_id)["status"] == "finished"  # type: ignore[index]
    assert results["error"].isna().all() and set(results["score"]) <= {1, 2, 3, 4}
