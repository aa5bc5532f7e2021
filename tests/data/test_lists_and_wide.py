"""Files people have: cells that hold lists (one value per item), judgments one column per judge, and a table
whose score columns are its raters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.data import ImportRejected, import_judgments
from judge.data.files import FileFormatError, read_rows
from judge.data.table import TableMapping, import_rating_table
from judge.errors import JudgeError
from judge.scale import FIVE
from storage import Database
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.conftest import csv_file

STUDY = [
    {"Model": "GPT-2", "Human 1": "[4, 5, 3]", "Human 2": "[4, 4, 2]", "Judge A": "[3.67, 5, 2]", "Judge B": "[4, 4, 4]"},
    {"Model": "BART", "Human 1": "[2, 1, 5]", "Human 2": "[3, 1, 5]", "Judge A": "[2, 1.33, 5]", "Judge B": "[1, 1, 1]"},
]  # fmt: skip


def study(tmp_path: Path, rows: list[dict[str, object]] = STUDY) -> Path:
    return csv_file(tmp_path / "study.csv", rows)


def test_cells_of_lists_become_one_row_per_item_named_by_the_row_and_place(tmp_path: Path) -> None:
    rows = read_rows(study(tmp_path), lists=True)
    assert [(r["item"], r["place"], r["Model"], r["Human 1"], r["Judge A"]) for r in rows] == [
        ("GPT-2-1", 1, "GPT-2", 4, 3.67), ("GPT-2-2", 2, "GPT-2", 5, 5), ("GPT-2-3", 3, "GPT-2", 3, 2),
        ("BART-1", 1, "BART", 2, 2), ("BART-2", 2, "BART", 1, 1.33), ("BART-3", 3, "BART", 5, 5),
    ]  # fmt: skip
    jsonl = tmp_path / "study.jsonl"  # lists as JSON values, not text
    jsonl.write_text("".join(json.dumps({"m": "x", "s": [1, 2]}) + "\n" for _ in range(1)), encoding="utf-8")
    assert [r["item"] for r in read_rows(jsonl, lists=True)] == ["x-1", "x-2"]


def test_lists_of_different_lengths_in_a_row_are_named(tmp_path: Path) -> None:
    bad = [dict(STUDY[0]), {**STUDY[1], "Judge B": "[1, 1]"}]
    with pytest.raises(FileFormatError, match=r"row 2: the lists differ in length \('Judge B' has 2, 'Human 1' 3\)"):
        read_rows(study(tmp_path, bad), lists=True)
    with pytest.raises(FileFormatError, match="row 1: no cell holds a list"):
        read_rows(csv_file(tmp_path / "plain.csv", [{"a": "1", "b": "2"}]), lists=True)
    with pytest.raises(FileFormatError, match="column 'item' already"):
        read_rows(csv_file(tmp_path / "item.csv", [{"item": "x", "s": "[1]"}]), lists=True)


def _people(db: Database, tmp_path: Path) -> Path:
    path = study(tmp_path)
    mapping = TableMapping("Model", "place", ("Human 1", "Human 2"), external_id="item", raters=True, lists=True)
    found = import_rating_table(db, path, "study", mapping, FIVE)
    assert found.pairs == 6 and found.criteria[""].added == 12
    return path


def test_a_table_whose_score_columns_are_its_raters(db: Database, tmp_path: Path) -> None:
    _people(db, tmp_path)
    ratings = rating_store.ratings_frame(db, "study")
    assert sorted(set(ratings["annotator"])) == ["Human 1", "Human 2"]
    assert dict(zip(ratings.loc[ratings["annotator"] == "Human 2", "external_id"],
                    ratings.loc[ratings["annotator"] == "Human 2", "score"], strict=True)) == {
        "GPT-2-1": 4, "GPT-2-2": 4, "GPT-2-3": 2, "BART-1": 3, "BART-2": 1, "BART-3": 5}  # fmt: skip
    again = import_rating_table(db, study(tmp_path), "study", TableMapping(
        "Model", "place", ("Human 1", "Human 2"), external_id="item", raters=True, lists=True), FIVE)  # fmt: skip
    assert again.pairs == 0 and again.criteria[""].added == 0  # the same file twice adds nothing
    with pytest.raises(JudgeError, match="no column of who rated"):
        import_rating_table(db, study(tmp_path), "study", TableMapping("Model", "place", ("Human 1",), "Model",
                                                                       "item", raters=True, lists=True), FIVE)  # fmt: skip


def test_judgments_one_column_per_judge_become_one_run_each(db: Database, tmp_path: Path) -> None:
    path = _people(db, tmp_path)
    report = import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True,
                              columns=["Judge A", "Judge B"])  # fmt: skip
    assert (report.added, report.runs) == (12, ("Judge A", "Judge B")) and "in 2 runs" in str(report)
    runs = run_store.runs_frame(db).set_index("name")
    frame = result_store.results_frame(db, int(runs.loc["Judge A", "id"])).set_index("external_id")
    assert frame.loc["GPT-2-1", "value"] == pytest.approx(3.67) and frame.loc["GPT-2-1", "score"] == 4
    assert frame.loc["BART-2", "value"] == pytest.approx(1.33) and frame.loc["BART-2", "score"] == 1
    assert list(result_store.results_frame(db, int(runs.loc["Judge B", "id"]))["score"]) == [4, 4, 4, 1, 1, 1]
    again = import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True,
                             columns=["Judge A", "Judge B"])  # fmt: skip
    assert (again.added, again.skipped) == (0, 12)


def test_a_judge_column_off_the_scale_refuses_every_run_of_the_file(db: Database, tmp_path: Path) -> None:
    rows = [dict(STUDY[0]), {**STUDY[1], "Judge B": "[1, 0.5, 1]"}]
    path = csv_file(tmp_path / "study.csv", rows)
    import_rating_table(db, path, "study", TableMapping("Model", "place", ("Human 1",), external_id="item",
                                                       raters=True, lists=True), FIVE)  # fmt: skip
    with pytest.raises(ImportRejected, match=r"row 2, field 'Judge B \(place 2 of its list\)': the score 0.5"):
        import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True,
                         columns=["Judge A", "Judge B"])  # fmt: skip
    assert run_store.runs_frame(db).empty  # not even Judge A's run: the file is stored whole or not at all


def test_a_wide_judgments_file_without_lists(db: Database, tmp_path: Path) -> None:
    _people(db, tmp_path)
    flat = csv_file(tmp_path / "flat.csv", [{"external_id": "GPT-2-1", "gpt": "5", "claude": "4"},
                                            {"external_id": "BART-1", "gpt": "2", "claude": ""}])  # fmt: skip
    report = import_judgments(db, flat, "study", wide=True)
    assert report.runs == ("gpt", "claude") and report.added == 3  # an empty cell: that judge gave none
    with pytest.raises(JudgeError, match="leave --run out"):
        import_judgments(db, flat, "study", run="mine", wide=True)
    with pytest.raises(JudgeError, match="no column 'gemini'"):
        import_judgments(db, flat, "study", wide=True, columns=["gemini"])


def test_the_command_line_imports_a_wide_file_of_lists(tmp_path: Path) -> None:
    from judge.cli import main

    db_path = tmp_path / "cli.duckdb"
    db = Database(db_path)
    _people(db, tmp_path)
    db.close()
    path = study(tmp_path)
    assert main(["import", "judgments", str(path), "--dataset", "study", "--wide", "--lists", "--map",
                 "external_id=item", "--column", "Judge A", "--db", str(db_path)]) == 0  # fmt: skip
    db = Database(db_path)
    assert list(run_store.runs_frame(db)["name"]) == ["Judge A"]
    db.close()
    assert main(["import", "pairs", str(path), "--dataset", "x", "--lists", "--db", str(db_path)]) == 2
    assert main(["import", "judgments", str(path), "--dataset", "study", "--column", "Judge A",
                 "--db", str(db_path)]) == 2  # fmt: skip


def test_what_unrolling_adds_is_never_taken_for_scores(db: Database, tmp_path: Path) -> None:
    path = _people(db, tmp_path)
    report = import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True,
                              columns=["Judge A"])  # fmt: skip
    assert report.runs == ("Judge A",)
    with pytest.raises(JudgeError, match="'place' names each item of the lists"):
        import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True, columns=["place"])
    with pytest.raises(JudgeError, match="'place' names each item of the lists; it holds no scores"):
        import_rating_table(db, path, "study2", TableMapping("Model", "place", ("Human 1", "place"),
                                                             external_id="item", raters=True, lists=True), FIVE)  # fmt: skip
    with pytest.raises(JudgeError, match="named twice"):
        import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True,
                         columns=["Judge B", "Judge B"])  # fmt: skip


def test_a_column_with_a_name_the_import_keeps_for_itself_is_refused(tmp_path: Path) -> None:
    for name in ("_place", "_wide"):
        with pytest.raises(FileFormatError, match=f"row 1: a column named '{name}'"):
            read_rows(csv_file(tmp_path / "odd.csv", [{"external_id": "a", "score": "3", name: "7"}]))


def test_lists_with_nan_are_read_and_their_values_refused_by_place(db: Database, tmp_path: Path) -> None:
    rows = [{**STUDY[0], "Judge A": "[NaN, 5, 2]"}, dict(STUDY[1])]
    path = csv_file(tmp_path / "nan.csv", rows)
    _people(db, tmp_path)
    with pytest.raises(ImportRejected, match=r"row 1, field 'Judge A \(place 1 of its list\)'"):
        import_judgments(db, path, "study", mapping={"external_id": "item"}, wide=True, lists=True, columns=["Judge A"])
