"""The HANNA story ratings (``shared/data/hanna``): three people and five LLM judges on a 1-5 scale.

``hanna_metric_scores_llm.csv`` holds, per story generator, JSON lists of 96
scores (one per writing prompt). People's ratings are whole scores; an LLM's
score is the mean of three samples (steps of 1/3), stored as given beside the
nearest whole score (a mean of three never falls half-way): correlations are of
the means, agreement of the points. A judge whose column holds a
value outside 1-5 is refused with the row, column and story named; the other
judges still load. The user study (``user_study.csv``) gives binary issue
flags by three raters per explanation, rows grouped in threes.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from judge.data.records import prepare_pair
from judge.errors import JudgeError
from judge.judgment import Judgment
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

__all__ = ["CRITERIA", "JUDGES", "HannaLoad", "load_hanna", "user_study_flags"]

CRITERIA = {"RE": "Relevance", "CH": "Coherence", "EM": "Empathy", "SU": "Surprise", "EG": "Engagement",
            "CX": "Complexity"}  # fmt: skip
JUDGES = ("Beluga-13B", "OrcaPlatypus", "Mistral-7B", "Llama-13B", "ChatGPT")
SCORES_FILE = "hanna_metric_scores_llm.csv"
STUDY_FILE = "user_study.csv"


@dataclass
class HannaLoad:
    dataset: str
    pairs: int = 0
    ratings: int = 0
    runs: dict[str, int] = field(default_factory=dict)  # judge -> run id
    refused: dict[str, str] = field(default_factory=dict)  # judge -> why


def _rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _scores(path: Path, row_number: int, row: dict[str, str], column: str) -> list[float]:
    try:
        values = json.loads(row[column])
    except KeyError as e:
        raise JudgeError(f"{path}: no column {column!r}") from e
    except json.JSONDecodeError as e:
        raise JudgeError(f"{path} row {row_number}, column {column!r}: not a JSON list: {e}") from e
    return [float(v) for v in values]


def _whole(path: Path, row_number: int, model: str, column: str, values: list[float]) -> list[int]:
    return [int(math.floor(v + 0.5)) for v in _checked(path, row_number, model, column, values)]


def _checked(path: Path, row_number: int, model: str, column: str, values: list[float]) -> list[float]:
    for story, value in enumerate(values):
        if math.isnan(value) or not 1 <= value <= 5:
            raise JudgeError(f"{path} row {row_number} ({model}), column {column!r}, story {story}: "
                             f"{value:g} is outside the scale 1-5")  # fmt: skip
    return values


def load_hanna(db: Database, folder: Path, criterion: str = "CH", prompt: int = 1) -> HannaLoad:
    """Stories as pairs, the three people's ratings, and one run per LLM judge (``prompt`` 1-4)."""
    if criterion not in CRITERIA:
        raise JudgeError(f"criterion is one of {', '.join(CRITERIA)}, not {criterion!r}")
    path = folder / SCORES_FILE
    rows = _rows(path)
    load = HannaLoad(f"hanna-{CRITERIA[criterion].lower()}")
    people: list[tuple[str, int, list[int]]] = []  # (external id prefix, rater, scores)
    pairs = []
    for number, row in enumerate(rows, start=2):
        model = row["Model"]
        stories = len(_scores(path, number, row, f"Human 1 {criterion}"))
        pairs += [prepare_pair({"external_id": f"{model}-{i:02d}", "kind": "text", "generator_model": model,
                                "ground_truth": f"writing prompt {i}", "generated": f"story {i} by {model}"})
                  for i in range(stories)]  # fmt: skip
        for rater in (1, 2, 3):
            column = f"Human {rater} {criterion}"
            people.append(
                (model, rater, _whole(path, number, model, column, _scores(path, number, row, column)))
            )
    load.pairs = pair_store.add_pairs(db, load.dataset, pairs)[0]
    stored = pair_store.pairs_frame(db, load.dataset)
    ids = dict(zip(stored["external_id"], stored["pair_id"], strict=True))
    ratings = [rating_store.NewRating(int(ids[f"{model}-{i:02d}"]), f"hanna-rater-{rater}", score, None, None,
                           f"hanna-{criterion}-{model}-{i}-{rater}")
               for model, rater, scores in people for i, score in enumerate(scores)]  # fmt: skip
    load.ratings = rating_store.add_ratings(db, ratings)
    for judge in JUDGES:
        column = f"{judge} {criterion} {prompt}"
        try:
            results = []
            for number, row in enumerate(rows, start=2):
                given = _checked(path, number, row["Model"], column, _scores(path, number, row, column))
                results += [
                    Judgment(judge, point, model=judge, value=None if point == v else v).of(
                        int(ids[f"{row['Model']}-{i:02d}"]))
                    for i, v in enumerate(given) for point in [int(math.floor(v + 0.5))]
                ]  # fmt: skip
        except JudgeError as e:
            load.refused[judge] = str(e)
            continue
        name = f"{judge} · HANNA {CRITERIA[criterion]} prompt {prompt}"
        dataset_key = pair_store.dataset_id(db, load.dataset)
        run = run_store.find_run(db, name, "external", dataset_key) or run_store.create_run(
            db, name=name, judge_kind="external", status="imported", model=judge,
            dataset_id=dataset_key, source=str(path),
        )  # fmt: skip
        result_store.add_judgments(db, run, results)
        load.runs[judge] = run
    return load


def user_study_flags(folder: Path) -> dict[str, NDArray[np.float64]]:
    """For each issue flag, an explanations x 2 matrix of how many raters said no (0) and yes (1)."""
    path = folder / STUDY_FILE
    rows = _rows(path)
    if len(rows) % 3:
        raise JudgeError(
            f"{path}: {len(rows)} rows; the study has three raters per explanation (rows in threes)"
        )
    flags = {}
    for column in rows[0]:
        if not column.startswith("Answer."):
            continue
        name = column.split("-", 2)[-1].split(".")[0]
        values = np.array([int(r[column]) for r in rows]).reshape(-1, 3)
        flags[name] = np.stack([(values == 0).sum(1), (values == 1).sum(1)], axis=1).astype(float)
    return flags
