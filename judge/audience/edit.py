"""Find nodes in a definition and replace one, returning a new definition (nodes are immutable)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from judge.audience.model import Definition

__all__ = ["Step", "nodes", "replace"]

Step = tuple[str, int | None]
"""A field name, and an index when the field holds a tuple of nodes."""


def nodes(definition: Definition) -> Iterator[tuple[tuple[Step, ...], BaseModel]]:
    """Every node below the definition with the steps that lead to it, parents first."""
    stack: list[tuple[tuple[Step, ...], BaseModel]] = [((("root", None),), definition.root)]
    while stack:
        path, node = stack.pop()
        yield path, node
        children = []
        for field in type(node).model_fields:
            value = getattr(node, field)
            if isinstance(value, BaseModel) and hasattr(value, "type"):
                children.append(((*path, (field, None)), value))
            elif isinstance(value, tuple):
                children.extend(
                    ((*path, (field, i)), v)
                    for i, v in enumerate(value)
                    if isinstance(v, BaseModel) and hasattr(v, "type")
                )
        stack.extend(reversed(children))


def replace(definition: Definition, path: tuple[Step, ...], new: Any) -> Definition:
    """A copy of ``definition`` with the node at ``path`` replaced by ``new`` (validated again)."""
    data = definition.model_dump(by_alias=True)
    target: Any = data
    for field, index in path[:-1]:
        target = target[field] if index is None else target[field][index]
    field, index = path[-1]
    dumped = new.model_dump(by_alias=True) if isinstance(new, BaseModel) else new
    if index is None:
        target[field] = dumped
    else:
        target[field] = [*target[field][:index], dumped, *target[field][index + 1 :]]
    return Definition.model_validate(data)
