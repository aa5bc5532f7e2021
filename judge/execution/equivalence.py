"""Run two definitions on built boundary cases and drawn databases; report where their audiences differ."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from judge.audience import Definition, canonical
from judge.execution.boundaries import Coverage, boundary_plans
from judge.execution.compiler import compile_definition, compile_variants
from judge.execution.database import ID_SPAN, Sandbox, constants_of

__all__ = ["DEFAULT_SEEDS", "DatabaseEvidence", "Evidence", "Verdict", "compare"]

DEFAULT_SEEDS = (1, 2, 3)
"""Databases per comparison; each seed gives different rows around the same constants."""
CONFIRM_SEEDS = (4, 5, 6, 7, 8)
"""More databases, tried one by one when the first ones find no difference (until one does)."""
EXAMPLES_PER_SIDE = 2
"""Members shown from each side, on the first database where the audiences differ."""


@dataclass(frozen=True)
class Example:
    """A member of one audience and not the other, with the rows that explain it."""

    id: int
    only_in: Literal["ground_truth", "generated"]
    traits: dict[str, Any]
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class DatabaseEvidence:
    seed: int  # the drawn database's seed; 0 for the database of built boundary cases
    population: int
    ground_truth_size: int
    generated_size: int
    overlap: int
    precision: float
    recall: float
    f1: float
    examples: list[Example] = field(default_factory=list)
    kind: Literal["boundary", "random"] = "random"

    @property
    def differs(self) -> bool:
        return not self.overlap == self.ground_truth_size == self.generated_size

    @property
    def label(self) -> str:
        return "the boundary cases" if self.kind == "boundary" else f"random database {self.seed}"


Verdict = Literal["equivalent", "differs", "not_shown_different"]


@dataclass(frozen=True)
class Evidence:
    """``equivalent``: canonical forms equal, or the same members on every database with every boundary
    of both definitions probed; ``not_shown_different``: the same members, but ``not_probed`` lists
    boundaries no built user could reach; ``differs``: some member is in one audience only."""

    verdict: Verdict
    canonical_equal: bool
    databases: list[DatabaseEvidence]
    probed: list[dict[str, Any]] = field(default_factory=list)  # per comparison: cases built, cases deciding
    not_probed: list[dict[str, str]] = field(default_factory=list)  # side, condition, why

    @property
    def mean_f1(self) -> float:
        return sum(d.f1 for d in self.databases) / len(self.databases) if self.databases else 1.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "mean_f1": round(self.mean_f1, 4)}


def compare(
    truth: Definition,
    generated: Definition,
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    sandbox: Sandbox | None = None,
    confirm: tuple[int, ...] = CONFIRM_SEEDS,
) -> Evidence:
    """Execute both on the boundary cases built from both and on ``seeds`` databases drawn around
    their constants.

    A pair no database tells apart is what costs a wrong verdict, so before calling it equivalent
    the judge checks on the database that each built case lets its comparison decide, and tries
    the ``confirm`` databases too. Pairs that differ on the first ones cost no more.
    """
    if canonical(truth) == canonical(generated):
        return Evidence("equivalent", True, [])
    own = sandbox is None
    box = sandbox or Sandbox()
    plans, coverage = boundary_plans(truth, generated)
    decided: list[bool] = []
    try:
        found = constants_of(truth, generated)
        first, second = compile_definition(truth), compile_definition(generated)
        databases: list[DatabaseEvidence] = []
        for batch, built in ((seeds, plans), (confirm, None)):
            if not batch or any(d.differs for d in databases):
                break
            populations = box.load(found, batch, plans=built)  # side by side, apart by id (see ID_SPAN)
            every_a, every_b = box.query(first.sql, first.params), box.query(second.sql, second.params)
            labels = [(seed, "random") for seed in batch] + ([(0, "boundary")] if built is not None else [])
            for index, (seed, kind) in enumerate(labels):
                a = {row for row in every_a if row[0] // ID_SPAN == index}
                b = {row for row in every_b if row[0] // ID_SPAN == index}
                explain = a != b and not any(d.examples for d in databases)  # from the first that differs
                population = populations[index]
                if kind == "random" and truth.definition_type == "ACCOUNTS":
                    population = box.accounts
                databases.append(_evidence(box, seed, kind, index * ID_SPAN, population, a, b,
                                           truth.definition_type, explain))  # fmt: skip
            if built is not None and not any(d.differs for d in databases):
                decided = _decided(box, coverage, {"ground_truth": truth, "generated": generated}, len(batch) * ID_SPAN)
    finally:
        if own:
            box.close()
    databases.sort(key=lambda d: d.kind != "boundary")
    probed, gaps = _coverage(coverage, decided)
    if any(d.differs for d in databases):
        return Evidence("differs", False, databases, probed, gaps)
    return Evidence("not_shown_different" if gaps else "equivalent", False, databases, probed, gaps)


def _decided(box: Sandbox, coverage: Coverage, sides: dict[str, Definition], first_id: int) -> list[bool]:
    """For each probe: whether, on its built user, its comparison decides the definition it belongs to."""
    member: dict[tuple[str, int], list[bool]] = {}
    for side, definition in sides.items():
        if not definition.is_audience:
            continue
        leaves = coverage.leaves[side]  # type: ignore[index]
        variants = [{id(leaf): value} for leaf in leaves for value in (True, False)]
        compiled = compile_variants(definition, variants)
        for row in box.query(compiled.sql, compiled.params):
            if row[0] >= first_id:
                member[(side, row[0] - first_id)] = list(row[1:])
    decided = []
    for index, probe in enumerate(coverage.probes):
        row = member.get((probe.side, index))
        decided.append(row is not None and row[2 * probe.leaf] != row[2 * probe.leaf + 1])
    return decided


def _coverage(coverage: Coverage, decided: list[bool]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Per comparison, how many cases were built and decided; and every gap, with undecided cases."""
    probed: dict[tuple[str, str], dict[str, Any]] = {}
    undecided: dict[tuple[str, str], list[str]] = {}
    for index, probe in enumerate(coverage.probes):
        entry = probed.setdefault((probe.side, probe.condition),
                                  {"side": probe.side, "condition": probe.condition, "cases": 0, "deciding": 0})  # fmt: skip
        entry["cases"] += 1
        if not decided:
            entry["deciding"] = None  # checked only where no difference was found
        else:
            entry["deciding"] += decided[index]
            if probe.required and not decided[index]:
                undecided.setdefault((probe.side, probe.condition), []).append(probe.setting)
    gaps = [{"side": g.side, "condition": g.condition, "why": g.why} for g in coverage.gaps]
    for (side, condition), settings in undecided.items():
        shown = "; ".join(settings[:3]) + (f"; and {len(settings) - 3} more" if len(settings) > 3 else "")
        gaps.append({"side": side, "condition": condition, "why": f"no built user on whom it decides: {shown}"})
    return list(probed.values()), gaps


def _evidence(
    box: Sandbox, seed: int, source: Literal["boundary", "random"], first_id: int, population: int,
    a: set[Any], b: set[Any], kind: str, explain: bool,
) -> DatabaseEvidence:
    overlap = len(a & b)
    precision = overlap / len(b) if b else (1.0 if not a else 0.0)
    recall = overlap / len(a) if a else (1.0 if not b else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if not a and not b:
        f1 = 1.0
    examples = []
    if explain:
        examples = [_example(box, row[0], first_id, "ground_truth", kind) for row in sorted(a - b)[:EXAMPLES_PER_SIDE]]
        examples += [_example(box, row[0], first_id, "generated", kind) for row in sorted(b - a)[:EXAMPLES_PER_SIDE]]
    return DatabaseEvidence(seed, population, len(a), len(b), overlap, round(precision, 4), round(recall, 4),
                            round(f1, 4), examples, source)  # fmt: skip


def _example(
    box: Sandbox, member: int, first_id: int, only_in: Literal["ground_truth", "generated"], kind: str
) -> Example:
    """``member``'s rows; ids are shown as in its own database (without ``first_id``)."""
    level = "account" if kind == "ACCOUNTS" else "user"
    traits = {
        name: _value(num, text, flag)
        for name, num, text, flag in box.query(
            "SELECT name, num, str, bool FROM traits WHERE owner = $id AND level = $level ORDER BY name",
            {"id": member, "level": level},
        )
    }
    users = "SELECT user_id FROM users WHERE account_id = $id" if level == "account" else "SELECT $id"
    rows = box.query(
        f"""SELECT e.event_id, e.user_id, e.name, e.ts, e.source,
                   list(struct_pack(kind := p.kind, name := p.name, num := p.num, str := p.str, bool := p.bool))
                   FILTER (WHERE p.name IS NOT NULL)
            FROM events e LEFT JOIN props p ON p.event_id = e.event_id
            WHERE e.user_id IN ({users}) GROUP BY ALL ORDER BY e.ts DESC LIMIT 12""",  # noqa: S608
        {"id": member},
    )
    events = [
        {"user": user - first_id, "event": name, "at": ts.isoformat(sep=" "), "source": source,
         **{f"{p['kind']}.{p['name']}": _value(p["num"], p["str"], p["bool"]) for p in props or []}}
        for _, user, name, ts, source, props in rows
    ]  # fmt: skip
    return Example(member - first_id, only_in, traits, events)


def _value(num: float | None, text: str | None, flag: bool | None) -> Any:
    if num is not None:
        return int(num) if float(num).is_integer() else num
    return text if text is not None else flag
