"""Boundary cases: the execution judge never calls two different audiences equivalent.

Each class of pair that once scored 5 while selecting other people is checked here
as a class (high counts, fractions with nothing between them, windows, funnels, ANY/ALL,
numbers past 2^53); the demo pairs score the rubric score of their mutation kind; a
property test mutates generated definitions at random thresholds.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from judge.audience import parse, to_text
from judge.demo import DEFAULT_SEED, demo_pairs
from judge.execution.boundaries import boundary_plans, flatten
from judge.execution.compiler import compile_definition
from judge.execution.database import Sandbox, constants_of
from judge.execution.judge import judge_execution
from judge.rubric import DEFAULT_RUBRIC_PATH, RubricError, load_rubric

RUBRIC_OF_MUTATION = {
    "identical": 5, "reorder_junction": 5, "count_greater_than_zero": 5, "not_count_zero": 5,
    "hours_for_days": 5, "one_of_expanded": 5, "de_morgan": 5,
    "threshold_off_by_one": 3, "strict_for_inclusive": 3, "window_changed": 3,  # one detail changes who is in
    "condition_dropped": 2, "condition_added": 2, "and_or_swapped": 2,  # a condition missing or added, AND/OR
    "wrong_event": 1, "not_dropped": 1,  # a different audience, logic inverted
}  # fmt: skip


@pytest.fixture(scope="module")
def box() -> Sandbox:
    sandbox = Sandbox()
    yield sandbox
    sandbox.close()


def judged(box: Sandbox, truth: str, generated: str) -> tuple[int | None, str, dict]:
    judgment = judge_execution(truth, generated, sandbox=box)
    assert judgment.evidence is not None
    return judgment.score, judgment.evidence.get("verdict", "invalid"), judgment.evidence


# ---- the classes that once scored 5 ---------------------------------------------------------------

DIFFERENT = [
    # counts past the handful a drawn database gives a user
    ("event('A').count() >= 20", "event('A').count() >= 21", 3),
    ("event('A').within(30 days).count() >= 15", "event('A').within(30 days).count() > 15", 3),
    ("event('A').unique(property('p')).count() >= 20", "event('A').unique(property('p')).count() >= 25", 3),
    ("event('A').count() >= 500", "event('A').count() >= 501", 3),
    ("event('A').count() <= 9999", "event('A').count() < 9999", 3),
    ("event('A').within(30 days).count() >= 15", "event('B').within(31 days).count() > 16", 1),
    ("event('A').count() >= 20", "event('A').unique(property('p')).count() >= 20", 2),
    # fractions with no drawn value between them
    ("trait('p') >= 18", "trait('p') > 17.9", 3),
    ("event('A').where(property('n') > 2.5).count() >= 1", "event('A').where(property('n') >= 3).count() >= 1", 3),
    ("trait('p') < 0.1", "trait('p') <= 0.1", 3),
    ("event('A').sum(property('v')) >= 100.5", "event('A').sum(property('v')) > 100.5", 3),
    # windows at both edges, and one event more or less at them
    ("event('A').within(7 days).count() >= 40", "event('A').within(167 hours).count() >= 40", 3),
    ("event('A').between(7 days, 30 days).count() >= 12", "event('A').between(7 days, 31 days).count() >= 12", 3),
    # reducers that agree on a single event
    ("event('A').sum(property('v')) >= 100", "event('A').avg(property('v')) >= 100", 2),
    ("event('A').first(property('v')) >= 100", "event('A').last(property('v')) >= 100", 2),
    # a funnel with high counts, and accounts
    ("event('A').where(event('B').within(parent: 6 hours).count() = 250).within(1 days).count() >= 251",
     "event('A').where(event('B').within(parent: 1 hours).count() = 250).within(1 days).count() >= 251", 3),
    ("ALL NOT event('A').within(1 days).count() >= 18", "ALL NOT event('B').within(1 days).count() >= 18", 1),
    ("ANY trait('plan') = 'pro'", "ALL trait('plan') = 'pro'", 2),
    # found by an attack: text matches that need a join of the constants, a literal written first,
    # NOT = against != (they part where the value is missing), an account's count against ANY
    ("trait('s').contains('ab')", "trait('s').contains('a') AND trait('s').contains('b')", 2),
    ("trait('s') = 'ab'", "trait('s').starts_with('ab') AND trait('s').ends_with('ab')", 2),
    ("trait('x') >= 5", "5 < trait('x')", 3),
    ("event('A').count() >= 3", "3 < event('A').count()", 3),
    ("NOT trait('plan') = 'pro'", "trait('plan') != 'pro'", 2),
    # a condition dropped from a pair, added around a junction
    ("trait('a') > 1000 OR trait('b') >= 20", "(trait('a') > 1000 OR trait('b') >= 20) AND trait('plan') = 'team'", 2),
]  # fmt: skip


@pytest.mark.parametrize(("truth", "generated", "score"), DIFFERENT)
def test_different_audiences_are_told_apart_and_scored_on_the_rubric(
    box: Sandbox, truth: str, generated: str, score: int
) -> None:
    got, verdict, evidence = judged(box, truth, generated)
    assert verdict == "differs", evidence.get("not_probed")
    assert got == score, evidence["kinds"]


NEVER_FIVE = [  # different audiences the builder cannot always separate: below 5, whatever else
    ("trait('city').contains('New') AND trait('city').contains('York')",
     "trait('city').contains('New') AND trait('city').contains('York') AND event('Order').count() >= 3"),
    ("event('A').sum(property('p')) >= 1000 AND event('A').max(property('p')) < 10",
     "event('A').sum(property('p')) >= 1000 AND event('A').max(property('p')) < 10 AND trait('plan') = 'pro'"),
    ("event('A').avg(property('p')) >= 10 AND event('A').min(property('p')) < 5",
     "event('A').avg(property('p')) >= 10 AND event('A').min(property('p')) < 5 AND trait('plan') = 'pro'"),
    ("trait('d').within_last(7 days)", "trait('d').within_last(7 days) AND trait('d').contains('T')"),
    ("trait('s').starts_with('a') AND trait('s').ends_with('b')", "trait('s').starts_with('a') AND trait('s').ends_with('c')"),
]  # fmt: skip


@pytest.mark.parametrize(("truth", "generated"), NEVER_FIVE)
def test_what_the_builder_cannot_separate_is_never_a_5(box: Sandbox, truth: str, generated: str) -> None:
    score, verdict, _ = judged(box, truth, generated)
    assert verdict != "equivalent" and score is not None and score < 5


ACCOUNTS = [  # an account's events come from all its users: a count over the account is not ANY/ALL of one user
    ("event('A').count() >= 1000", "ANY event('A').count() >= 1000"),
    ("event('A').within(7 days).count() >= 15", "ANY event('A').within(7 days).count() >= 15"),
    ("event('A').count() < 1000", "ALL event('A').count() < 1000"),
]


@pytest.mark.parametrize(("truth", "generated"), ACCOUNTS)
def test_a_count_over_an_account_is_told_from_one_over_a_user(box: Sandbox, truth: str, generated: str) -> None:
    as_accounts = [json.dumps({"definition_type": "ACCOUNTS", "root": parse(t).to_json()["root"]}) for t in (truth, generated)]
    score, verdict, _ = judged(box, *as_accounts)
    assert verdict == "differs" and score is not None and score < 5


def test_a_count_past_what_a_probe_builds_is_scored_by_its_structure(box: Sandbox) -> None:
    score, verdict, evidence = judged(box, "event('A').count() >= 30000", "event('A').count() >= 30001")
    assert verdict in ("differs", "not_shown_different") and score == 3 and evidence["kinds"] == ["threshold"]


def test_a_5_reports_no_kinds_of_difference(box: Sandbox) -> None:
    score, _, evidence = judged(box, "event('A').within(7 days).count() >= 1", "event('A').within(168 hours).count() > 0")
    assert score == 5 and evidence["kinds"] == [] and "Differences" not in judge_execution(
        "event('A').within(7 days).count() >= 1", "event('A').within(168 hours).count() > 0").reasoning  # type: ignore[operator]


def test_a_threshold_of_500_gets_users_with_499_500_and_501_events(box: Sandbox) -> None:
    truth, generated = parse("event('A').count() >= 500"), parse("event('A').count() > 500")
    plans, coverage = boundary_plans(truth, generated)
    box.load(constants_of(truth, generated), (), plans=plans)
    counts = {n for (n,) in box.query("SELECT count(*) FROM events GROUP BY user_id", {})}
    assert {499, 500, 501} <= counts
    rows = box.query("SELECT count(*) FROM events", {})[0][0]
    assert rows == sum(b.count for plan in plans for b in plan.bursts)  # expanded in SQL, one row per burst here
    assert sum(len(plan.bursts) for plan in plans) < 100


def test_numbers_past_2_53_are_a_gap_never_equivalent(box: Sandbox) -> None:
    """Doubles cannot tell them apart, so the data says nothing; the constants differ, so the structure scores it."""
    score, verdict, evidence = judged(box, "trait('p') = 9007199254740993", "trait('p') = 9007199254740992")
    assert (verdict, score) == ("not_shown_different", 3)
    assert any("past 2^53" in gap["why"] for gap in evidence["not_probed"])


EQUIVALENT = [
    # the spec's list: canonical forms equal
    ("event('A').count() >= 1", "event('A').count() > 0"),
    ("event('A').count() >= 1", "NOT event('A').count() = 0"),
    ("event('A').within(7 days).count() >= 1", "event('A').within(168 hours).count() >= 1"),
    ("trait('plan').one_of('a', 'b')", "trait('plan') = 'a' OR trait('plan') = 'b'"),
    ("trait('a') = 1 AND trait('b') = 2", "trait('b') = 2 AND trait('a') = 1"),
    ("NOT (trait('a') = 1 OR trait('b') = 2)", "NOT trait('a') = 1 AND NOT trait('b') = 2"),
    ("ALL NOT trait('a') = 1", "NOT ANY trait('a') = 1"),
    # not canonical: equal on every boundary case, each checked to decide
    ("trait('x') > 5 AND trait('x') > 3", "trait('x') > 5"),
    ("event('A').within(7 days).count() >= 1 OR event('A').within(3 days).count() >= 1",
     "event('A').within(7 days).count() >= 1"),
    ("event('A').count() >= 300 AND event('A').count() >= 2", "event('A').count() >= 300"),
    ("trait('age') >= 18 AND trait('age') < 65", "trait('age') < 65 AND trait('age') >= 18 AND trait('age') > 17"),
]  # fmt: skip


@pytest.mark.parametrize(("truth", "generated"), EQUIVALENT)
def test_equivalent_rewrites_score_5(box: Sandbox, truth: str, generated: str) -> None:
    score, verdict, evidence = judged(box, truth, generated)
    assert (verdict, score) == ("equivalent", 5), evidence.get("not_probed")
    if not evidence["canonical_equal"]:
        assert evidence["probed"] and all(p["deciding"] for p in evidence["probed"])
        assert not evidence["not_probed"]


def test_what_cannot_be_probed_is_said_and_scores_below_5(box: Sandbox) -> None:
    """mode() is compared on drawn databases only: an equivalent rewrite is 'not shown different', not 5."""
    mode = "event('A').mode(property('p'), 2) = 'x'"
    score, verdict, evidence = judged(box, f"{mode} OR {mode} AND trait('t') = 1", mode)
    assert (verdict, score) == ("not_shown_different", 4)
    assert any("mode()" in gap["why"] for gap in evidence["not_probed"])
    assert "could not be probed" in judge_execution(f"{mode} OR {mode} AND trait('t') = 1", mode).reasoning  # type: ignore[operator]


def test_the_reason_names_the_separating_case(box: Sandbox) -> None:
    judgment = judge_execution("event('A').count() >= 20", "event('A').count() >= 21", sandbox=box)
    reason = judgment.reasoning or ""
    assert reason.startswith("Rubric 3 (Acceptable): Right idea, one detail changes who is in")
    assert "built for event('A').count() >= 20 of the ground truth: 20 matching events" in reason


# ---- the demo pairs: their mutation kinds are known ----------------------------------------------


@pytest.mark.parametrize(("count", "seed", "high"), [(200, DEFAULT_SEED, 0.0), (300, 7, 0.5)])
def test_every_demo_pair_scores_the_rubric_score_of_its_mutation(
    box: Sandbox, count: int, seed: int, high: float
) -> None:
    table: dict[str, Counter[int]] = defaultdict(Counter)
    for pair in demo_pairs(count, seed, high):
        judgment = judge_execution(to_text(pair.ground_truth), to_text(pair.generated), sandbox=box)
        table[pair.metadata["mutation"]][judgment.score] += 1  # type: ignore[index]
    print(f"\ndemo pairs ({count}, seed {seed}, high thresholds {high:.0%}): mutation -> scores")
    for mutation, scores in sorted(table.items()):
        print(f"  {mutation:25} rubric {RUBRIC_OF_MUTATION[mutation]}  judged {dict(scores)}")
    wrong = {m: dict(s) for m, s in table.items() if set(s) != {RUBRIC_OF_MUTATION[m]}}
    assert not wrong


# ---- mutations at random thresholds -----------------------------------------------------------------

OPS = (">=", ">", "<=", "<")


@st.composite
def atoms(draw: st.DrawFn, index: int) -> str:
    """One comparison with names of its own (so every one decides somewhere), at a random threshold."""
    op = draw(st.sampled_from(OPS))
    kind = draw(st.sampled_from(["count", "window", "trait", "where"]))
    if kind == "trait":
        return f"trait('t{index}') {op} {draw(st.integers(0, 100_000)) / 100}"
    if kind == "where":
        value = draw(st.integers(0, 100_000)) / 100
        return f"event('E{index}').where(property('p{index}') {op} {value}).count() >= 1"
    window = f".within({draw(st.integers(2, 365))} days)" if kind == "window" else ""
    return f"event('E{index}'){window}.count() {op} {draw(st.integers(1, 10_000))}"


@st.composite
def definitions_and_mutants(draw: st.DrawFn) -> tuple[str, list[str], str]:
    parts = [draw(atoms(i)) for i in range(draw(st.integers(1, 3)))]
    word = draw(st.sampled_from([" AND ", " OR "]))
    text = word.join(parts)
    target = draw(st.integers(0, len(parts) - 1))
    mutants = []
    for mutated in _mutations(parts[target]):
        mutants.append(word.join(parts[:target] + [mutated] + parts[target + 1 :]))
    return text, mutants, word.join(reversed(parts))


def _mutations(atom: str) -> list[str]:
    """Threshold +-1 (or +-0.01 for a fraction), > for >= and back, the window +-1 day."""
    head, op, value = next((atom.rpartition(f" {o} ")[0], o, atom.rpartition(f" {o} ")[2]) for o in OPS if f" {o} " in atom)
    suffix = ""
    if value.endswith(".count() >= 1"):  # the comparison is inside where()
        value, suffix = value.split(")", 1)[0], ")" + value.split(")", 1)[1]
    step = 0.01 if "." in value else 1
    number = float(value) if "." in value else int(value)
    found = [f"{head} {op} {round(number + d, 2) if step == 0.01 else number + d}{suffix}" for d in (-step, step)
             if (number + d) >= (0 if step == 0.01 else 1)]  # fmt: skip
    swapped = {">=": ">", ">": ">=", "<=": "<", "<": "<="}[op]
    found.append(f"{head} {swapped} {value}{suffix}")
    if ".within(" in atom:
        days = int(atom.split(".within(")[1].split(" days")[0])
        found += [atom.replace(f".within({days} days)", f".within({d} days)") for d in (days - 1, days + 1) if d >= 1]
    return found


_COSTLY = "event('E0').count() >= 1149 AND event('E1').where(property('p1') >= 0.0).count() >= 1 AND "
_WINDOW = "event('E2').within(2 days).count() >= 3850"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions_and_mutants())
# found here: every case carries ~5,000 events, and the window's edge cases came after the budget was spent
# on the comparisons both sides share, so a window of 3 days for 2 was "not shown different"
@example((_COSTLY + _WINDOW, [_COSTLY + _WINDOW.replace("2 days", "3 days"),
                              _COSTLY + _WINDOW.replace("2 days", "1 days")],
          _WINDOW + " AND " + " AND ".join(reversed(_COSTLY.split(" AND ")[:2]))))  # fmt: skip
def test_every_mutation_at_random_thresholds_is_detected(case: tuple[str, list[str], str]) -> None:
    text, mutants, reordered = case
    box = Sandbox()
    try:
        for mutant in mutants:
            score, verdict, evidence = judged(box, text, mutant)
            assert verdict == "differs" and score is not None and score < 5, (text, mutant, evidence.get("not_probed"))
        assert judged(box, text, reordered)[:2] == (5, "equivalent")
    finally:
        box.close()


# ---- the reference evaluator on the boundary databases -----------------------------------------------


def test_the_reference_agrees_with_the_sql_on_the_boundary_databases(box: Sandbox) -> None:
    from tests.execution.reference import Rows, evaluate

    checked, shapes = 0, Counter[str]()
    for pair in demo_pairs(80, 11, high=0.3) + demo_pairs(60, 3):
        truth, generated = pair.ground_truth, pair.generated
        plans, _ = boundary_plans(truth, generated)
        events = sum(b.count for p in plans for b in flatten(p.bursts))
        funnel = "parent:" in to_text(truth) + to_text(generated)  # each event against every other, in Python
        if not plans or events > (1_500 if funnel else 12_000):
            continue  # the plain-Python evaluator is slow on many events; the smaller ones cover every shape
        box.load(constants_of(truth, generated), (), plans=plans)
        tables = {name: box.query(f"SELECT * FROM {name}", {}) for name in ("accounts", "users", "traits", "events", "props")}  # noqa: S608
        rows = Rows.of(tables)
        for definition in (truth, generated):
            if not definition.is_audience:
                continue
            compiled = compile_definition(definition)
            by_sql = {r[0] for r in box.query(compiled.sql, compiled.params)}
            assert by_sql == evaluate(definition, rows), to_text(definition)
            checked += 1
        shapes.update({"funnel": funnel, "ACCOUNTS": truth.definition_type == "ACCOUNTS", "500+ events": events > 500})
    assert checked >= 100 and min(shapes[k] for k in ("funnel", "ACCOUNTS", "500+ events")) >= 3, shapes


# ---- a rubric of the team's own ----------------------------------------------------------------------


def test_a_team_rubric_changes_the_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, box: Sandbox) -> None:
    shipped = DEFAULT_RUBRIC_PATH.read_text()
    mine = tmp_path / "rubric.toml"
    mine.write_text(shipped.replace("threshold = 3 ", "threshold = 4 ").replace("version = 1", "version = 2"))
    monkeypatch.setenv("JUDGE_RUBRIC", str(mine))
    judgment = judge_execution("event('A').count() >= 20", "event('A').count() >= 21", sandbox=box)
    assert judgment.score == 4
    assert judgment.evidence["rubric"]["version"] == 2  # type: ignore[index]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("threshold = 3 ", "threshold = 7 "), "differences.threshold: must be a score of the scale 1-5"),
        (lambda t: t.replace("strictness = 3 ", ""), "differences.strictness: missing"),
        (lambda t: t.replace("[lines]", "colour = 'red'\n[lines]"), "unknown key 'colour'"),
        (lambda t: t.replace("3 = [", "6 = ["), "lines.3: missing .the scores are consecutive, 1 to 6"),
        (lambda t: t.replace("3 = [", "11 = ["), "lines.11: the lines are whole scores from 0 to 10"),
        (lambda t: t + "\nnonsense = [", "not valid TOML"),
    ],
)
def test_a_rubric_file_that_cannot_be_used_says_where(tmp_path: Path, edit: object, message: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(DEFAULT_RUBRIC_PATH.read_text()))  # type: ignore[operator]
    with pytest.raises(RubricError, match=message) as found:
        load_rubric(bad)
    assert str(bad) in str(found.value)


def test_evidence_is_json(box: Sandbox) -> None:
    assert json.dumps(judged(box, "event('A').count() >= 3", "event('A').count() > 3")[2])
