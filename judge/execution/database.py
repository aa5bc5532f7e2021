"""Seeded customer-data databases dense with the boundary cases of two definitions.

From the constants in both ASTs (names, thresholds and their neighbours,
window edges, strings and near-misses of them) it makes users, accounts,
traits and events, so that a wrong operator or an off-by-one changes who is
in the audience on some database; plus noise that matches nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa
from pydantic import BaseModel

from judge.audience.edit import nodes
from judge.audience.model import (
    Between,
    Compare,
    Context,
    Definition,
    Duration,
    Event,
    Literal_,
    Property,
    Reduce,
    Sources,
    Trait,
    Within,
)
from judge.execution.boundaries import Plan, burst_tables
from judge.execution.compiler import NOW

__all__ = ["ID_SPAN", "SCHEMA", "Constants", "Sandbox", "Tables", "constants_of", "generate_rows"]

SCHEMA = """
CREATE TABLE accounts (account_id INTEGER);
CREATE TABLE users (user_id INTEGER, account_id INTEGER);
CREATE TABLE traits (owner INTEGER, level VARCHAR, name VARCHAR, num DOUBLE, str VARCHAR, bool BOOLEAN);
CREATE TABLE events (event_id BIGINT, user_id INTEGER, name VARCHAR, ts TIMESTAMP, source VARCHAR);
CREATE TABLE props (event_id BIGINT, kind VARCHAR, name VARCHAR, num DOUBLE, str VARCHAR, bool BOOLEAN);
"""
BURST_EVENTS = 10**12
"""Event ids of built bursts start here, clear of the drawn databases' own."""
NOISE = "zz-noise"
ID_SPAN = 1_000_000
"""Several databases share one set of tables: the ids of the i-th start at i * ID_SPAN.

Every relation joins on those ids, so the databases never meet, and one query
answers for all of them (far cheaper than a load and a query per database)."""


@dataclass
class Constants:
    """What two definitions mention, gathered to build data around."""

    events: set[str] = field(default_factory=set)
    traits: set[str] = field(default_factory=set)
    properties: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    hours: set[int] = field(default_factory=set)
    slots: dict[str, set[str]] = field(default_factory=dict)  # name -> typed slots compared with it
    values: dict[str, set[Any]] = field(default_factory=dict)  # name -> literals compared with it


def constants_of(*definitions: Definition) -> Constants:
    found = Constants()
    for definition in definitions:
        for _, node in nodes(definition):
            _collect(found, node)
    return found


def _collect(found: Constants, node: BaseModel) -> None:
    if isinstance(node, Event):
        found.events.add(node.name)
    elif isinstance(node, Trait):
        found.traits.add(node.name)
    elif isinstance(node, Property):
        found.properties.add(node.name)
    elif isinstance(node, Context):
        found.contexts.add(node.name)
    elif isinstance(node, Reduce) and node.property:
        found.properties.add(node.property)
        found.numbers.update({1.0, 2.0, 3.0})
    elif isinstance(node, Sources):
        found.sources.update(node.exclude)
    elif isinstance(node, Within):
        found.hours.add(node.duration.hours)
    elif isinstance(node, Between):
        found.hours.update({node.start.hours, node.end.hours})
    elif isinstance(node, Literal_):
        _value(found, node.value)
    elif isinstance(node, Compare):
        right = node.right
        values = right if isinstance(right, tuple) else (right,) if isinstance(right, Literal_) else ()
        for value in values:
            _value(found, value.value)
            if isinstance(node.left, (Trait, Property, Context)):
                found.slots.setdefault(node.left.name, set()).add(_slot(value.value))
                found.values.setdefault(node.left.name, set()).add(value.value)
        reduced = node.left.property if isinstance(node.left, Reduce) and node.left.fn != "count" else None
        if reduced and isinstance(right, Literal_) and _slot(right.value) == "num":
            # sum(x) >= 100 is decided at one event worth exactly 100
            found.slots.setdefault(reduced, set()).add("num")
            found.values.setdefault(reduced, set()).add(right.value)
        if isinstance(right, Duration):
            found.hours.add(right.hours)
            if isinstance(node.left, (Trait, Property, Context)):
                found.slots.setdefault(node.left.name, set()).add("time")
        if node.op in ("before_date", "after_date") and isinstance(node.left, (Trait, Property, Context)):
            found.slots.setdefault(node.left.name, set()).add("time")


def _slot(value: object) -> str:
    return "bool" if isinstance(value, bool) else "num" if isinstance(value, (int, float)) else "str"


def _value(found: Constants, value: object) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        number = float(
            value
        )  # the tables hold doubles; a whole number past 2^53 is rounded here, not refused
        found.numbers.update({number - 1, number - 0.5, number, number + 0.5, number + 1})
    elif isinstance(value, str):
        found.strings.add(value)


class _Maker:
    def __init__(self, found: Constants, seed: int) -> None:
        self.c = found
        self.rng = random.Random(seed)
        self.strings = sorted(found.strings | {s + "x" for s in found.strings} | {"x" + s for s in found.strings}
                              | {s[:-1] for s in found.strings if len(s) > 1} | {"other"})  # fmt: skip
        self.numbers = sorted(found.numbers | {0.0, 1.0})
        edges = {h + d for h in found.hours for d in (-1, 0, 1) if h + d >= 0} | {0, 2, 30 * 24, 400 * 24}
        self.offsets = sorted(edges)

    def moment(self) -> Any:
        hours = self.rng.choice(self.offsets) if self.rng.random() < 0.8 else self.rng.uniform(0, 24 * 365)
        return NOW - timedelta(hours=hours)

    def value(self, name: str) -> tuple[float | None, str | None, bool | None]:
        exact = self.c.values.get(name)
        if exact and self.rng.random() < 0.8:
            hit = self.rng.choice(sorted(exact, key=repr))
            if isinstance(hit, bool):
                return None, None, hit
            if isinstance(hit, (int, float)):  # the threshold or a neighbour of it
                return float(hit) + self.rng.choice([-1, -0.5, 0, 0, 0.5, 1]), None, None
            return None, self.rng.choice([hit, hit, hit + "x", hit[:-1] or "x"]), None
        wanted = self.c.slots.get(name, set())
        kind = self.rng.choice(sorted(wanted)) if wanted and self.rng.random() < 0.85 else self.rng.choice(
            ["num", "str", "bool", "time"]
        )  # fmt: skip
        if kind == "num":
            return self.rng.choice(self.numbers), None, None
        if kind == "bool":
            return None, None, self.rng.random() < 0.5
        if kind == "time":
            sign = self.rng.choice([-1, 1])
            hours = self.rng.choice(self.offsets)
            return None, (NOW + sign * timedelta(hours=hours)).isoformat(), None
        return None, self.rng.choice(self.strings), None


class Sandbox:
    """One in-memory DuckDB whose tables are refilled for each generated database.

    Opening a connection costs far more than refilling small tables, so a
    sandbox is reused; it is not shared between threads.
    """

    def __init__(self) -> None:
        # one thread each: the judge runs several sandboxes side by side
        self.connection = duckdb.connect(":memory:", config={"threads": 1})
        self.connection.execute(SCHEMA)
        self.users = self.accounts = 0

    def load(
        self,
        found: Constants,
        seeds: tuple[int, ...],
        users: int = 90,
        accounts: int = 30,
        plans: list[Plan] | None = None,
    ) -> list[int]:
        """Replace the data with the databases of ``seeds`` side by side (see ``ID_SPAN``), and after them
        one database of the built users ``plans`` when given; returns each database's population."""
        tables: Tables = {name: [] for name in _ARROW}
        for index, seed in enumerate(seeds):
            for name, rows in generate_rows(found, seed, users, accounts, first_id=index * ID_SPAN).items():
                tables[name].extend(rows)
        populations = [users] * len(seeds)
        bursts: Tables = {"bursts": [], "burst_props": []}
        if plans is not None:
            built, bursts["bursts"], bursts["burst_props"] = burst_tables(
                plans, len(seeds) * ID_SPAN, BURST_EVENTS
            )
            for name, rows in built.items():
                tables[name].extend(rows)
            populations.append(len(plans))
        self.fill(tables, bursts)
        self.users, self.accounts = users, accounts
        return populations

    def fill(self, tables: Tables, bursts: Tables | None = None) -> None:
        """Replace the data with ``tables`` (table name -> row tuples in schema order), and the events of
        ``bursts`` (see ``boundaries.burst_tables``), expanded here: a burst of 500 events is one row."""
        self.users, self.accounts = len(tables["users"]), len(tables["accounts"])
        cursor = self.connection
        cursor.execute("BEGIN TRANSACTION")
        # DuckDB reads the local Arrow tables by name (a replacement scan): half the cost of register()
        for table, schema in _ARROW.items():
            frame = _frame(tables.get(table, []), schema)  # noqa: F841 - read by the INSERT below
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            cursor.execute(f"INSERT INTO {table} SELECT * FROM frame")  # noqa: S608
        if bursts and bursts["bursts"]:
            burst_rows = _frame(bursts["bursts"], _BURSTS)  # noqa: F841 - read by _EXPAND
            burst_props = _frame(bursts["burst_props"], _BURST_PROPS)  # noqa: F841
            cursor.execute(_EXPAND)
        cursor.execute("COMMIT")

    def query(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def close(self) -> None:
        self.connection.close()


Tables = dict[str, list[tuple[Any, ...]]]


def _frame(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in schema.names]
    return pa.Table.from_arrays(
        [pa.array(c, type=t) for c, t in zip(columns, schema.types, strict=True)], schema=schema
    )


_EXPAND = """
INSERT INTO events SELECT b.first_event + i, b.user_id, b.name, b.ts, b.source FROM burst_rows b, range(b.n) t(i);
INSERT INTO props SELECT b.first_event + i, p.kind, p.name, p.num, p.str, p.bool
    FROM burst_props p JOIN burst_rows b USING (burst), range(b.n) t(i)
UNION ALL SELECT b.first_event + i, 'property', b.distinct_property, NULL, 'd' || (b.first_event + i), NULL
    FROM burst_rows b, range(b.n) t(i) WHERE b.distinct_property IS NOT NULL;
"""


def generate_rows(
    found: Constants, seed: int, users: int = 90, accounts: int = 30, first_id: int = 0
) -> Tables:
    """The rows of one seeded database around ``found``; its ids start at ``first_id``."""
    maker = _Maker(found, seed)
    rng = maker.rng
    account_rows = [(first_id + a,) for a in range(accounts)]
    user_rows = [
        (first_id + u, first_id + rng.randrange(accounts - 1)) for u in range(users)
    ]  # last: no users
    shared = {first_id + a: _profile(maker) for a in range(accounts) if rng.random() < 0.7}  # look-alikes
    traits: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    props: list[tuple[Any, ...]] = []
    for (account,) in account_rows:
        traits.extend((account, "account", name, *value) for name, value in _profile(maker)[0].items())
    for user, account in user_rows:
        values, bursts = shared.get(account) or _profile(maker)
        traits.extend((user, "user", name, *value) for name, value in values.items())
        for name, when, attributes, source in bursts:
            event_id = first_id + len(events)
            events.append((event_id, user, name, when, source))
            props.extend((event_id, kind, prop, *value) for (kind, prop), value in attributes.items())
    return {"accounts": account_rows, "users": user_rows, "traits": traits, "events": events, "props": props}


def _profile(maker: _Maker) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Trait values and events of one user: bursts of one event, counts around the thresholds."""
    rng, found = maker.rng, maker.c
    values = {name: maker.value(name) for name in sorted(found.traits) if rng.random() < 0.85}
    counts = sorted({int(n) for n in maker.numbers if 0 <= n <= 12} | {0, 1, 2})
    names = sorted(found.events) + [NOISE]
    sources = sorted(found.sources) + ["web", None]
    parent_hours = sorted({h + d for h in found.hours for d in (-1, 0, 1) if h + d >= 0}) or [1]
    bursts: list[tuple[Any, ...]] = []
    for name in names:
        for _ in range(rng.choice((0, 1, 1, 2))):  # none, one, or two bursts (a recent and an older one)
            attributes, start = _attributes(maker), maker.moment()
            varied, spread = rng.choice((0.05, 0.15, 0.6)), rng.choice((0.05, 0.15, 0.6))
            for _ in range(rng.choice(counts)):  # a burst: alike or varied, at one time or spread out
                same = attributes if rng.random() > varied else _attributes(maker)
                when = start if rng.random() > spread else maker.moment()
                bursts.append((name, when, same, rng.choice(sources)))
    for base in list(bursts):
        if rng.random() < 0.3:  # a follow-up of another event, for parent windows
            follow = min(base[1] + timedelta(hours=rng.choice(parent_hours)), NOW)
            bursts.append((rng.choice(names), follow, _attributes(maker), rng.choice(sources)))
    return values, bursts


def _attributes(maker: _Maker) -> dict[tuple[str, str], Any]:
    found = maker.c
    chosen = {}
    for kind, pool in (("property", found.properties), ("context", found.contexts)):
        for prop in sorted(pool):
            if maker.rng.random() < 0.8:
                chosen[(kind, prop)] = maker.value(prop)
    return chosen


_VALUE = [("num", pa.float64()), ("str", pa.string()), ("bool", pa.bool_())]
_ARROW = {
    "accounts": pa.schema([("account_id", pa.int32())]),
    "users": pa.schema([("user_id", pa.int32()), ("account_id", pa.int32())]),
    "traits": pa.schema([("owner", pa.int32()), ("level", pa.string()), ("name", pa.string()), *_VALUE]),
    "events": pa.schema([("event_id", pa.int64()), ("user_id", pa.int32()), ("name", pa.string()),
                         ("ts", pa.timestamp("us")), ("source", pa.string())]),
    "props": pa.schema([("event_id", pa.int64()), ("kind", pa.string()), ("name", pa.string()), *_VALUE]),
}  # fmt: skip
_BURSTS = pa.schema([("burst", pa.int64()), ("user_id", pa.int32()), ("name", pa.string()), ("ts", pa.timestamp("us")),
                     ("n", pa.int64()), ("source", pa.string()), ("first_event", pa.int64()),
                     ("distinct_property", pa.string())])  # fmt: skip
_BURST_PROPS = pa.schema([("burst", pa.int64()), ("kind", pa.string()), ("name", pa.string()), *_VALUE])
