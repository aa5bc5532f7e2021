"""The request a person would have typed, from the English rendering, varied."""

from __future__ import annotations

import random

from judge.audience import Definition, to_english

__all__ = ["request_for"]

_OPENINGS = (
    "Build an audience of {}",
    "I need a segment of {}",
    "Can you find {}?",
    "Show me {}",
    "Create an audience: {}",
    "{}",
    "Target {}",
)


def request_for(definition: Definition, rng: random.Random) -> str:
    """A request for ``definition`` in one of a few phrasings, sometimes with a 'please'."""
    english = to_english(definition)
    body = english[0].lower() + english[1:]
    request = rng.choice(_OPENINGS).format(body)
    if rng.random() < 0.2:
        request += ", please"
    return request[0].upper() + request[1:]
