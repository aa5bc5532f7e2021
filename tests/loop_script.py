"""A judge for the prompt loop's tests, on the local fake provider: what it answers depends on the version.

The parent answers people's score on every other pair and two points off on the rest; a version whose
system text says MARK-GOOD answers people's score everywhere, one that says MARK-BAD four points off."""

from __future__ import annotations

import json
from typing import Any

from judge.llm.prompts import block
from tests.llm.fake_server import Reply, answer


def behave_by_version(people: dict[str, int]):  # type: ignore[no-untyped-def]
    """``people``: the <generated> block of each pair, as the prompt holds it, to people's consensus."""

    def behave(body: dict[str, Any], attempt: int) -> Reply:
        text = json.dumps(body)
        messages = " ".join(str(m.get("content")) for m in body.get("messages") or [])
        found = [(g, s) for g, s in people.items() if g in messages]
        if not found:
            return Reply(text=answer(3))
        generated, score = max(found, key=lambda f: len(f[0]))
        if "MARK-GOOD" in text:
            return Reply(text=answer(score, "scored as people do"))
        if "MARK-BAD" in text:
            return Reply(text=answer(1 if score >= 3 else 5, "scored against people"))
        half = sorted(people).index(generated) % 2
        return Reply(text=answer(score if half else (score + 2 if score <= 3 else score - 2), "the parent"))

    return behave


def generated_blocks(pairs: list[tuple[str, int]]) -> dict[str, int]:
    """(generated text, consensus) of each pair to the block the prompt holds."""
    return {block("generated", text): score for text, score in pairs}
