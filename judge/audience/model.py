"""The typed AST of an audience definition: the JSON form of ``audience-ast.md``.

Every node is an immutable pydantic model that rejects unknown keys and wrong
types. Rules that depend on where a node stands (``property`` only inside a
``where``, ``ANY``/``ALL`` only in ``ACCOUNTS`` definitions, ...) are checked by
:mod:`judge.audience.rules` once the whole tree is built.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
    model_validator,
)

__all__ = [
    "AllOf",
    "And",
    "AnyOf",
    "Between",
    "Compare",
    "Condition",
    "Context",
    "Definition",
    "Duration",
    "Event",
    "Filter",
    "Literal_",
    "LiteralValue",
    "Not",
    "Or",
    "Property",
    "Reduce",
    "Scalar",
    "Sources",
    "Trait",
    "Where",
    "Within",
    "MAX_INTEGER",
    "OversizedInteger",
    "integer_limit_message",
    "COMPARISON_OPS",
    "LIST_OPS",
    "DURATION_OPS",
    "DATE_OPS",
    "STRING_OPS",
    "PRESENCE_OPS",
]

MAX_AMOUNT = 1_000_000
"""Longest window or duration accepted, in hours (about 114 years), whatever its unit."""
MAX_INTEGER = 2**63 - 1
"""Largest whole number a literal may hold (64 bits, as databases and most JSON readers keep them).

Larger whole numbers are refused with a message, never rounded: a number that
silently changed would make two different definitions look the same."""

COMPARISON_OPS = frozenset({"=", "!=", ">", ">=", "<", "<="})
PRESENCE_OPS = frozenset({"exists", "absent"})
LIST_OPS = frozenset({"contains", "one_of"})
STRING_OPS = frozenset({"omits", "starts_with", "ends_with"})
DATE_OPS = frozenset({"before_date", "after_date"})
DURATION_OPS = frozenset({"within_last", "within_next", "before_last", "after_next"})

Op = Literal[
    "=", "!=", ">", ">=", "<", "<=", "exists", "absent", "contains", "omits",
    "starts_with", "ends_with", "one_of", "before_date", "after_date",
    "within_last", "within_next", "before_last", "after_next",
]  # fmt: skip
Unit = Literal["hours", "days"]
ReduceFn = Literal["count", "sum", "avg", "min", "max", "mode", "first", "last", "unique"]
Name = Annotated[StrictStr, Field(min_length=1)]
LiteralValue = StrictBool | StrictInt | StrictFloat | StrictStr


class OversizedInteger:
    """A whole number read from JSON with more digits than any literal may hold; never converted to int."""

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a whole number of {len(self.digits.lstrip('-')):,} digits>"


def integer_limit_message(value: object) -> str:
    """The one sentence for a whole number past :data:`MAX_INTEGER`."""
    if isinstance(value, OversizedInteger):
        digits = len(value.digits.lstrip("-"))
    else:  # str() of a huge int is refused by Python itself, so its size comes from its bits
        assert isinstance(value, int)
        digits = int(abs(value).bit_length() * math.log10(2)) + 1
    return f"a whole number of {digits:,} digits is beyond the limit of +-{MAX_INTEGER:,} (64 bits)"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _plural_unit(value: Any) -> Any:
    return {"hour": "hours", "day": "days"}.get(value, value) if isinstance(value, str) else value


class Duration(_Node):
    """An amount of hours or days; ``7 days``."""

    amount: Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT)]
    unit: Unit

    _unit = field_validator("unit", mode="before")(_plural_unit)

    @model_validator(mode="after")
    def _in_reach(self) -> Duration:
        if self.hours > MAX_AMOUNT:
            raise ValueError(
                f"{self.amount:,} {self.unit} is longer than the limit of {MAX_AMOUNT:,} hours (about 114 years)"
            )
        return self

    @property
    def hours(self) -> int:
        return self.amount * (24 if self.unit == "days" else 1)


# ---- scalars ---------------------------------------------------------------


class Trait(_Node):
    type: Literal["trait"] = "trait"
    name: Name


class Property(_Node):
    type: Literal["property"] = "property"
    name: Name
    parent: StrictBool = False


class Context(_Node):
    type: Literal["context"] = "context"
    name: Name


class Literal_(_Node):
    type: Literal["literal"] = "literal"
    value: LiteralValue

    @field_validator("value", mode="before")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a number must be finite")
        if isinstance(value, OversizedInteger) or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER
        ):
            raise ValueError(integer_limit_message(value))
        return value


class Reduce(_Node):
    """A reducer over an event stream: ``event('X').within(7 days).count()``.

    ``count`` with a ``property`` is ``unique(property(p)).count()``: the number
    of distinct values of ``p``. A bare ``unique`` returns a list and is only a
    computed trait, never the side of a comparison.
    """

    type: Literal["reduce"] = "reduce"
    fn: ReduceFn
    stream: Event
    property: Name | None = None
    as_: Literal["number", "string", "array"] | None = Field(default=None, alias="as")
    min_frequency: Annotated[StrictInt, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _arguments_fit(self) -> Reduce:
        if self.fn != "count" and self.property is None:
            raise ValueError(f"{self.fn}() needs a property")
        if self.as_ is not None and self.fn not in ("min", "max", "mode"):
            raise ValueError(f"'as' is only for min, max and mode, not {self.fn}()")
        if self.as_ == "array" and self.fn != "mode":
            raise ValueError(f"{self.fn}() takes 'as number' or 'as string', not 'as array'")
        if (self.fn == "mode") != (self.min_frequency is not None):
            raise ValueError("mode() needs min_frequency and only mode() takes it")
        return self


Scalar = Annotated[Trait | Property | Context | Literal_ | Reduce, Field(discriminator="type")]


# ---- streams and their filters --------------------------------------------


class Where(_Node):
    type: Literal["where"] = "where"
    condition: Condition


class Within(_Node):
    type: Literal["within"] = "within"
    amount: Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT)]
    unit: Unit
    parent: StrictBool = False

    _unit = field_validator("unit", mode="before")(_plural_unit)

    @property
    def duration(self) -> Duration:
        return Duration(amount=self.amount, unit=self.unit)


class Between(_Node):
    type: Literal["between"] = "between"
    start: Duration
    end: Duration


class Sources(_Node):
    type: Literal["sources"] = "sources"
    exclude: Annotated[tuple[Name, ...], Field(min_length=1)]


Filter = Annotated[Where | Within | Between | Sources, Field(discriminator="type")]


class Event(_Node):
    type: Literal["event"] = "event"
    name: Name
    filters: tuple[Filter, ...] = ()


# ---- conditions -----------------------------------------------------------


def _right_kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Duration) or (isinstance(value, dict) and "type" not in value):
        return "duration"
    return "scalar"


RightOperand = Annotated[
    Annotated[Scalar, Tag("scalar")]
    | Annotated[tuple[Literal_, ...], Tag("list")]
    | Annotated[Duration, Tag("duration")]
    | Annotated[None, Tag("none")],
    Discriminator(_right_kind),
]


class Compare(_Node):
    """``left <op> right``; what ``right`` may be depends on ``op``."""

    type: Literal["compare"] = "compare"
    op: Op
    left: Scalar
    right: RightOperand = None

    @model_validator(mode="after")
    def _right_fits_op(self) -> Compare:
        op, right = self.op, self.right
        if op in PRESENCE_OPS:
            if right is not None:
                raise ValueError(f"{op}() takes no argument, so 'right' must be null")
        elif op in LIST_OPS:
            if not isinstance(right, tuple) or not right:
                raise ValueError(f"{op} needs a non-empty list of literals as 'right'")
        elif op in DURATION_OPS:
            if not isinstance(right, Duration):
                raise ValueError(f'{op} needs a duration such as {{"amount": 7, "unit": "days"}}')
        elif not isinstance(right, (Trait, Property, Context, Literal_, Reduce)):
            raise ValueError(f"'{op}' needs a scalar as 'right'")
        elif op in DATE_OPS:
            _check_timestamp(op, right)
        if isinstance(self.left, Reduce) and self.left.fn == "unique":
            raise ValueError("unique() returns a list; only count() may follow it")
        if isinstance(right, Reduce) and right.fn == "unique":
            raise ValueError("unique() returns a list; only count() may follow it")
        return self


def _check_timestamp(op: str, right: object) -> None:
    if not isinstance(right, Literal_):
        return
    if not isinstance(right.value, str):
        raise ValueError(f"{op} needs an ISO 8601 timestamp string")
    try:
        datetime.fromisoformat(right.value)
    except ValueError:
        raise ValueError(f"{op} needs an ISO 8601 timestamp, not {right.value!r}") from None


class And(_Node):
    type: Literal["and"] = "and"
    children: Annotated[tuple[Condition, ...], Field(min_length=2)]


class Or(_Node):
    type: Literal["or"] = "or"
    children: Annotated[tuple[Condition, ...], Field(min_length=2)]


class Not(_Node):
    type: Literal["not"] = "not"
    child: Condition


class AnyOf(_Node):
    """``ANY (...)``: some user of the account matches (``ACCOUNTS`` only)."""

    type: Literal["any"] = "any"
    child: Condition


class AllOf(_Node):
    """``ALL (...)``: every user of the account matches (``ACCOUNTS`` only)."""

    type: Literal["all"] = "all"
    child: Condition


Condition = Annotated[And | Or | Not | AnyOf | AllOf | Compare, Field(discriminator="type")]
Root = Annotated[And | Or | Not | AnyOf | AllOf | Compare | Reduce, Field(discriminator="type")]


class Definition(_Node):
    """A whole definition: an audience (boolean root) or a computed trait (a reducer)."""

    definition_type: Literal["USERS", "ACCOUNTS"] = "USERS"
    root: Root

    @property
    def is_audience(self) -> bool:
        return not isinstance(self.root, Reduce)

    def to_json(self) -> dict[str, Any]:
        """The JSON form, every key present, as the spec writes it."""
        return self.model_dump(mode="json", by_alias=True)


for _model in (Reduce, Where, Event, Compare, And, Or, Not, AnyOf, AllOf, Definition):
    _model.model_rebuild()
