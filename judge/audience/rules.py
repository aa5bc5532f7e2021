"""Loading the JSON form and the rules that depend on where a node stands.

``load`` turns JSON text or decoded data into a :class:`Definition`, or raises
:class:`AudienceValidationError` listing every problem with its JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from judge.audience.errors import AudienceValidationError, Problem
from judge.audience.model import (
    MAX_INTEGER,
    AllOf,
    And,
    AnyOf,
    Compare,
    Context,
    Definition,
    Event,
    Not,
    Or,
    OversizedInteger,
    Property,
    Reduce,
    Where,
    Within,
)

__all__ = ["MAX_DEPTH", "MAX_JSON_CHARS", "MAX_PRIMARY_EXPRESSIONS", "check", "load", "walk"]

MAX_DEPTH = 100
"""Deepest nesting of JSON objects and arrays accepted; real definitions stay under 30."""
MAX_JSON_CHARS = 1_000_000
"""Longest JSON text accepted, in characters."""
MAX_PRIMARY_EXPRESSIONS = 50
"""The language's own limit on comparisons in one definition."""


def load(source: str | bytes | dict[str, Any]) -> Definition:
    """Validate a definition given as JSON text or as already decoded JSON data."""
    data = _decode(source) if isinstance(source, (str, bytes)) else source
    if not isinstance(data, dict):
        raise AudienceValidationError([Problem("$", "a definition must be a JSON object")])
    _check_depth(data)
    try:
        definition = Definition.model_validate(data)
    except ValidationError as e:
        raise AudienceValidationError(_problems(e, data)) from e
    problems = check(definition)
    if problems:
        raise AudienceValidationError(problems)
    return definition


def check(definition: Definition) -> list[Problem]:
    """The rules that depend on context; an empty list means the definition is valid."""
    problems: list[Problem] = []
    compares = 0
    for path, node, events in walk(definition):
        if isinstance(node, Compare):
            compares += 1
        message = _misplaced(definition, node, events)
        if message:
            problems.append(Problem(path, message))
    if compares > MAX_PRIMARY_EXPRESSIONS:
        problems.append(
            Problem("$", f"{compares} comparisons; a definition holds at most {MAX_PRIMARY_EXPRESSIONS}")
        )
    return problems


def _misplaced(definition: Definition, node: BaseModel, events: int) -> str | None:
    """Why ``node`` cannot stand where it is; ``events`` counts enclosing ``where`` scopes."""
    if isinstance(node, (AnyOf, AllOf)) and definition.definition_type != "ACCOUNTS":
        word = "ANY" if isinstance(node, AnyOf) else "ALL"
        return f"{word} is only for ACCOUNTS definitions; this one is {definition.definition_type}"
    if isinstance(node, (Property, Context)) and events == 0:
        return f"{node.type}('{node.name}') is only valid inside a where(...) or a reducer"
    if isinstance(node, Property) and node.parent and events < 2:
        return f"property(parent: '{node.name}') needs an enclosing event: use it in a where() of an event nested in another event's where()"
    if isinstance(node, Within) and node.parent and events < 1:
        return (
            "within(parent: ...) needs an enclosing event: use it on an event inside another event's where()"
        )
    return None


def walk(definition: Definition) -> Iterator[tuple[str, BaseModel, int]]:
    """Every node with its JSON path and the number of ``where`` scopes around it."""
    stack: list[tuple[str, BaseModel, int]] = [("$.root", definition.root, 0)]
    while stack:
        path, node, events = stack.pop()
        yield path, node, events
        children: list[tuple[str, BaseModel, int]] = []
        if isinstance(node, (And, Or)):
            children = [(f"{path}.children[{i}]", c, events) for i, c in enumerate(node.children)]
        elif isinstance(node, (Not, AnyOf, AllOf)):
            children = [(f"{path}.child", node.child, events)]
        elif isinstance(node, Compare):
            children = [(f"{path}.left", node.left, events)]
            if isinstance(node.right, BaseModel) and hasattr(node.right, "type"):
                children.append((f"{path}.right", node.right, events))
        elif isinstance(node, Reduce):
            children = [(f"{path}.stream", node.stream, events)]
        elif isinstance(node, Event):
            children = [(f"{path}.filters[{i}]", f, events) for i, f in enumerate(node.filters)]
        elif isinstance(node, Where):
            children = [(f"{path}.condition", node.condition, events + 1)]
        stack.extend(reversed(children))


def _decode(source: str | bytes) -> Any:
    if len(source) > MAX_JSON_CHARS:
        raise AudienceValidationError(
            [Problem("$", f"the definition is {len(source):,} characters; the limit is {MAX_JSON_CHARS:,}")]
        )
    try:
        return json.loads(source, parse_int=_whole_number)
    except RecursionError:
        raise AudienceValidationError([Problem("$", f"nested deeper than {MAX_DEPTH} levels")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AudienceValidationError([Problem("$", f"not valid JSON: {e}")]) from e


def _whole_number(digits: str) -> int | OversizedInteger:
    """JSON's integers; one too long to be a literal stays a marker that validation names at its path.

    (Python refuses to convert more than 4,300 digits at all, with an error that says nowhere.)"""
    if len(digits.lstrip("-")) > _MAX_INTEGER_DIGITS:
        return OversizedInteger(digits)
    return int(digits)


_MAX_INTEGER_DIGITS = len(str(MAX_INTEGER))


def _check_depth(data: Any) -> None:
    stack: list[tuple[Any, int, str]] = [(data, 1, "$")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise AudienceValidationError([Problem(path, f"nested deeper than {MAX_DEPTH} levels")])
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{path}.{k}") for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value))


def _problems(error: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        path = _json_path(item["loc"], data)
        message = _message(item)
        problems.append(Problem(path, message))
    return problems


def _json_path(loc: tuple[int | str, ...], data: Any) -> str:
    """Turn pydantic's location (which also names union tags) into a JSON path."""
    path, value = "$", data
    for part in loc:
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            path, value = f"{path}.{part}", value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            path, value = f"{path}[{part}]", value[part]
        elif isinstance(part, str) and part in ("as_",) and isinstance(value, dict):
            path, value = f"{path}.as", value.get("as")
        elif isinstance(value, dict) and isinstance(part, str) and not _is_tag(part):
            path, value = f"{path}.{part}", None
    return path


def _is_tag(part: str) -> bool:
    """Pydantic's names for union members, which are not keys of the input."""
    return part in {"scalar", "list", "duration", "none"} or "[" in part or part in _NODE_TYPES


_NODE_TYPES = {
    "and", "or", "not", "any", "all", "compare", "trait", "property", "context",
    "literal", "reduce", "event", "where", "within", "between", "sources",
}  # fmt: skip


def _message(item: Any) -> str:
    kind, message = item["type"], item["msg"]
    if kind == "extra_forbidden":
        return "unknown key (a typo here would silently change the meaning)"
    if kind == "union_tag_invalid":
        return (
            f"unknown node type {item['input'].get('type')!r}" if isinstance(item["input"], dict) else message
        )
    if kind == "union_tag_not_found":
        return "missing 'type'"
    if kind == "missing":
        return "missing required key"
    return message.removeprefix("Value error, ")
