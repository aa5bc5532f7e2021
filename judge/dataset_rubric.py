"""The rubric of a dataset: the one set for it (``judge rubric --dataset D FILE``), else the one in force
for the deployment (``$JUDGE_RUBRIC`` or the shipped file). People rate by it on the Annotate page, the
offline judge maps differences onto it, and judge templates with ``{rubric}`` grade by it."""

from __future__ import annotations

from pathlib import Path

from judge.errors import JudgeError
from judge.rubric import Rubric, current_rubric, load_rubric, parse_rubric
from judge.scale import FIVE, Scale
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import rubrics as rubric_store
from storage import rules as rule_store
from storage import runs as run_store

__all__ = ["declare_scale", "rubric_for", "rules_of", "run_scale", "scale_of", "scale_rubric_text", "set_rubric",
           "set_rules"]


def rubric_for(db: Database, dataset: str) -> Rubric:
    text = rubric_store.dataset_rubric(db, dataset)
    if text is None:
        return current_rubric()
    return parse_rubric(text.encode(), f"the rubric of dataset {dataset}")


def scale_of(db: Database, dataset: str | None) -> Scale:
    """The scale ``dataset`` is rated and judged on (1-5 for none)."""
    return rubric_for(db, dataset).scale if dataset else FIVE


def run_scale(db: Database, run_id: int) -> Scale:
    """The scale of the dataset a run judged."""
    settings = run_store.run_settings(db, run_id)
    return scale_of(db, (settings or {}).get("dataset"))


def set_rubric(db: Database, dataset: str, path: Path, by: str | None = None) -> str:
    """Check the rubric file and make it the dataset's; returns a sentence saying what changed."""
    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    rubric = load_rubric(path)
    return set_rubric_text(db, dataset, key, path.read_text(encoding="utf-8"), rubric, by)


def set_rubric_text(db: Database, dataset: str, key: int, text: str, rubric: Rubric, by: str | None) -> str:
    scale = rubric.scale
    changed = rubric_store.set_dataset_rubric(db, key, text, rubric.sha256, by, (scale.low, scale.high))
    named = f"rubric {rubric.name} v{rubric.version} (a {scale.describe()} scale)"
    if not changed:
        return f"dataset {dataset} is rated and judged by {named} already"
    return (f"dataset {dataset} is now rated and judged by {named}; runs made before graded by the one they "
            "recorded, and comparisons say when two rubrics differ")  # fmt: skip


def scale_rubric_text(scale: Scale, dataset: str) -> str:
    """A rubric that declares ``scale`` and nothing more: one line per point, named by its label."""
    lines = [f"name = {_toml_string(dataset + ' scale')}", "version = 1", ""]
    if scale.pass_at is not None:
        lines += ["[scale]", f"pass_at = {scale.pass_at}", ""]
    lines.append("[lines]")
    for point in reversed(scale.points):
        name = scale.label(point)
        lines.append(f"{point} = [{_toml_string(name)}, {_toml_string(name)}]")  # no meaning beyond its name
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def declare_scale(db: Database, dataset: str, scale: Scale, by: str | None = None) -> str:
    """Put ``dataset`` on ``scale`` (a rubric that declares only the scale), unless it is on it already."""
    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    text = scale_rubric_text(scale, dataset)
    return set_rubric_text(db, dataset, key, text, parse_rubric(text.encode(), f"the scale of {dataset}"), by)


def rules_of(db: Database, dataset: str | None) -> tuple[str, str]:
    """How the dataset's ratings make people's score of a pair, and a judge's samples its score."""
    key = pair_store.dataset_id(db, dataset) if dataset else None
    return rule_store.dataset_rules(db, key) if key is not None else ("median", "median")


def set_rules(db: Database, dataset: str, people: str, samples: str, by: str | None = None) -> str:
    """Choose how ``dataset``'s ratings combine per pair (median, mean, majority, rater:NAME) and how a judge's
    samples do (median, mean); a sentence saying what every figure now rests on."""
    from judge.agreement.report import (  # here: the agreement package imports this module
        check_rule,
        rule_words,
    )

    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    check_rule(people)
    check_rule(samples, samples=True)
    if people.startswith("rater:"):
        name = people.removeprefix("rater:")
        raters = sorted(set(rating_store.ratings_frame(db, dataset, everyone=True)["annotator"]))
        if name not in raters:
            raise JudgeError(f"nobody named {name!r} rated dataset {dataset}; its raters are "
                             f"{', '.join(raters) or 'none yet'}")  # fmt: skip
    rule_store.set_dataset_rules(db, key, people, samples, by)
    return (f"dataset {dataset}: people's score of a pair is {rule_words(people)}; a judge's is the "
            f"{samples} of its samples. Every figure, set and gate reads them so from now on.")  # fmt: skip
