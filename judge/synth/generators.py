"""AST generators: reading what an LLM generator answers, and offline stand-ins made of the demo's mutations.

An LLM answers ``{"definition": "<text form>"}`` (structured output); a server
without structured output may answer the text form in a code fence, or AST
JSON. Whatever it is, the AST model validates it: :func:`read_definition`
returns the definition or raises :class:`AudienceError` with where and why,
which goes back to the model for a bounded number of repairs.

Offline generators need no model: each turns the ground truth into a variant
with the demo's mutation operators, with an error profile of its own, so that
the Generators page has something to compare on a machine with no key.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from judge.audience import AudienceError, Definition, to_text
from judge.data.records import parse_side
from judge.demo.mutations import Effect, mutate
from judge.llm.answers import AnswerError, answer_object

__all__ = ["OFFLINE", "OfflineGeneration", "definition_text", "offline_generate", "read_definition"]

_FENCE = re.compile(r"```[a-z]*\s*(.*?)```", re.DOTALL)

OFFLINE: dict[str, dict[Effect | None, float]] = {
    # weights of what an offline generator does to a ground truth: None keeps it as it is
    "careful": {None: 0.45, "equivalent": 0.3, "small": 0.17, "large": 0.08},
    "hasty": {None: 0.2, "equivalent": 0.2, "small": 0.3, "large": 0.3},
}
INVALID_SHARE = {"careful": 0.02, "hasty": 0.08}  # answers that are not a definition at all


@dataclass(frozen=True)
class OfflineGeneration:
    text: str  # what the generator "answered"
    mutation: str  # identical, a mutation's name, or invalid


def definition_text(answer: str) -> str:
    """What in a generator's answer is meant as the definition (kept as given when it does not validate)."""
    body = answer.strip()
    if body.startswith("{"):
        try:
            value = answer_object(body, "definition")
        except AnswerError:
            return body
        if value is not None:
            inner = value["definition"]
            return json.dumps(inner, ensure_ascii=False) if isinstance(inner, dict) else str(inner)
        return body
    fenced = _FENCE.search(body)
    return fenced.group(1).strip() if fenced else body


def read_definition(answer: str) -> Definition:
    """The definition in a generator's answer, validated by the AST model (AudienceError says where and why)."""
    text = definition_text(answer)
    if text.startswith("{"):
        try:
            json.loads(text)
        except json.JSONDecodeError as e:
            raise AudienceError(f"the answer is not valid JSON: {e}") from e
    return parse_side(text)


def offline_generate(truth: Definition, generator: str, rng: random.Random) -> OfflineGeneration:
    """What the offline generator ``generator`` makes of ``truth``."""
    if rng.random() < INVALID_SHARE[generator]:
        text = to_text(truth)
        return OfflineGeneration(text[: len(text) * 2 // 3] + " AND (", "invalid")  # cut off mid-definition
    weights = OFFLINE[generator]
    effect = rng.choices(list(weights), weights=list(weights.values()))[0]
    made = mutate(truth, effect, rng) if effect else None
    name, generated = made if made else ("identical", truth)
    return OfflineGeneration(to_text(generated), name)
