"""Boundary databases: users built from two definitions so that every boundary of each is probed.

Random databases drawn around the constants (``database.py``) miss what their
draws never reach: a count of 500, a value between 17.9 and 18. Here users are
built, not drawn (the idea of distilled test suites for SQL equivalence, Zhong
et al. 2020: choose the databases that would separate two queries whenever a
small database can):

- each comparison of either definition (a *leaf*) gets users on every side of
  its boundary: for a count the threshold and one below and above, for a value
  one of every stretch the constants compared with that name make (``values.py``);
  for the events a count reads, one event more or less at each edge of its
  windows, at each value its ``where`` compares, from each source it excludes;
- the rest of the definition is set so that the leaf decides membership (the
  other side of an AND holds, of an OR fails), and before the judge relies on a
  probe it checks on the database that the leaf really decides there
  (:func:`decisive_query`);
- events come as bursts of alike events, expanded in SQL (``Sandbox.fill``), so a
  threshold of 500 costs one row here.

What cannot be probed this way is listed with its reason (``Coverage.gaps``);
the judge never calls a pair equivalent on the strength of a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal, NamedTuple

from judge.audience.model import (
    AllOf,
    And,
    AnyOf,
    Between,
    Compare,
    Condition,
    Context,
    Definition,
    Event,
    Literal_,
    Not,
    Or,
    Property,
    Reduce,
    Sources,
    Trait,
    Where,
    Within,
)
from judge.audience.printer import condition_text
from judge.execution.compiler import NOW
from judge.execution.values import Stored, Stretches, count_values, holds, number_text, stored_text

__all__ = ["MAX_BURST", "Burst", "Coverage", "Gap", "Probe", "Side", "boundary_plans", "burst_tables"]

Side = Literal["ground_truth", "generated"]
MAX_BURST = 20_000
"""Most events one count probe builds; a count threshold past it is a gap, said in the evidence."""
MAX_EVENTS = 150_000
"""Most events one boundary database holds; past it the remaining probes are gaps."""
_REDUCED = ("sum", "avg", "min", "max", "first", "last")
TEXT_MATCHES = frozenset({"contains", "omits", "starts_with", "ends_with"})
DATE_LIKE = frozenset(
    {"before_date", "after_date", "within_last", "within_next", "before_last", "after_next"}
)


def _text_tested(definition: Definition, leaf: Compare) -> bool:
    """Whether the value a date comparison reads is also matched as text somewhere (its format matters)."""
    return any(
        other.op in TEXT_MATCHES and other.left == leaf.left for other in _where_leaves(definition.root)
    )


@dataclass(frozen=True)
class Burst:
    """``count`` alike events of one name at one moment (``hours_ago`` before now)."""

    name: str
    count: int
    hours_ago: float
    attributes: tuple[tuple[str, str, Stored | None], ...] = ()  # (property|context, name, value)
    source: str | None = None
    distinct: str | None = None  # a property given a different value on each event of the burst
    follows: tuple[
        Burst, ...
    ] = ()  # events timed from these (funnels): their hours_ago is hours *after* these


Shape = tuple[tuple[tuple[str, str, Stored | None], ...], tuple[Burst, ...]]
"""What an event of a stream needs: property values, and follow-up events for the streams its where() counts."""


def _burst(
    name: str, count: int, hours: float, shape: Shape, source: str | None = None, distinct: str | None = None
) -> Burst:
    return Burst(name, count, hours, shape[0], source, distinct, shape[1])


def flatten(bursts: list[Burst]) -> list[Burst]:
    """Every burst with its follow-ups as bursts of their own, timed from now."""
    found: list[Burst] = []
    for burst in bursts:
        found.append(replace(burst, follows=()))
        found += flatten([replace(f, hours_ago=burst.hours_ago - f.hours_ago) for f in burst.follows])
    return found


@dataclass
class Plan:
    """One account to build, with one user holding ``traits`` (at both levels) and ``bursts``; or, where
    ``users`` is given, account traits ``traits`` and those users (traits, bursts). ``probe`` says why."""

    traits: dict[str, Stored | None]
    bursts: list[Burst]
    probe: int
    users: list[tuple[dict[str, Stored | None], list[Burst]]] | None = None


@dataclass(frozen=True)
class Probe:
    side: Side
    leaf: int  # index of the leaf in its definition's leaves
    condition: str
    setting: str  # what the user was built with, e.g. "19 matching events" or "price 17.95"
    required: bool = True  # False where the rest of the definition cannot let the leaf decide
    sound: bool = True  # False where its events do not hold what they were built for: a gap


@dataclass(frozen=True)
class Gap:
    side: Side
    condition: str
    why: str
    limit: bool = False  # a constant past what the databases hold (not a construct the builder lacks)


@dataclass
class Coverage:
    probes: list[Probe] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    targets: dict[Side, list[Condition]] = field(default_factory=dict)  # the comparisons, then ANY/ALL
    cut: set[int] = field(default_factory=set)  # probes not built: past the event budget (a gap says so)


class _Unbuildable(Exception):
    """This leaf (or the context it needs) is of a kind the builder does not construct."""

    def __init__(self, why: str, limit: bool = False) -> None:
        super().__init__(why)
        self.limit = limit  # a constant past a limit, not a missing kind of construct


@dataclass
class _Names:
    """Representatives per name, from both definitions."""

    values: dict[tuple[str, str], Stretches] = field(default_factory=dict)  # (trait|property|context, name)
    counts: dict[str, set[float]] = field(default_factory=dict)  # event name -> count constants
    hours: dict[str, set[float]] = field(default_factory=dict)  # event name -> window edges, hours ago
    after: dict[str, set[float]] = field(
        default_factory=dict
    )  # event name -> parent window edges, hours after
    sources: dict[str, set[str]] = field(default_factory=dict)
    streams: dict[str, list[Event]] = field(default_factory=dict)

    def stretch(self, kind: str, name: str) -> Stretches:
        return self.values.setdefault((kind, name), Stretches.empty())

    def times(self, name: str, parent: bool = False) -> list[float]:
        """Moments to probe (hours ago; with ``parent``, hours after the enclosing event): each window
        edge, one between each two, one past the widest, one on the other side of zero."""
        edges = sorted((self.after if parent else self.hours).get(name, set()) | {0.0})
        found = {-1.0, edges[-1] * 1.5 + 24}
        for low, high in zip(edges, edges[1:], strict=False):
            found.add((low + high) / 2)
        return sorted(found | set(edges))


def boundary_plans(truth: Definition, generated: Definition) -> tuple[list[Plan], Coverage]:
    """The users to build for the pair, and what they probe or could not."""
    names = _Names()
    coverage = Coverage()
    for definition in (truth, generated):
        _gather(names, definition)
    plans: list[Plan] = []
    for side, definition in (("ground_truth", truth), ("generated", generated)):
        side_: Side = side  # type: ignore[assignment]
        leaves = _leaves(definition)
        quantifiers = _quantifiers(definition)
        coverage.targets[side_] = [*leaves, *quantifiers]
        if not definition.is_audience:
            coverage.gaps.append(
                Gap(side_, "the computed value", "computed traits are compared on the random databases only")
            )
            continue
        for index, target in enumerate(coverage.targets[side_]):
            text = condition_text(target)
            try:
                built = _probe_leaf(names, definition, target) if isinstance(target, Compare) else (
                    _probe_quantifier(names, definition, target))  # type: ignore[arg-type]  # fmt: skip
            except _Unbuildable as e:
                coverage.gaps.append(Gap(side_, text, str(e), e.limit))
                continue
            for probe in built:
                coverage.probes.append(Probe(side_, index, text, probe.setting, probe.required, probe.sound))
                plans.append(Plan(probe.traits, probe.bursts, len(coverage.probes) - 1, probe.users))
            if not isinstance(target, Compare):
                continue
            leaf = target
            in_where = _stream_where_leaves(leaf.left.stream) if isinstance(leaf.left, Reduce) else []
            if (leaf.op in TEXT_MATCHES or leaf.op in DATE_LIKE and _text_tested(definition, leaf)
                    or any(w.op in TEXT_MATCHES for w in in_where)):  # fmt: skip
                coverage.gaps.append(Gap(side_, text, "text matches are probed with near misses and joins of "
                                                      "the constants only, not every string"))  # fmt: skip
            stream_names = _stream_where_leaves(leaf.left.stream) if isinstance(leaf.left, Reduce) else []
            for kind, name in {*_value_names(leaf), *(n for w in stream_names for n in _value_names(w))}:
                stretch = names.values.get((kind, name))
                if stretch and stretch.inexact:
                    shown = ", ".join(sorted({number_text(v) for v in stretch.inexact}))
                    coverage.gaps.append(
                        Gap(
                            side_, text, f"{shown}: past 2^53 the test databases' numbers are not exact", True
                        )
                    )
    return _within_budget(plans, coverage), coverage


def _within_budget(plans: list[Plan], coverage: Coverage) -> list[Plan]:
    """The plans that fit in ``MAX_EVENTS`` built events. Cases of the comparisons written differently on
    the two sides come first (where two definitions differ, they are told apart there); then the others,
    each kept while it fits, so one costly case does not crowd out every case after it. Each comparison
    with a case left out gets a gap (a limit: the constants need more events than a test holds)."""

    def cost(plan: Plan) -> int:
        return sum(b.count for b in plan.bursts) + sum(
            b.count for _, bursts in plan.users or [] for b in bursts
        )

    written = [
        {condition_text(t) for t in coverage.targets.get(side, [])} for side in ("ground_truth", "generated")
    ]
    both = written[0] & written[1]
    order = sorted(range(len(plans)), key=lambda i: coverage.probes[plans[i].probe].condition in both)
    kept, total = set(), 0
    for i in order:
        spent = cost(plans[i])
        if total + spent > MAX_EVENTS:
            coverage.cut.add(plans[i].probe)
            continue
        total += spent
        kept.add(i)
    for key in dict.fromkeys(
        (coverage.probes[p].side, coverage.probes[p].condition) for p in sorted(coverage.cut)
    ):
        coverage.gaps.append(Gap(key[0], key[1], f"more than {MAX_EVENTS:,} events would be needed", True))
    return [plan for i, plan in enumerate(plans) if i in kept]


# ---- what the definitions mention ---------------------------------------------------------------


def _gather(names: _Names, definition: Definition) -> None:
    stack: list[Any] = [definition.root]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            stack.extend(node.children)
        elif isinstance(node, (Not, AnyOf, AllOf)):
            stack.append(node.child)
        elif isinstance(node, Compare):
            left = node.left
            if isinstance(left, (Trait, Property, Context)):
                names.stretch(left.type, left.name).add(node)
            elif isinstance(left, Reduce):
                if isinstance(node.right, Literal_) and _number(node.right.value) is not None:
                    if left.fn == "count":
                        names.counts.setdefault(left.stream.name, set()).add(float(node.right.value))  # type: ignore[arg-type]
                    elif left.property:
                        names.stretch("property", left.property).add(node)
                stack.append(left.stream)
            if isinstance(node.right, Reduce):
                stack.append(node.right.stream)
        elif isinstance(node, Reduce):
            stack.append(node.stream)
        elif isinstance(node, Event):
            names.streams.setdefault(node.name, []).append(node)
            for item in node.filters:
                if isinstance(item, Where):
                    stack.append(item.condition)
                elif isinstance(item, Within):
                    edges = names.after if item.parent else names.hours
                    edges.setdefault(node.name, set()).add(float(item.duration.hours))
                elif isinstance(item, Between):
                    names.hours.setdefault(node.name, set()).update(
                        {float(item.start.hours), float(item.end.hours)}
                    )
                elif isinstance(item, Sources):
                    names.sources.setdefault(node.name, set()).update(item.exclude)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _leaves(definition: Definition) -> list[Compare]:
    """The comparisons of the boolean structure (not those inside a ``where``), ANY/ALL included."""
    return _where_leaves(definition.root) if definition.is_audience else []


def _quantified(definition: Definition) -> set[int]:
    """``id()`` of the comparisons inside ANY/ALL."""
    return {id(leaf) for q in _quantifiers(definition) for leaf in _where_leaves(q.child)}


def _quantifiers(definition: Definition) -> list[AnyOf | AllOf]:
    found: list[AnyOf | AllOf] = []
    stack: list[Any] = [definition.root] if definition.is_audience else []
    while stack:
        node = stack.pop()
        if isinstance(node, (AnyOf, AllOf)):
            found.append(node)
        if isinstance(node, (And, Or)):
            stack.extend(node.children)
        elif isinstance(node, (Not, AnyOf, AllOf)):
            stack.append(node.child)
    return found


def _value_names(leaf: Compare) -> list[tuple[str, str]]:
    left = leaf.left
    if isinstance(left, (Trait, Property, Context)):
        return [(left.type, left.name)]
    if isinstance(left, Reduce) and left.property and left.fn != "count":
        return [("property", left.property)]
    return []


# ---- contexts: the rest of the definition set so that one leaf decides -------------------------


def _decisive(node: Any, target: Any) -> dict[int, bool] | None:
    """Values for the other leaves under which ``target`` decides ``node``; None if it is not under it.

    ANY/ALL pass through: the accounts built for a leaf have one user, on whom both are the leaf."""
    if node is target:
        return {}
    if isinstance(node, (Not, AnyOf, AllOf)):
        return _decisive(node.child, target)
    if isinstance(node, (And, Or)):
        for child in node.children:
            inner = _decisive(child, target)
            if inner is not None:
                for other in node.children:
                    if other is not child:
                        inner.update(_force(other, isinstance(node, And), target))
                return inner
    return None


def _force(node: Any, want: bool, avoid: Compare | None) -> dict[int, bool]:
    """Values for the leaves of ``node`` that make it ``want``; where a choice is free, away from ``avoid``."""
    if isinstance(node, Compare):
        return {id(node): want}
    if isinstance(node, (Not, AnyOf, AllOf)):
        return _force(node.child, not want if isinstance(node, Not) else want, avoid)
    if isinstance(node, And) == want:  # AND made true, OR made false: every child
        merged: dict[int, bool] = {}
        for child in node.children:
            merged.update(_force(child, want, avoid))
        return merged
    clear = [c for c in node.children if avoid is None or not _shares(c, avoid)] or list(node.children)
    return _force(clear[0], want, avoid)


def _reads(leaf: Compare) -> set[tuple[str, str]]:
    found = set(_value_names(leaf))
    if isinstance(leaf.left, Reduce):
        found.add(("event", leaf.left.stream.name))
    return found


def _shares(node: Any, leaf: Compare) -> bool:
    mine = _reads(leaf)
    return any(mine & _reads(other) for other in _where_leaves(node))


def _where_leaves(node: Any) -> list[Compare]:
    """The comparisons of a condition's boolean structure."""
    if isinstance(node, Compare):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for c in node.children for leaf in _where_leaves(c)]
    if isinstance(node, (Not, AnyOf, AllOf)):
        return _where_leaves(node.child)
    return []


# ---- probes of one leaf ---------------------------------------------------------------------------


@dataclass
class _Built:
    setting: str
    traits: dict[str, Stored | None]
    bursts: list[Burst]
    required: bool  # False: the rest of the definition cannot let the leaf decide here (not a gap)
    users: list[tuple[dict[str, Stored | None], list[Burst]]] | None = None
    sound: bool = True  # False: the case does not hold as built (its events interfere): a gap, never trusted


def _probe_leaf(names: _Names, definition: Definition, leaf: Compare) -> list[_Built]:
    context = _decisive(definition.root, leaf)
    assert context is not None
    by_id = {id(n): n for n in _leaves(definition)}
    wanted = {by_id[i]: want for i, want in context.items()}
    left = leaf.left
    cases: list[tuple[str, dict[str, Stored | None], list[Burst]]] = []
    if isinstance(left, Trait) and _literal_right(leaf):
        for value in names.stretch("trait", left.name).values():
            traits, bursts = _context(names, wanted, fixed=(left.name, value))
            cases.append((f"{left.name} {stored_text(value)}", traits, bursts))
    elif isinstance(left, Reduce) and _numeric_right(leaf):
        _check_stream(left.stream)
        traits, bursts = _context(names, wanted)
        every = flatten(bursts)
        overlap = sum(b.count for b in every if _matches(left.stream, b, every))
        built = []
        account_wide = definition.definition_type == "ACCOUNTS" and id(leaf) not in _quantified(definition)
        for setting, own, extra in _reduce_probes(names, leaf, left, overlap):
            fine = _holds_all(wanted, traits, bursts + own)
            built.append(_Built(setting, traits, bursts + own, fine, sound=_as_built(left, own, extra)))
            if account_wide and own and own[0].count > 1:  # an account's events, from two of its users
                half = replace(own[0], count=own[0].count // 2)
                rest = replace(own[0], count=own[0].count - half.count)
                users = [(traits, [*bursts, half, *own[1:]]), ({}, [rest])]
                built.append(
                    _Built(f"{setting}, from two users", traits, [], fine, users, _as_built(left, own, extra))
                )
        return built
    else:
        raise _Unbuildable(_why_not(leaf))
    # a case whose own values undo the rest (an event that also falls in another window) cannot decide
    return [
        _Built(setting, traits, bursts, _holds_all(wanted, traits, bursts))
        for setting, traits, bursts in cases
    ]


def _as_built(left: Reduce, own: list[Burst], extra: bool) -> bool:
    """Whether the events built for a count hold what they were built for: as many of them count as the
    bursts meant to match (for "one more", that many or one fewer). Follow-ups of events close together
    add up, which would make a case probe something other than it says."""
    if left.fn != "count":
        return True
    every = flatten(own)
    counted = sum(b.count for b in every if _matches(left.stream, b, every))
    meant = sum(b.count for b in own)  # top-level bursts: the stream's own events
    return counted in (meant, meant - 1) if extra else counted == meant


def _holds_all(wanted: dict[Compare, bool], traits: dict[str, Stored | None], bursts: list[Burst]) -> bool:
    return all(_value_of(leaf, traits, bursts) == want for leaf, want in wanted.items())


def _probe_quantifier(names: _Names, definition: Definition, target: AnyOf | AllOf) -> list[_Built]:
    """Accounts whose users make ``target``'s condition hold for all, some, none, or who have no users."""
    context = _decisive(definition.root, target)
    assert context is not None
    by_id = {id(n): n for n in _leaves(definition)}
    outer = {by_id[i]: want for i, want in context.items()}
    traits, bursts = _context(names, outer)
    members: dict[bool, tuple[dict[str, Stored | None], list[Burst], dict[Compare, bool]]] = {}
    for want in (True, False):
        wanted = {by_id[i]: w for i, w in _force(target.child, want, None).items()}
        members[want] = (*_context(names, wanted), wanted)
    (t_traits, t_bursts, t_wanted), (f_traits, f_bursts, f_wanted) = members[True], members[False]
    cases: list[tuple[str, list[tuple[dict[str, Stored | None], list[Burst]]], list[dict[Compare, bool]]]] = [
        ("one user, for whom it holds", [(t_traits, t_bursts + bursts)], [t_wanted]),
        ("two users: it holds for one, fails for the other", [(t_traits, t_bursts + bursts), (f_traits, f_bursts)],
         [t_wanted, f_wanted]),
        ("one user, for whom it fails", [(f_traits, f_bursts + bursts)], [f_wanted]),
        ("no users", [], []),
    ]  # fmt: skip
    built = []
    for setting, users, wants in cases:
        every = [b for _, own in users for b in own]
        fine = _holds_all(outer, traits, every) and all(
            _holds_all(w, t, b) for w, (t, b) in zip(wants, users, strict=True)
        )
        built.append(_Built(setting, traits, [], fine, users))
    return built


def _value_of(
    leaf: Compare, traits: dict[str, Stored | None], bursts: list[Burst], parent: Burst | None = None
) -> bool:
    """The truth of a comparison on a built user (the leaves the builder constructs); ``parent``: the
    event whose where() it stands in, for a count of events relative to that event."""
    left = leaf.left
    if isinstance(left, Trait):
        return holds(leaf, traits.get(left.name))
    assert isinstance(left, Reduce)
    every = flatten(bursts) if parent is None else bursts
    matching = [b for b in every if _matches(left.stream, b, every, parent)]
    if left.fn == "count":
        if left.property is None:
            return _count_holds(leaf, sum(b.count for b in matching))
        values: set[Any] = {("d", i) for b in matching if b.distinct == left.property for i in range(b.count)}
        values |= {_attribute(b, left.property) for b in matching if b.distinct != left.property}
        return _count_holds(leaf, len(values - {None}))
    # events oldest first; at one moment the earlier burst has the lower ids, as the tables give them
    timed = sorted(((-b.hours_ago, order, value) for order, b in enumerate(matching)
                    for value in [_attribute(b, left.property or "")] * b.count if value is not None),
                   key=lambda t: (t[0], t[1]))  # fmt: skip
    seen = [value for _, _, value in timed]
    numbers = [v[0] for v in seen if v[0] is not None]
    if left.fn == "sum":
        return _count_holds(leaf, 0) if not numbers else holds(leaf, (sum(numbers), None, None))
    if left.fn == "avg":
        return bool(numbers) and holds(leaf, (sum(numbers) / len(numbers), None, None))
    if left.fn in ("min", "max") and left.as_ != "string":
        return bool(numbers) and holds(leaf, ((min if left.fn == "min" else max)(numbers), None, None))
    if left.fn in ("first", "last"):
        return bool(seen) and holds(leaf, seen[0] if left.fn == "first" else seen[-1])
    strings = [v[1] for v in seen if v[1] is not None]
    return bool(strings) and holds(leaf, (None, (min if left.fn == "min" else max)(strings), None))


def _attribute(burst: Burst, name: str) -> Stored | None:
    return next((v for kind, n, v in burst.attributes if kind == "property" and n == name), None)


def _literal_right(leaf: Compare) -> bool:
    return not isinstance(leaf.right, (Trait, Property, Context, Reduce))


def _numeric_right(leaf: Compare) -> bool:
    return isinstance(leaf.right, Literal_) and _number(leaf.right.value) is not None


def _why_not(leaf: Compare) -> str:
    left = leaf.left
    if isinstance(left, Reduce) and left.fn == "mode":
        return "mode() is compared on the random databases only"
    if isinstance(leaf.right, (Trait, Property, Context, Reduce)) or isinstance(left, Literal_):
        return "two values compared with each other are compared on the random databases only"
    return "a reducer compared with something other than a number is compared on the random databases only"


def _check_stream(stream: Event, nested: bool = False) -> None:
    """Raise for what the builder does not construct; ``nested``: a stream inside another's where()."""
    for item in stream.filters:
        if isinstance(item, Within) and item.parent and not nested:
            raise _Unbuildable("a window relative to an enclosing event needs one")
        if isinstance(item, Where):
            for leaf in _where_leaves(item.condition):
                left = leaf.left
                if isinstance(left, Reduce) and _numeric_right(leaf) and left.fn == "count" and not nested:
                    _check_stream(left.stream, nested=True)  # a funnel: events counted from this one
                elif not isinstance(left, (Property, Context)) or getattr(left, "parent", False):
                    raise _Unbuildable(
                        "a where() that reads traits, the enclosing event's properties, or events two levels "
                        "down is probed on the random databases only"
                    )
                elif not _literal_right(leaf):
                    raise _Unbuildable(
                        "a where() comparing two values is probed on the random databases only"
                    )


class _Case(NamedTuple):
    setting: str
    bursts: list[Burst]
    extra: bool = False  # base events and one more, which may or may not count


def _reduce_probes(names: _Names, leaf: Compare, left: Reduce, overlap: int) -> list[_Case]:
    """Events for ``leaf`` (a reducer compared with a number), beside ``overlap`` events the rest adds."""
    stream, threshold = left.stream, float(leaf.right.value)  # type: ignore[union-attr, arg-type]
    when = _inside(names, stream)
    probes: list[_Case] = []
    extra_fixed: tuple[tuple[str, Stored | None], ...] = ()
    if left.fn == "count":
        counts, beyond = count_values(names.counts.get(stream.name, set()) | {threshold}, MAX_BURST)
        if beyond:
            raise _Unbuildable(
                f"a count of {number_text(max(beyond))} is past the {MAX_BURST:,} events a probe builds", True
            )
        plain = _attributes(names, stream)
        distinct = left.property
        for n in counts:
            if n >= overlap:
                burst = [_burst(stream.name, n - overlap, when, plain, None, distinct)] if n > overlap else []
                probes.append(_Case(f"{n} matching events", burst))
                if distinct and n > 1:  # as many events, one value: a count of events is not one of values
                    same = _attributes(names, stream, fixed=((distinct, (None, "same", None)),))
                    probes.append(
                        _Case(
                            f"{n} matching events with one {distinct}", [_burst(stream.name, n, when, same)]
                        )
                    )
        base = next(
            (k for k in counts if k >= overlap and _count_holds(leaf, k) != _count_holds(leaf, k + 1)), None
        )
        if base is None:
            return probes  # the count decides nothing here: what its events are does not matter
        own = [_burst(stream.name, base - overlap, when, plain, None, distinct)] if base > overlap else []
        attributes = plain
    elif left.fn in _REDUCED and left.property:
        prop = left.property
        values = [v for v in names.stretch("property", prop).values() if v is not None]
        for value in values:
            one = _attributes(names, stream, fixed=((prop, value),))
            probes.append(
                _Case(f"one event with {prop} {stored_text(value)}", [_burst(stream.name, 1, when, one)])
            )
            probes.append(
                _Case(f"two events with {prop} {stored_text(value)}", [_burst(stream.name, 2, when, one)])
            )
        for older, newer in zip(values, values[1:], strict=False):  # same moment: the first has the lower id
            first = _attributes(names, stream, fixed=((prop, older),))
            second = _attributes(names, stream, fixed=((prop, newer),))
            probes.append(_Case(f"{prop} {stored_text(older)}, then {stored_text(newer)}",
                           [_burst(stream.name, 1, when, first), _burst(stream.name, 1, when, second)]))  # fmt: skip
        probes.append(_Case("no events", []))
        empty = _count_holds(leaf, 0) if left.fn == "sum" else False
        decider = next((v for v in values if holds(leaf, v) != empty), None)
        if decider is None:
            return probes
        extra_fixed = ((prop, decider),)
        own, base, distinct = [], 0, None
        attributes = _attributes(names, stream, fixed=extra_fixed)
    else:
        raise _Unbuildable(_why_not(leaf))

    reach = max((f.duration.hours for leaf_ in _stream_where_leaves(stream) if isinstance(leaf_.left, Reduce)
                 for f in leaf_.left.stream.filters if isinstance(f, Within) and f.parent), default=None)  # fmt: skip

    def one_more(setting: str, burst: Burst) -> None:
        base_events = own
        if reach is not None and own:  # funnels: the base events' follow-ups must not reach this one's
            apart = [
                h
                for h in names.times(stream.name)
                if _in_windows(stream, h) and abs(h - burst.hours_ago) > reach
            ]
            if apart:
                base_events = [replace(own[0], hours_ago=min(apart, key=lambda h: abs(h - when)))]
        probes.append(_Case(f"{base} matching events and one {setting}", [*base_events, burst], extra=True))

    for hours in names.times(stream.name):
        one_more(_ago(hours), _burst(stream.name, 1, hours, attributes, None, distinct))
    for nested in _stream_where_leaves(stream):
        if isinstance(nested.left, Reduce):
            for label, follows in _follow_probes(names, nested, nested.left):
                shape = _attributes(names, stream, nested, None, extra_fixed, follows)
                one_more(f"with {label}", _burst(stream.name, 1, when, shape, None, distinct))
    targets = {
        (t.left.type, t.left.name): t  # type: ignore[union-attr]
        for t in _stream_where_leaves(stream)
        if not isinstance(t.left, Reduce)
    }
    for (kind, name), target in targets.items():
        for setting in names.stretch(kind, name).values():
            probe = _attributes(names, stream, target, setting, extra_fixed)
            one_more(
                f"with {name} {stored_text(setting)}", _burst(stream.name, 1, when, probe, None, distinct)
            )
    for source in [*sorted(names.sources.get(stream.name, set())), "web"]:
        one_more(f"from source {source!r}", _burst(stream.name, 1, when, attributes, source, distinct))
    return probes


def _count_holds(leaf: Compare, n: int) -> bool:
    return holds(leaf, (float(n), None, None))


def _ago(hours: float) -> str:
    if hours < 0:
        return "an hour in the future"
    if hours == 0:
        return "now"
    return f"{number_text(hours / 24)} days ago" if hours % 24 == 0 else f"{number_text(hours)} hours ago"


def _stream_where_leaves(stream: Event) -> list[Compare]:
    """The comparisons of a stream's where() filters."""
    return [
        leaf for item in stream.filters if isinstance(item, Where) for leaf in _where_leaves(item.condition)
    ]


def _inside(names: _Names, stream: Event) -> float:
    """A moment (hours ago) inside every window of ``stream``, in as few other windows of that event as may be."""
    candidates = [h for h in names.times(stream.name) if _in_windows(stream, h)]
    if not candidates:
        raise _Unbuildable(f"no moment is inside every window of {stream.name!r}")
    others = [s for s in names.streams.get(stream.name, []) if s != stream]
    return min(candidates, key=lambda h: (sum(_in_windows(s, h) for s in others), h))


def _in_windows(stream: Event, hours: float, parent: float | None = None) -> bool:
    """Whether a moment (hours ago) is in every window of ``stream``; ``parent``: the enclosing event's."""
    for item in stream.filters:
        if isinstance(item, Within):
            if item.parent:
                if parent is None or not parent - item.duration.hours <= hours <= parent:
                    return False
            elif not 0 <= hours <= item.duration.hours:
                return False
        if isinstance(item, Between):
            near, far = sorted((item.start.hours, item.end.hours))
            if not near <= hours <= far:
                return False
    return True


def _matches(stream: Event, burst: Burst, every: list[Burst], parent: Burst | None = None) -> bool:
    """Whether the events of ``burst`` count in ``stream`` (name, windows, sources, where), among ``every``
    event of the user (flattened); ``parent``: the enclosing event, for a stream inside a where()."""
    if burst.name != stream.name or not _in_windows(
        stream, burst.hours_ago, parent.hours_ago if parent else None
    ):
        return False
    for item in stream.filters:
        if isinstance(item, Sources) and burst.source in item.exclude:
            return False
        if isinstance(item, Where) and not _true(item.condition, burst, every):
            return False
    return True


def _true(node: Any, burst: Burst, every: list[Burst]) -> bool:
    if isinstance(node, And):
        return all(_true(c, burst, every) for c in node.children)
    if isinstance(node, Or):
        return any(_true(c, burst, every) for c in node.children)
    if isinstance(node, Not):
        return not _true(node.child, burst, every)
    if isinstance(node.left, Reduce):
        return _value_of(node, {}, every, parent=burst)
    value = next(
        (v for kind, name, v in burst.attributes if (kind, name) == (node.left.type, node.left.name)), None
    )
    return holds(node, value)


def _attributes(
    names: _Names,
    stream: Event,
    target: Compare | None = None,
    value: Stored | None = None,
    fixed: tuple[tuple[str, Stored | None], ...] = (),
    follows: tuple[Burst, ...] | None = None,
) -> Shape:
    """What an event of ``stream`` needs to meet its ``where`` (or for ``target`` to decide it, at ``value``
    for a property, or with the follow-up events ``follows`` for a count); ``fixed`` properties are given."""
    conditions = [item.condition for item in stream.filters if isinstance(item, Where)]
    root: Any = (
        conditions[0] if len(conditions) == 1 else And(children=tuple(conditions)) if conditions else None
    )
    chosen: dict[tuple[str, str], Stored | None] = {("property", name): v for name, v in fixed}
    if target is not None and not isinstance(target.left, Reduce):
        chosen[(target.left.type, target.left.name)] = value  # type: ignore[union-attr]
    built: list[Burst] = list(follows or ())
    if root is not None:
        wants = _decisive(root, target) if target is not None else _force(root, True, None)
        leaves = {id(leaf): leaf for leaf in _where_leaves(root)}
        grouped: dict[tuple[str, str], list[tuple[Compare, bool]]] = {}
        for key, want in (wants or {}).items():
            leaf = leaves[key]
            if isinstance(leaf.left, Reduce):  # a funnel: events after this one
                built += _follow_for(names, leaf, leaf.left, want)
                continue
            grouped.setdefault((leaf.left.type, leaf.left.name), []).append((leaf, want))  # type: ignore[union-attr]
        for slot, tests in grouped.items():
            if slot not in chosen:
                found = _satisfying(names.stretch(*slot), tests)
                chosen[slot] = None if found is _NONE else found  # type: ignore[assignment]
    attributes = tuple(
        (kind, name, v) for (kind, name), v in sorted(chosen.items(), key=lambda kv: kv[0]) if v is not None
    )
    return attributes, tuple(built)


def _after(names: _Names, stream: Event) -> float:
    """Hours after the enclosing event inside every window of ``stream`` relative to it."""
    for hours in sorted(names.times(stream.name, parent=True), key=abs):
        if all(
            not isinstance(f, Within) or not f.parent or 0 <= hours <= f.duration.hours
            for f in stream.filters
        ):
            return hours
    raise _Unbuildable(f"no moment is inside every window of {stream.name!r} after its enclosing event")


def _follow_for(names: _Names, leaf: Compare, left: Reduce, want: bool) -> list[Burst]:
    """Follow-up events that make a count inside a where() ``want`` (hours after the enclosing event)."""
    threshold = float(leaf.right.value)  # type: ignore[union-attr, arg-type]
    counts, _ = count_values(names.counts.get(left.stream.name, set()) | {threshold}, MAX_BURST)
    n = next((k for k in counts if _count_holds(leaf, k) == want), 0)
    return (
        [
            _burst(
                left.stream.name,
                n,
                _after(names, left.stream),
                _attributes(names, left.stream),
                None,
                left.property,
            )
        ]
        if n
        else []
    )


def _follow_probes(names: _Names, target: Compare, left: Reduce) -> list[tuple[str, tuple[Burst, ...]]]:
    """Follow-ups for a count inside a where(): each count around its thresholds, and one event more or
    less at each edge of its windows relative to the enclosing event."""
    stream = left.stream
    threshold = float(target.right.value)  # type: ignore[union-attr, arg-type]
    counts, beyond = count_values(names.counts.get(stream.name, set()) | {threshold}, MAX_BURST)
    if beyond:
        raise _Unbuildable(
            f"a count of {number_text(max(beyond))} is past the {MAX_BURST:,} events a probe builds", True
        )
    when, shape = _after(names, stream), _attributes(names, stream)
    found: list[tuple[str, tuple[Burst, ...]]] = [(f"{n} {stream.name!r} after it", (_burst(stream.name, n, when, shape, None, left.property),) if n else ())
             for n in counts]  # fmt: skip
    base = next((k for k in counts if _count_holds(target, k) != _count_holds(target, k + 1)), None)
    if base is not None:
        own = (_burst(stream.name, base, when, shape, None, left.property),) if base else ()
        for hours in names.times(stream.name, parent=True):
            one = _burst(stream.name, 1, hours, shape, None, left.property)
            found.append(
                (f"{base} {stream.name!r} after it and one {number_text(hours)} hours after it", (*own, one))
            )
    return found


_NONE: Any = object()
"""No representative satisfies the tests."""


def _satisfying(stretch: Stretches, tests: list[tuple[Compare, bool]]) -> Stored | None:
    for value in stretch.values():
        if all(holds(leaf, value) == want for leaf, want in tests):
            return value
    return _NONE  # type: ignore[no-any-return]


def _context(
    names: _Names, wanted: dict[Compare, bool], fixed: tuple[str, Stored | None] | None = None
) -> tuple[dict[str, Stored | None], list[Burst]]:
    """Traits and events meant to give each leaf of ``wanted`` its value (``fixed``: a trait already
    chosen); ``_value_of`` tells afterwards whether they do."""
    traits: dict[str, Stored | None] = {}
    bursts: list[Burst] = []
    by_trait: dict[str, list[tuple[Compare, bool]]] = {}
    for leaf, want in wanted.items():
        left = leaf.left
        if isinstance(left, Trait) and _literal_right(leaf):
            by_trait.setdefault(left.name, []).append((leaf, want))
        elif isinstance(left, Reduce) and _numeric_right(leaf):
            _check_stream(left.stream)
            bursts += _stream_for(names, leaf, left, want)
        else:
            raise _Unbuildable(f"it needs {condition_text(leaf)} to hold or fail: {_why_not(leaf)}")
    for name, tests in by_trait.items():
        found = _satisfying(names.stretch("trait", name), tests)
        traits[name] = None if found is _NONE else found
    if fixed is not None:
        traits[fixed[0]] = fixed[1]
    return traits, bursts


def _stream_for(names: _Names, leaf: Compare, left: Reduce, want: bool) -> list[Burst]:
    """Events that make ``leaf`` ``want``; none when no count up to the limit (or no value) does."""
    stream = left.stream
    threshold = float(leaf.right.value)  # type: ignore[union-attr, arg-type]
    if left.fn == "count":
        counts, _ = count_values(names.counts.get(stream.name, set()) | {threshold}, MAX_BURST)
        n = next((k for k in counts if _count_holds(leaf, k) == want), 0)
        if not n:
            return []
        return [
            _burst(stream.name, n, _inside(names, stream), _attributes(names, stream), None, left.property)
        ]
    if left.fn in _REDUCED and left.property:
        empty = _count_holds(leaf, 0) if left.fn == "sum" else False
        if empty == want:
            return []
        stretch = names.stretch("property", left.property)
        value = next((v for v in stretch.values() if v is not None and holds(leaf, v) == want), None)
        if value is None:
            return []
        attributes = _attributes(names, stream, fixed=((left.property, value),))
        return [_burst(stream.name, 1, _inside(names, stream), attributes)]
    raise _Unbuildable(_why_not(leaf))


# ---- tables ---------------------------------------------------------------------------------------

Rows = list[tuple[Any, ...]]


def burst_tables(plans: list[Plan], first_id: int, first_event: int) -> tuple[dict[str, Rows], Rows, Rows]:
    """Rows for ``plans``: accounts, users and traits (each user its own account, traits at both
    levels); bursts ``(burst, user, name, ts, count, source, first event id, distinct property)`` and
    their properties ``(burst, kind, name, num, str, bool)``. ``Sandbox.fill`` expands the events in SQL."""
    accounts: Rows = []
    users: Rows = []
    traits: Rows = []
    bursts: Rows = []
    props: Rows = []
    event = first_event
    extra = first_id + len(plans)  # ids of the second and later users of an account
    for index, plan in enumerate(plans):
        owner = first_id + index
        accounts.append((owner,))
        if plan.users is None:
            members = [(owner, plan.traits, plan.bursts)]
            traits += [(owner, "account", n, *v) for n, v in plan.traits.items() if v is not None]
        else:
            members = []
            for number, (own, own_bursts) in enumerate(plan.users):
                members.append((owner if number == 0 else extra, own, own_bursts))
                extra += number > 0
            traits += [(owner, "account", n, *v) for n, v in plan.traits.items() if v is not None]
        for user, own, own_bursts in members:
            users.append((user, owner))
            traits += [(user, "user", n, *v) for n, v in own.items() if v is not None]
            for burst in flatten(own_bursts):
                key = len(bursts)
                moment = NOW - timedelta(hours=burst.hours_ago)
                bursts.append(
                    (key, user, burst.name, moment, burst.count, burst.source, event, burst.distinct)
                )
                props += [(key, kind, name, *value) for kind, name, value in burst.attributes
                          if value is not None and name != burst.distinct]  # fmt: skip
                event += burst.count
    return {"accounts": accounts, "users": users, "traits": traits}, bursts, props
