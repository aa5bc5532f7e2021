"""Run two definitions on the same seeded databases and report where their audiences differ."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from judge.audience import Definition, canonical
from judge.execution.compiler import compile_definition
from judge.execution.database import ID_SPAN, Sandbox, constants_of

__all__ = ["DEFAULT_SEEDS", "DatabaseEvidence", "Evidence", "compare"]

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
    seed: int
    population: int
    ground_truth_size: int
    generated_size: int
    overlap: int
    precision: float
    recall: float
    f1: float
    examples: list[Example] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return not self.overlap == self.ground_truth_size == self.generated_size


@dataclass(frozen=True)
class Evidence:
    """``equivalent``: canonical forms equal, or the same members on every database."""

    verdict: Literal["equivalent", "differs"]
    canonical_equal: bool
    databases: list[DatabaseEvidence]

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
    """Execute both on ``seeds`` databases built from their constants.

    A pair that no database tells apart is what costs a wrong verdict, so before
    calling it equivalent the ``confirm`` databases are tried too. Pairs that
    differ on the first ones cost no more.
    """
    if canonical(truth) == canonical(generated):
        return Evidence("equivalent", True, [])
    own = sandbox is None
    box = sandbox or Sandbox()
    try:
        found = constants_of(truth, generated)
        first, second = compile_definition(truth), compile_definition(generated)
        databases: list[DatabaseEvidence] = []
        for batch in (seeds, confirm):
            if not batch or any(d.differs for d in databases):
                break
            box.load(found, batch)  # the batch's databases side by side, apart by id (see ID_SPAN)
            every_a, every_b = box.query(first.sql, first.params), box.query(second.sql, second.params)
            for index, seed in enumerate(batch):
                a = {row for row in every_a if row[0] // ID_SPAN == index}
                b = {row for row in every_b if row[0] // ID_SPAN == index}
                explain = a != b and not any(d.examples for d in databases)  # from the first that differs
                databases.append(_evidence(box, seed, index * ID_SPAN, _population(box, truth), a, b,
                                           truth.definition_type, explain))  # fmt: skip
    finally:
        if own:
            box.close()
    differs = any(d.differs for d in databases)
    return Evidence("differs" if differs else "equivalent", False, databases)


def _population(box: Sandbox, definition: Definition) -> int:
    return box.accounts if definition.definition_type == "ACCOUNTS" else box.users


def _evidence(
    box: Sandbox, seed: int, first_id: int, population: int, a: set[Any], b: set[Any], kind: str, explain: bool
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
                            round(f1, 4), examples)  # fmt: skip


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
