"""The rubric of a dataset: the one set for it (``judge rubric --dataset D FILE``), else the one in force
for the deployment (``$JUDGE_RUBRIC`` or the shipped file). People rate by it on the Annotate page, the
offline judge maps differences onto it, and judge templates with ``{rubric}`` grade by it.

A dataset may instead name several criteria, each with a rubric (and so a scale) of its own: people rate each
criterion of a pair on one screen, a judge run scores one criterion, and every figure is of one criterion.
A dataset that names none has the one criterion ''."""

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

MAX_CRITERION = 80

__all__ = [
    "check_criterion_name",
    "choose_criterion",
    "criteria_of",
    "declare_criteria",
    "declare_scale",
    "no_such_criterion",
    "rubric_for",
    "rules_of",
    "run_criterion",
    "run_scale",
    "scale_of",
    "scale_rubric_text",
    "set_rubric",
    "set_rules",
]


def criteria_of(db: Database, dataset: str) -> list[str]:
    """The dataset's criteria in order; [''] for a dataset that names none (and for no such dataset)."""
    key = pair_store.dataset_id(db, dataset)
    return rubric_store.criteria(db, key) if key is not None else [""]


def no_such_criterion(db: Database, dataset: str, criterion: str) -> JudgeError:
    """The error for a criterion ``dataset`` does not have, naming what it has."""
    named = criteria_of(db, dataset)
    has = ("one score and no named criteria" if named == [""]
           else "the criteria " + ", ".join(repr(c) for c in named))  # fmt: skip
    return JudgeError(f"dataset {dataset} has no criterion {criterion!r}; it is rated on {has}")


def check_criterion_name(name: str) -> str:
    """A criterion's name as given, or an error: 1 to 80 characters, no spaces around it, no control
    characters (a name is shown in every sentence about its figures)."""
    if not name or len(name) > MAX_CRITERION or name != name.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F
                                                                          for c in name):  # fmt: skip
        raise JudgeError(f"a criterion's name is 1 to {MAX_CRITERION} characters, with no spaces around it and no "
                         f"control characters, not {name[:90]!r}")  # fmt: skip
    return name


def choose_criterion(db: Database, dataset: str, given: str | None, of_set: str | None = None,
                     what: str = "the judge scores") -> str:  # fmt: skip
    """The criterion a run (or a calibration set) scores: the one given, the calibration set's, or the
    dataset's only one; an error naming the dataset's criteria when it has several and none is said, or the
    one said is not there."""
    named = criteria_of(db, dataset)
    if of_set is not None and given is not None and given != of_set:
        raise JudgeError(f"the calibration set is of criterion {of_set!r}, not {given!r}")
    chosen = given if given is not None else of_set if of_set is not None else named[0] if len(named) == 1 else None
    if chosen is None:
        raise JudgeError(f"dataset {dataset} is rated on {', '.join(named)}: say which criterion {what} "
                         "(--criterion NAME)")  # fmt: skip
    if chosen not in named:
        raise no_such_criterion(db, dataset, chosen)
    return chosen


def rubric_for(db: Database, dataset: str, criterion: str = "") -> Rubric:
    """The rubric ``dataset``'s ``criterion`` is rated and judged by; a criterion the dataset does not have is
    an error naming those it has."""
    text = rubric_store.dataset_rubric(db, dataset, criterion)
    if text is None:
        if criterion or criteria_of(db, dataset) != [""]:
            raise no_such_criterion(db, dataset, criterion)
        return current_rubric()
    where = f"the rubric of dataset {dataset}" + (f", criterion {criterion}" if criterion else "")
    return parse_rubric(text.encode(), where)


def scale_of(db: Database, dataset: str | None, criterion: str = "") -> Scale:
    """The scale ``dataset``'s ``criterion`` is rated and judged on (1-5 for none)."""
    return rubric_for(db, dataset, criterion).scale if dataset else FIVE


def run_criterion(db: Database, run_id: int) -> str:
    """The criterion a run scored ('' on a dataset that names none)."""
    return str((run_store.run_settings(db, run_id) or {}).get("criterion") or "")


def run_scale(db: Database, run_id: int) -> Scale:
    """The scale of the criterion a run judged."""
    settings = run_store.run_settings(db, run_id) or {}
    return scale_of(db, settings.get("dataset"), str(settings.get("criterion") or ""))


def set_rubric(db: Database, dataset: str, path: Path, by: str | None = None, criterion: str = "") -> str:
    """Check the rubric file and make it the dataset's (its ``criterion``'s); returns a sentence saying what
    changed."""
    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    rubric = load_rubric(path)
    return set_rubric_text(db, dataset, key, path.read_text(encoding="utf-8"), rubric, by, criterion)


def set_rubric_text(
    db: Database, dataset: str, key: int, text: str, rubric: Rubric, by: str | None, criterion: str = ""
) -> str:
    scale = rubric.scale
    if criterion not in criteria_of(db, dataset):
        raise no_such_criterion(db, dataset, criterion)
    current = rubric_for(db, dataset, criterion).scale
    where = {label.strip().lower(): point for point, label in zip(current.points, current.labels, strict=False)}
    moved = [(label, where[label.strip().lower()], point) for point, label in zip(scale.points, scale.labels, strict=False)
             if where.get(label.strip().lower(), point) != point]  # fmt: skip
    if moved and not rating_store.ratings_frame(db, dataset, current_only=False, criterion=criterion).empty:
        label, was, now = moved[0]
        raise JudgeError(f"the rubric puts {label!r} on {now}, where the scores given so far mean it by {was}: "
                         "every rating would change its meaning. Keep the points' names, or rate on a new dataset.")  # fmt: skip
    changed = rubric_store.set_dataset_rubric(db, key, text, rubric.sha256, by, (scale.low, scale.high), criterion)
    named = f"rubric {rubric.name} v{rubric.version} (a {scale.describe()} scale)"
    what = f"dataset {dataset}" + (f", criterion {criterion}," if criterion else "")
    if not changed:
        return f"{what} is rated and judged by {named} already"
    return (f"{what} is now rated and judged by {named}; runs made before graded by the one they "
            "recorded, and comparisons say when two rubrics differ")  # fmt: skip


def declare_criteria(db: Database, dataset: str, scales: dict[str, Scale], by: str | None = None) -> str:
    """Give ``dataset`` named criteria, each on its scale (a rubric that declares only the scale), in the order
    given; criteria it has already keep their place (on the same scale). A sentence saying what it has now."""
    key = pair_store.dataset_id(db, dataset)
    if key is None:
        raise JudgeError(f"no dataset named {dataset!r}")
    given = []
    for name, scale in scales.items():
        check_criterion_name(name)
        text = scale_rubric_text(scale, f"{dataset} · {name}")
        rubric = parse_rubric(text.encode(), f"the scale of {dataset}, criterion {name}")
        given.append((name, text, rubric.sha256, (scale.low, scale.high)))
    rubric_store.add_criteria(db, key, given, by)
    return f"dataset {dataset} is rated on {len(criteria_of(db, dataset))} criteria: " + ", ".join(
        f"{name} ({scale_of(db, dataset, name).describe()})" for name in criteria_of(db, dataset)
    )


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
    """A TOML basic string holding ``text`` exactly: control characters written as escapes, which TOML
    does not allow as they are."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
                      for c in text.replace("\\", "\\\\").replace('"', '\\"'))  # fmt: skip
    return '"' + escaped + '"'


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
        everyone = rating_store.ratings_frame(db, dataset, everyone=True)
        raters = sorted(set(everyone["annotator"]))
        if name not in raters:
            raise JudgeError(f"nobody named {name!r} rated dataset {dataset}; its raters are "
                             f"{', '.join(raters) or 'none yet'}")  # fmt: skip
        if everyone.loc[everyone["annotator"] == name, "excluded"].astype(bool).all():
            raise JudgeError(f"{name} is left out of the consensus (Agreement page, Annotators); take them back in "
                             "before making their ratings people's side")  # fmt: skip
    rule_store.set_dataset_rules(db, key, people, samples, by)
    return (f"dataset {dataset}: people's score of a pair is {rule_words(people)}; a judge's is the "
            f"{samples} of its samples. Every figure, set and gate reads them so from now on.")  # fmt: skip
