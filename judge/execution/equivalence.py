"""Run two definitions on built boundary cases and drawn databases; report where their audiences differ."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from judge.audience import Definition, canonical
from judge.execution.boundaries import Coverage, boundary_plans
from judge.execution.compiler import compile_definition, compile_variants
from judge.execution.database import ID_SPAN, Sandbox, constants_of

__all__ = ["DEFAULT_SEEDS", "DatabaseEvidence", "Evidence", "Verdict", "compare"]

DEFAULT_SEEDS = (1,)
"""Drawn databases beside the boundary cases in the first round; each seed gives other rows around the constants."""
CONFIRM_SEEDS = (2, 3, 4, 5, 6, 7, 8)
"""More drawn databases, tried when the first round finds no difference: they reach what the builder
cannot (mode, windows relative to an event, ANY/ALL over several users, two values compared)."""
EVENTS_SHOWN = 12
"""Most recent events shown for an example member."""
EXAMPLES_PER_SIDE = 2
"""Members shown from each side, on the first database where the audiences differ."""


@dataclass(frozen=True)
class Example:
    """A member of one audience and not the other, with the rows that explain it."""

    id: int
    only_in: Literal["ground_truth", "generated"]
    traits: dict[str, Any]
    events: list[dict[str, Any]]
    built_for: str | None = None  # on the boundary cases: the comparison and the case it was built to probe


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
    not_probed: list[dict[str, Any]] = field(default_factory=list)  # side, condition, why, limit

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
            labels: list[tuple[int, Literal["boundary", "random"]]] = [(seed, "random") for seed in batch]
            labels += [(0, "boundary")] if built is not None else []
            for index in sorted(
                range(len(labels)), key=lambda i: labels[i][1] != "boundary"
            ):  # built ones explain best
                seed, kind = labels[index]
                a = {row for row in every_a if row[0] // ID_SPAN == index}
                b = {row for row in every_b if row[0] // ID_SPAN == index}
                explain = a != b and not any(d.examples for d in databases)  # from the first that differs
                population = populations[index]
                if kind == "random" and truth.definition_type == "ACCOUNTS":
                    population = box.accounts
                databases.append(_evidence(box, seed, kind, index * ID_SPAN, population, a, b,
                                           truth.definition_type, explain))  # fmt: skip
            if built is not None:
                _name_built(databases, coverage)
            if built is not None and not any(d.differs for d in databases):
                decided = _decided(
                    box, coverage, {"ground_truth": truth, "generated": generated}, len(batch) * ID_SPAN
                )
    finally:
        if own:
            box.close()
    probed, gaps = _coverage(coverage, decided)
    if any(d.differs for d in databases):
        return Evidence("differs", False, databases, probed, gaps)
    if all(d.ground_truth_size in (0, d.population) for d in databases):  # the data never told anyone apart
        beyond = bool(gaps) and all(g["limit"] for g in gaps)  # because its constants are past the limits
        gaps.append({"side": "ground_truth", "condition": "the whole definition", "limit": beyond,
                     "why": "on every test database it selects nobody or everybody"})  # fmt: skip
    return Evidence("not_shown_different" if gaps else "equivalent", False, databases, probed, gaps)


def _name_built(databases: list[DatabaseEvidence], coverage: Coverage) -> None:
    """Say of each example member of the boundary database what it was built to probe."""
    for d in databases:
        if d.kind == "boundary":
            for i, example in enumerate(d.examples):
                if example.id >= len(coverage.probes):
                    continue  # a second user of an account built for ANY/ALL
                probe = coverage.probes[example.id]
                side = "the ground truth" if probe.side == "ground_truth" else "the generated definition"
                d.examples[i] = replace(example, built_for=f"{probe.condition} of {side}: {probe.setting}")


def _decided(box: Sandbox, coverage: Coverage, sides: dict[str, Definition], first_id: int) -> list[bool]:
    """For each probe: whether, on its built user, its comparison decides the definition it belongs to."""
    member: dict[tuple[str, int], list[bool]] = {}
    for side, definition in sides.items():
        if not definition.is_audience:
            continue
        targets = coverage.targets[side]  # type: ignore[index]
        variants = [{id(target): value} for target in targets for value in (True, False)]
        compiled = compile_variants(definition, variants)
        for row in box.query(compiled.sql, compiled.params):
            if row[0] >= first_id:
                member[(side, row[0] - first_id)] = list(row[1:])
    decided = []
    for index, probe in enumerate(coverage.probes):
        found = member.get((probe.side, index))
        decided.append(found is not None and found[2 * probe.leaf] != found[2 * probe.leaf + 1])
    return decided


def _coverage(coverage: Coverage, decided: list[bool]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per comparison, how many cases were built and decided; and every gap: what could not be built,
    cases that do not decide where they should, and cases whose events do not hold as built."""
    probed: dict[tuple[str, str], dict[str, Any]] = {}
    failing: dict[str, dict[tuple[str, str], list[str]]] = {
        "no built user on whom it decides": {}, "its events interfere, so a case does not hold as built": {},
    }  # fmt: skip
    undecided, unsound = failing.values()
    required: dict[tuple[str, str], int] = {}
    for index, probe in enumerate(coverage.probes):
        key = (probe.side, probe.condition)
        required[key] = required.get(key, 0) + probe.required
        entry = probed.setdefault(
            key, {"side": probe.side, "condition": probe.condition, "cases": 0, "deciding": 0}
        )
        entry["cases"] += 1
        if not probe.sound:
            unsound.setdefault(key, []).append(probe.setting)
        if not decided:
            entry["deciding"] = None  # checked only where no difference was found
        else:
            entry["deciding"] += decided[index]
            if probe.required and not decided[index] and index not in coverage.cut:  # cut: a gap of its own
                undecided.setdefault(key, []).append(probe.setting)
    gaps: list[dict[str, Any]] = [{"side": g.side, "condition": g.condition, "why": g.why, "limit": g.limit}
                                  for g in coverage.gaps]  # fmt: skip
    for (side, condition), count in required.items():
        if not count:  # every case the builder made undoes the rest of the definition: none could decide
            gaps.append({"side": side, "condition": condition, "limit": False,
                         "why": "no case could be built in which the rest of the definition lets it decide"})  # fmt: skip
    for why, found in failing.items():
        for (side, condition), settings in found.items():
            shown = "; ".join(settings[:3]) + (f"; and {len(settings) - 3} more" if len(settings) > 3 else "")
            gaps.append({"side": side, "condition": condition, "why": f"{why}: {shown}", "limit": False})
    return list(probed.values()), gaps


def _evidence(
    box: Sandbox,
    seed: int,
    source: Literal["boundary", "random"],
    first_id: int,
    population: int,
    a: set[Any],
    b: set[Any],
    kind: str,
    explain: bool,
) -> DatabaseEvidence:
    overlap = len(a & b)
    precision = overlap / len(b) if b else (1.0 if not a else 0.0)
    recall = overlap / len(a) if a else (1.0 if not b else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if not a and not b:
        f1 = 1.0
    examples = []
    if explain:
        chosen = [(row[0], "ground_truth") for row in sorted(a - b)[:EXAMPLES_PER_SIDE]]
        chosen += [(row[0], "generated") for row in sorted(b - a)[:EXAMPLES_PER_SIDE]]
        examples = _examples(box, chosen, first_id, kind)  # type: ignore[arg-type]
    return DatabaseEvidence(seed, population, len(a), len(b), overlap, round(precision, 4), round(recall, 4),
                            round(f1, 4), examples, source)  # fmt: skip


def _examples(
    box: Sandbox, chosen: list[tuple[int, Literal["ground_truth", "generated"]]], first_id: int, kind: str
) -> list[Example]:
    """The rows of the ``chosen`` members (two queries for all); ids shown as in their own database."""
    level = "account" if kind == "ACCOUNTS" else "user"
    ids = [member for member, _ in chosen]
    traits: dict[int, dict[str, Any]] = {}
    for owner, name, num, text, flag in box.query(
        "SELECT owner, name, num, str, bool FROM traits WHERE owner IN (SELECT unnest($ids)) AND level = $level "
        "ORDER BY owner, name",
        {"ids": ids, "level": level},
    ):
        traits.setdefault(owner, {})[name] = _value(num, text, flag)
    owner_of = "u.account_id" if level == "account" else "u.user_id"
    rows = box.query(
        f"""WITH shown AS (
                SELECT {owner_of} AS owner, e.event_id, e.user_id, e.name, e.ts, e.source,
                       row_number() OVER (PARTITION BY {owner_of} ORDER BY e.ts DESC, e.event_id DESC) AS n
                FROM events e JOIN users u ON u.user_id = e.user_id WHERE {owner_of} IN (SELECT unnest($ids)))
            SELECT s.owner, s.event_id, s.user_id, s.name, s.ts, s.source,
                   list(struct_pack(kind := p.kind, name := p.name, num := p.num, str := p.str, bool := p.bool))
                   FILTER (WHERE p.name IS NOT NULL), s.n
            FROM shown s LEFT JOIN props p ON p.event_id = s.event_id
            WHERE s.n <= {EVENTS_SHOWN} GROUP BY ALL ORDER BY s.owner, s.n""",  # noqa: S608 - fixed SQL, values as parameters
        {"ids": ids},
    )
    events: dict[int, list[dict[str, Any]]] = {}
    for owner, _, user, name, ts, source, props, _ in rows:
        events.setdefault(owner, []).append(
            {"user": user - first_id, "event": name, "at": ts.isoformat(sep=" "), "source": source,
             **{f"{p['kind']}.{p['name']}": _value(p["num"], p["str"], p["bool"]) for p in props or []}}
        )  # fmt: skip
    return [Example(m - first_id, side, traits.get(m, {}), events.get(m, [])) for m, side in chosen]


def _value(num: float | None, text: str | None, flag: bool | None) -> Any:
    if num is not None:
        return int(num) if float(num).is_integer() else num
    return text if text is not None else flag
