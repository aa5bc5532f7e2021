"""The closed sets of values the run tables hold: typed here, checked in code and by the schema's CHECKs."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["JUDGE_KINDS", "RUN_STATUSES", "VERDICTS", "JudgeKind", "RunStatus", "Verdict", "listed"]

RunStatus = Literal["created", "running", "finished", "failed", "cancelled", "imported"]
JudgeKind = Literal["execution", "llm", "external"]
Verdict = Literal["judge_right", "humans_right", "both_acceptable", "ambiguous"]

RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
JUDGE_KINDS: tuple[JudgeKind, ...] = get_args(JudgeKind)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)


def listed(values: tuple[str, ...]) -> str:
    """Values as an SQL list for a CHECK: they are fixed names of this module, never user input."""
    assert all(v.isidentifier() for v in values)
    return ", ".join(f"'{v}'" for v in values)
