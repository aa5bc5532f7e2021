"""Hypothesis strategies for valid audience definitions, honouring every context rule."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from judge.audience import Definition, check
from judge.audience.model import (
    COMPARISON_OPS,
    DATE_OPS,
    DURATION_OPS,
    LIST_OPS,
    MAX_INTEGER,
    PRESENCE_OPS,
    STRING_OPS,
    AllOf,
    And,
    AnyOf,
    Between,
    Compare,
    Context,
    Duration,
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

# Any text, quotes, backslashes and control characters included.
names = st.text(min_size=1, max_size=12)
plain_names = st.sampled_from(["Order Completed", "Product Viewed", "plan", "total_spend", "price", "sku"])
any_names = st.one_of(names, plain_names)
# Whole numbers to the literal's limit and floats around 2^53, where doubles stop holding every integer.
edge_numbers = st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63) + 1, 2.0**53, 2.0**53 + 2,
                                9.5e15, 1e20, -1e300, 0.1, 17.9, 2.5])  # fmt: skip
literal_values = st.one_of(
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.integers(-MAX_INTEGER, MAX_INTEGER),
    edge_numbers,
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=10),
)
literals = st.builds(Literal_, value=literal_values)
durations = st.builds(Duration, amount=st.integers(1, 2000), unit=st.sampled_from(["hours", "days"]))
timestamps = st.datetimes().map(lambda d: Literal_(value=d.isoformat()))


@st.composite
def events(draw: st.DrawFn, depth: int, scopes: int, accounts: bool) -> Event:
    """An event stream; ``scopes`` counts the where() scopes it stands in."""
    filters = []
    for _ in range(draw(st.integers(0, 3 if depth > 0 else 2))):
        kind = draw(
            st.sampled_from(
                ["where", "within", "between", "sources"] if depth > 0 else ["within", "between", "sources"]
            )
        )
        if kind == "where":
            filters.append(Where(condition=draw(conditions(depth - 1, scopes + 1, accounts))))
        elif kind == "within":
            d = draw(durations)
            filters.append(Within(amount=d.amount, unit=d.unit, parent=scopes >= 1 and draw(st.booleans())))
        elif kind == "between":
            filters.append(Between(start=draw(durations), end=draw(durations)))
        else:
            filters.append(Sources(exclude=tuple(draw(st.lists(names, min_size=1, max_size=3)))))
    return Event(name=draw(any_names), filters=tuple(filters))


@st.composite
def reducers(draw: st.DrawFn, depth: int, scopes: int, accounts: bool, allow_unique: bool = False) -> Reduce:
    fns = ["count", "count_distinct", "sum", "avg", "min", "max", "mode", "first", "last"]
    fn = draw(st.sampled_from(fns + (["unique"] if allow_unique else [])))
    stream = draw(events(depth, scopes, accounts))
    if fn == "count":
        return Reduce(fn="count", stream=stream)
    if fn == "count_distinct":
        return Reduce(fn="count", stream=stream, property=draw(any_names))
    typed = None
    if fn in ("min", "max"):
        typed = draw(st.sampled_from([None, "number", "string"]))
    if fn == "mode":
        typed = draw(st.sampled_from([None, "number", "string", "array"]))
    return Reduce(
        fn=fn,
        stream=stream,
        property=draw(any_names),
        as_=typed,
        min_frequency=draw(st.integers(1, 9)) if fn == "mode" else None,
    )


@st.composite
def scalars(draw: st.DrawFn, depth: int, scopes: int, accounts: bool) -> object:
    kinds = ["trait", "literal", "reduce"] + (["property", "context"] if scopes >= 1 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "trait":
        return Trait(name=draw(any_names))
    if kind == "literal":
        return draw(literals)
    if kind == "property":
        return Property(name=draw(any_names), parent=scopes >= 2 and draw(st.booleans()))
    if kind == "context":
        return Context(name=draw(any_names))
    return draw(reducers(max(depth - 1, 0), scopes, accounts))


@st.composite
def compares(draw: st.DrawFn, depth: int, scopes: int, accounts: bool) -> Compare:
    op = draw(
        st.sampled_from(
            sorted(COMPARISON_OPS | PRESENCE_OPS | LIST_OPS | STRING_OPS | DATE_OPS | DURATION_OPS)
        )
    )
    left = draw(scalars(depth, scopes, accounts))
    if op in PRESENCE_OPS:
        right = None
    elif op in LIST_OPS:
        right = tuple(draw(st.lists(literals, min_size=1, max_size=3)))
    elif op in DURATION_OPS:
        right = draw(durations)
    elif op in DATE_OPS:
        right = draw(timestamps)
    else:
        right = draw(scalars(depth, scopes, accounts))
    return Compare(op=op, left=left, right=right)


@st.composite
def conditions(draw: st.DrawFn, depth: int, scopes: int = 0, accounts: bool = False) -> object:
    if depth <= 0:
        return draw(compares(0, scopes, accounts))
    kinds = ["compare", "compare", "and", "or", "not"] + (["any", "all"] if accounts and scopes == 0 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "compare":
        return draw(compares(depth, scopes, accounts))
    if kind in ("and", "or"):
        children = tuple(draw(st.lists(conditions(depth - 1, scopes, accounts), min_size=2, max_size=3)))
        return And(children=children) if kind == "and" else Or(children=children)
    model = {"not": Not, "any": AnyOf, "all": AllOf}[kind]
    return model(child=draw(conditions(depth - 1, scopes, accounts)))


@st.composite
def definitions(draw: st.DrawFn, max_depth: int = 3) -> Definition:
    accounts = draw(st.booleans())
    depth = draw(st.integers(0, max_depth))
    if draw(st.integers(0, 9)) == 0:
        root = draw(reducers(depth, 0, accounts, allow_unique=True))
    else:
        root = draw(conditions(depth, 0, accounts))
    definition = Definition(definition_type="ACCOUNTS" if accounts else "USERS", root=root)
    assume(not check(definition))
    return definition
