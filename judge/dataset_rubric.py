"""The rubric of a dataset: the one set for it (``judge rubric --dataset D FILE``), else the one in force
for the deployment (``$JUDGE_RUBRIC`` or the shipped file). People rate by it on the Annotate page, the
offline judge maps differences onto it, and judge templates with ``{rubric}`` grade by it."""

from __future__ import annotations

from pathlib import Path

from judge.errors import JudgeError
from judge.rubric import Rubric, current_rubric, load_rubric, parse_rubric
from storage import Database
from storage import pairs as pair_store
from storage import rubrics as rubric_store

__all__ = ["rubric_for", "set_rubric"]


def rubric_for(db: Database, dataset: str) -> Rubric:
    text = rubric_store.dataset_rubric(db, dataset)
    if text is None:
        return current_rubric()
    return parse_rubric(text.encode(), f"the rubric of dataset {dataset}")


def set_rubric(db: Database, dataset: str, path: Path, by: str | None = None) -> str:
    """Check the rubric file and make it the dataset's; returns a sentence saying what changed."""
    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    rubric = load_rubric(path)
    changed = rubric_store.set_dataset_rubric(db, key, path.read_text(encoding="utf-8"), rubric.sha256, by)
    if not changed:
        return f"dataset {dataset} is rated and judged by rubric {rubric.name} v{rubric.version} already"
    return (f"dataset {dataset} is now rated and judged by rubric {rubric.name} v{rubric.version}; runs made before "
            "graded by the one they recorded, and comparisons say when two rubrics differ")  # fmt: skip
