"""A rubric per dataset: people see its lines, the offline judge scores by it, LLM runs render and record it."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.annotation import rubric_lines
from judge.cli import main
from judge.dataset_rubric import rubric_for, set_rubric
from judge.demo.store import store_demo
from judge.errors import JudgeError
from judge.execution.run import run_execution
from judge.llm import RunSpec
from judge.llm.run import plan
from judge.rubric import DEFAULT_RUBRIC_PATH, RubricError, current_rubric
from storage import Database
from storage import pairs as pair_store
from storage import runs as run_store
from tests.conftest import text_pair


def stricter(tmp_path: Path) -> Path:
    """The shipped rubric as version 2, with a window off scored 2."""
    text = DEFAULT_RUBRIC_PATH.read_text().replace("version = 1", "version = 2")
    lines = text.splitlines()
    text = "\n".join("window = 2" if line.replace(" ", "").startswith("window=") else line for line in lines) + "\n"
    path = tmp_path / "stricter.toml"
    path.write_text(text)
    return path


def test_a_dataset_rated_and_judged_by_its_own_rubric(db: Database, tmp_path: Path) -> None:
    store_demo(db, count=12)
    pair_store.add_pairs(db, "other", [text_pair("x")])
    path = stricter(tmp_path)
    assert "now rated and judged by rubric" in set_rubric(db, "demo", path)
    assert "already" in set_rubric(db, "demo", path)
    mine, shipped = rubric_for(db, "demo"), current_rubric()
    assert (mine.version, mine.differences["window"]) == (2, 2) and shipped.differences["window"] != 2
    assert rubric_for(db, "other").sha256 == shipped.sha256  # another dataset keeps the shipped one
    assert rubric_lines(db, "demo") == mine.lines
    run = run_execution(db, "demo")
    assert run_store.run_settings(db, run)["parameters"]["rubric"]["version"] == 2  # type: ignore[index]
    made = plan(db, RunSpec(dataset="demo", provider="openai", model="m", prompt="judge-cot@2"))
    assert made.rubric.sha256 == mine.sha256 and made.graded_by["version"] == 2


def test_a_bad_rubric_is_refused_and_the_one_in_force_stays(db: Database, tmp_path: Path) -> None:
    store_demo(db, count=3)
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_RUBRIC_PATH.read_text().replace("[differences]", "[differences]\nnonsense = 3"))
    with pytest.raises(RubricError, match="differences.nonsense"):
        set_rubric(db, "demo", bad)
    assert rubric_for(db, "demo").sha256 == current_rubric().sha256
    with pytest.raises(JudgeError, match="no dataset named 'nope'"):
        set_rubric(db, "nope", DEFAULT_RUBRIC_PATH)


def test_the_command_sets_a_datasets_rubric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.duckdb"
    db = Database(path)
    store_demo(db, count=3)
    db.close()
    assert main(["rubric", str(stricter(tmp_path)), "--dataset", "demo", "--db", str(path)]) == 0
    assert "now rated and judged by rubric audience v2" in capsys.readouterr().out


def test_an_execution_run_does_not_resume_under_a_changed_rubric(db: Database, tmp_path: Path) -> None:
    store_demo(db, count=3)
    run = run_execution(db, "demo")
    set_rubric(db, "demo", stricter(tmp_path))
    with pytest.raises(JudgeError, match="rubric of demo changed since run"):
        run_execution(db, "demo", resume=run)
