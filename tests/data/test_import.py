"""Imports: a corpus of bad files, all-or-nothing, nothing added twice; exports made safe."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from judge.data import FileFormatError, ImportRejected, export, import_judgments, import_pairs, import_ratings
from judge.errors import JudgeError
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store

TRUTH = "event('Order Completed').within(7 days).count() >= 1"
GOOD = {"external_id": "p1", "request": "buyers this week", "ground_truth": TRUTH,
        "generated": "event('Order Completed').within(30 days).count() >= 1", "generator_model": "m1", "team": "growth"}  # fmt: skip


def write_jsonl(path: Path, rows: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pairs_from_jsonl_keep_extra_fields_as_metadata(db: Database, tmp_path: Path) -> None:
    report = import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    assert (report.added, report.skipped) == (1, 0)
    pair = pair_store.pair(db, 1)
    assert pair is not None and pair.metadata == {"team": "growth"} and pair.generator_model == "m1"
    assert json.loads(pair.ground_truth)["root"]["op"] == ">="


def test_reimporting_the_same_file_adds_nothing(db: Database, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}])
    import_pairs(db, path, "d")
    report = import_pairs(db, path, "d")
    assert (report.added, report.skipped) == (0, 2)
    assert pair_store.pair_count(db) == 2


def test_csv_and_parquet_give_the_same_pairs(db: Database, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        [
            GOOD,
            {**GOOD, "external_id": "p2", "kind": "sql", "ground_truth": "SELECT 1", "generated": "SELECT 2"},
        ]
    )
    frame.to_csv(tmp_path / "p.csv", index=False)
    frame.to_parquet(tmp_path / "p.parquet")
    assert import_pairs(db, tmp_path / "p.csv", "csv").added == 2
    assert import_pairs(db, tmp_path / "p.parquet", "parquet").added == 2
    by_format = pair_store.pairs_frame(db).groupby("dataset")["generated"].apply(list).to_dict()
    assert by_format["csv"] == by_format["parquet"]
    assert "SELECT 2" in by_format["csv"]  # a plain kind is stored as given


def test_one_bad_row_rejects_the_whole_file_naming_row_and_field(db: Database, tmp_path: Path) -> None:
    rows = [
        GOOD,
        {**GOOD, "external_id": "p2", "ground_truth": "event('X').count( >= 1"},
        {**GOOD, "external_id": "p3"},
    ]
    with pytest.raises(ImportRejected) as info:
        import_pairs(db, write_jsonl(tmp_path / "p.jsonl", rows), "d")
    message = str(info.value)
    assert message.startswith("p.jsonl: nothing imported: row 2, field 'ground_truth': line 1, column")
    assert pair_store.pair_count(db) == 0


def test_an_invalid_generated_ast_is_kept_as_given(db: Database, tmp_path: Path) -> None:
    import_pairs(
        db, write_jsonl(tmp_path / "p.jsonl", [{**GOOD, "generated": "event('X').count( >= 1"}]), "d"
    )
    pair = pair_store.pair(db, 1)
    assert pair is not None and pair.generated == "event('X').count( >= 1"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("p.txt", b"x", "unknown file type '.txt'"),
        ("p.csv", "ground_truth,generated\ncaf\xe9,x\n".encode("latin-1"), "not UTF-8 text"),
        ("p.jsonl", b'{"ground_truth": "x"}\n{broken\n', "row 2: not valid JSON"),
        ("p.jsonl", b"[1, 2]\n", "row 1: each line must be a JSON object"),
        ("p.parquet", b"PAR1 not really", "cannot be read as parquet"),
        ("p.jsonl", b"", "holds no rows"),
        ("p.csv", b"request\nhello\n", "p.csv: no column 'ground_truth', 'generated'. A pairs file needs"),
        (
            "p.jsonl",
            json.dumps({**GOOD, "kind": "yaml"}).encode(),
            "row 1, field 'kind': unknown kind 'yaml'",
        ),
        ("p.jsonl", json.dumps({**GOOD, "metadata": "{oops"}).encode(), "field 'metadata': not valid JSON"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    db: Database, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(JudgeError) as info:
        import_pairs(db, path, "d")
    assert expected in str(info.value)
    assert pair_store.pair_count(db) == 0


def test_a_file_over_the_size_limit_is_refused(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("judge.data.files.MAX_READ_BYTES", 100)
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD])
    with pytest.raises(FileFormatError, match="the limit for an import is 100"):
        import_pairs(db, path, "d")


def test_a_parquet_file_that_unpacks_too_big_is_refused_from_its_footer(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.parquet"
    # 200,000 copies of one 1 KB string: a small file that unpacks to 200 MB of Python strings
    pd.DataFrame({"request": ["x" * 1000] * 200_000, "ground_truth": "trait('a') = 1", "generated": "g"}).to_parquet(
        path, compression="zstd", use_dictionary=False)  # fmt: skip
    assert path.stat().st_size < 2_000_000
    monkeypatch.setattr("judge.data.files.MAX_UNPACKED_BYTES", 50_000_000)
    with pytest.raises(FileFormatError, match=r"bomb.parquet: [\d,]+ bytes once unpacked; the limit"):
        import_pairs(db, path, "d")
    monkeypatch.setattr("judge.data.files.MAX_ROWS", 1000)
    with pytest.raises(FileFormatError, match="bomb.parquet: 200,000 rows; the limit for an import is 1,000"):
        import_pairs(db, path, "d")
    assert pair_store.pair_count(db) == 0


def test_ratings_import_validates_scores_and_adds_nothing_twice(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    good = [
        {"external_id": "p1", "annotator": "ana", "score": 4, "note": "ok"},
        {"external_id": "p1", "annotator": "bo", "score": "5"},
    ]
    path = write_jsonl(tmp_path / "r.jsonl", good)
    assert import_ratings(db, path, "d").added == 2
    assert import_ratings(db, path, "d").added == 0
    for bad, message in [
        (
            {"external_id": "p1", "annotator": "cy", "score": 6},
            "row 2, field 'score': the score 6 is outside the scale 1-5",
        ),
        ({"external_id": "p1", "annotator": "cy", "score": 2.5}, "not a whole number: 2.5"),
        ({"external_id": "p1", "annotator": "cy", "score": -1}, "the score -1 is outside"),
        ({"external_id": "nope", "annotator": "cy", "score": 3}, "no pair 'nope' in dataset 'd'"),
        ({"external_id": "p1", "score": 3}, "field 'annotator': missing"),
    ]:
        with pytest.raises(ImportRejected, match=message):
            import_ratings(
                db, write_jsonl(tmp_path / "bad.jsonl", [good[0] | {"annotator": "zed"}, bad]), "d"
            )
    assert rating_store.rating_count(db) == 2


def test_judgments_import_becomes_a_run_and_adds_nothing_twice(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    rows = [
        {"external_id": "p1", "score": 3, "reasoning": "window differs"},
        {"external_id": "p2", "error": "timeout"},
    ]
    path = write_jsonl(tmp_path / "gpt.jsonl", rows)
    assert import_judgments(db, path, "d").added == 2
    assert import_judgments(db, path, "d").added == 0
    results = result_store.results_frame(db)
    assert list(results["run"]) == ["gpt", "gpt"]
    assert results["score"].iloc[0] == 3 and results["error"].iloc[1] == "timeout"


def test_csv_export_makes_formula_cells_inert(db: Database, tmp_path: Path) -> None:
    rows = [
        {**GOOD, "request": "=HYPERLINK('http://x')"},
        {**GOOD, "external_id": "p2", "request": "@SUM(A1)"},
    ]
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", rows), "d")
    assert export(db, "pairs", tmp_path / "out.csv") == 2
    exported = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert list(exported["request"]) == ["'=HYPERLINK('http://x')", "'@SUM(A1)"]


def test_exported_pairs_import_back_unchanged(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    export(db, "pairs", tmp_path / "out.jsonl")
    assert import_pairs(db, tmp_path / "out.jsonl", "d").skipped == 1
    export(db, "pairs", tmp_path / "out.parquet")
    assert import_pairs(db, tmp_path / "out.parquet", "copy").added == 1
    assert pair_store.pair(db, 2).metadata == pair_store.pair(db, 1).metadata  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"external_id": "p1", "score": 3, "error": "timeout"},
            "field 'error': a judgment has a score or an error",
        ),
        (
            {"external_id": "p1", "score": 3, "sample": -1},
            "field 'sample': must be a whole number of 0 or more",
        ),
        (
            {"external_id": "p1", "score": 3, "sample": 1.5},
            "field 'sample': must be a whole number of 0 or more",
        ),
        ({"external_id": "p1", "error": "x", "failure": "gremlins"}, "field 'failure': must be one of"),
        (
            {"external_id": "p1", "score": 3, "latency_ms": -4},
            "field 'latency_ms': must be a number of 0 or more",
        ),
    ],
)
def test_a_judgment_row_that_is_not_one_clear_judgment_is_refused(
    db: Database, tmp_path: Path, row: dict[str, object], message: str
) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    with pytest.raises(ImportRejected, match=message):
        import_judgments(db, write_jsonl(tmp_path / "j.jsonl", [row]), "d")
    assert result_store.results_frame(db).empty


def test_one_pair_judged_twice_differently_is_refused_not_half_kept(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    twice = [{"external_id": "p1", "score": 1}, {"external_id": "p1", "score": 5}]
    with pytest.raises(
        ImportRejected, match="row 2, field 'external_id': pair 'p1', sample 0 is already given in row 1"
    ):
        import_judgments(db, write_jsonl(tmp_path / "j.jsonl", twice), "d")
    assert import_judgments(db, write_jsonl(tmp_path / "j.jsonl", twice[:1]), "d").added == 1
    with pytest.raises(ImportRejected, match="run 'j' holds score 1 for pair 'p1', sample 0"):
        import_judgments(db, write_jsonl(tmp_path / "j.jsonl", twice[1:]), "d")
    assert list(result_store.results_frame(db)["score"]) == [1]
    failed = result_store.results_frame(db)
    assert failed["failure"].isna().all()


def test_an_imported_failure_keeps_its_kind(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    rows = [
        {"external_id": "p1", "error": "declined", "failure": "refusal"},
        {"external_id": "p2", "error": "503"},
    ]
    import_judgments(db, write_jsonl(tmp_path / "j.jsonl", rows), "d")
    assert list(result_store.results_frame(db)["failure"]) == ["refusal", "provider_error"]


def test_a_rating_with_a_negative_time_is_refused(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    bad = [{"external_id": "p1", "annotator": "ana", "score": 3, "seconds": -5}]
    with pytest.raises(
        ImportRejected, match="row 1, field 'seconds': a time is a number of 0 or more, not -5"
    ):
        import_ratings(db, write_jsonl(tmp_path / "r.jsonl", bad), "d")
    assert rating_store.rating_count(db) == 0


def test_a_refused_pairs_file_leaves_no_dataset_behind(db: Database, tmp_path: Path) -> None:
    twice = [GOOD, {**GOOD, "generated": "event('Order Completed').within(1 days).count() >= 1"}]
    with pytest.raises(
        ImportRejected, match="row 2, field 'external_id': 'p1' is given in row 1 for another pair"
    ):
        import_pairs(db, write_jsonl(tmp_path / "p.jsonl", twice), "fresh")
    assert pair_store.datasets(db).empty
    conflict = [{**GOOD, "generated": "event('Order Completed').within(2 days).count() >= 1"}]
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD]), "d")
    with pytest.raises(JudgeError):
        import_pairs(db, write_jsonl(tmp_path / "c.jsonl", [{**GOOD, "external_id": "new"}, *conflict]), "d")
    assert list(pair_store.datasets(db)["name"]) == ["d"] and pair_store.pair_count(db) == 1


def test_a_bare_carriage_return_in_a_csv_cell_reads_back(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [{**GOOD, "request": "buyers\rthis week"}]), "d")
    out = tmp_path / "pairs.csv"
    export(db, "pairs", out, "d")
    assert import_pairs(db, out, "d").skipped == 1  # the same pair, read back whole
    assert pair_store.pair(db, 1) is not None and pair_store.pair(db, 1).request == "buyers\rthis week"  # type: ignore[union-attr]


def test_a_run_status_outside_the_known_ones_is_refused(db: Database) -> None:
    run = run_store.create_run(db, name="r", judge_kind="external", status="imported")
    with pytest.raises(ValueError, match="not 'banana'"):
        run_store.set_run_status(db, run, "banana")
    with pytest.raises(ValueError, match="not 'magic'"):
        run_store.create_run(db, name="r", judge_kind="magic", status="imported")


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in order: what "the database as it was" means for a refused import."""
    from storage.copy import tables as tables_of

    cursor = db.cursor()
    tables = sorted(tables_of(db) - {"judge_db_version"})  # PostgreSQL's count of commits, not content
    return {t: sorted(cursor.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608


def rated(db: Database, tmp_path: Path) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    for pair_id, note in ((1, "=SUM(A1) looks off"), (2, "'quoted' and fine")):
        rating_store.record_rating(db, rating_store.NewRating(pair_id, "ana", 3, note, 2.5, f"tab-{pair_id}"),
                                   first_only=True)  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_exported_ratings_import_back_into_the_same_database_add_nothing(
    db: Database, tmp_path: Path, suffix: str
) -> None:
    rated(db, tmp_path)
    out = tmp_path / f"ratings{suffix}"
    assert export(db, "ratings", out, "d") == 2
    before = snapshot(db)
    report = import_ratings(db, out, "d")
    assert (report.added, report.skipped) == (0, 2)
    assert snapshot(db) == before


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_exported_ratings_carry_their_exact_time_and_notes_into_another_database(
    db: Database, tmp_path: Path, suffix: str
) -> None:
    rated(db, tmp_path)
    out = tmp_path / f"ratings{suffix}"
    export(db, "ratings", out, "d")
    other = Database()
    import_pairs(other, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    assert import_ratings(other, out, "d").added == 2
    columns = ["external_id", "annotator", "score", "note", "seconds", "created_at"]
    mine, theirs = (rating_store.ratings_frame(d, "d", current_only=False)[columns] for d in (db, other))
    pd.testing.assert_frame_equal(mine, theirs)  # to the microsecond; the formula guard is taken off again
    assert list(theirs["note"]) == ["=SUM(A1) looks off", "'quoted' and fine"]
    assert import_ratings(other, out, "d").added == 0


def test_an_exported_event_imported_without_its_token_is_still_known(db: Database, tmp_path: Path) -> None:
    rated(db, tmp_path)
    out = tmp_path / "ratings.csv"
    export(db, "ratings", out, "d")
    pd.read_csv(out, dtype=str, keep_default_na=False).drop(columns=["token"]).to_csv(out, index=False)
    assert import_ratings(db, out, "d").added == 0


def test_a_csv_row_with_one_field_too_many_is_that_rows_error(db: Database, tmp_path: Path) -> None:
    rated(db, tmp_path)
    before = snapshot(db)
    path = tmp_path / "r.csv"
    path.write_text("external_id,annotator,score\np1,bob,4,extra\np2,bob,3\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"r\.csv, row 1: 4 fields where the header has 3"):
        import_ratings(db, path, "d")
    path.write_text("external_id,annotator,score\np1,bob,4\np2,bob\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"r\.csv, row 2: 2 fields where the header has 3"):
        import_ratings(db, path, "d")
    assert snapshot(db) == before


@pytest.mark.parametrize("what", ["pairs", "ratings", "judgments"])
def test_a_refused_import_leaves_every_table_as_it_was(db: Database, tmp_path: Path, what: str) -> None:
    rated(db, tmp_path)
    before = snapshot(db)
    bad = {"pairs": [GOOD, {**GOOD, "external_id": "p9", "ground_truth": "nope("}],
           "ratings": [{"external_id": "p1", "annotator": "bob", "score": 4},
                       {"external_id": "p2", "annotator": "bob", "score": 9}],
           "judgments": [{"external_id": "p1", "score": 4}, {"external_id": "p2", "score": 4, "error": "x"}]}
    importer = {"pairs": import_pairs, "ratings": import_ratings, "judgments": import_judgments}[what]
    into = "fresh" if what == "pairs" else "d"
    with pytest.raises(JudgeError, match="row 2"):
        importer(db, write_jsonl(tmp_path / f"{what}.jsonl", bad[what]), into)
    assert snapshot(db) == before


def test_a_rating_time_with_a_zone_is_stored_in_utc_and_a_bare_number_or_nat_is_that_rows_error(
    db: Database, tmp_path: Path
) -> None:
    rated(db, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("external_id,annotator,score,created_at\np1,bob,4,2024-01-01T10:00:00+02:00\n"
                    "p2,bob,3,2024-01-01T10:00:00\n", encoding="utf-8")  # fmt: skip
    assert import_ratings(db, path, "d").added == 2
    times = rating_store.ratings_frame(db, "d", current_only=False).query("annotator == 'bob'")["created_at"]
    assert [str(t) for t in times] == ["2024-01-01 08:00:00", "2024-01-01 10:00:00"]
    before = snapshot(db)
    for bad, message in ((1700000000, "not the number"), ("NaT", "not a date and time")):
        with pytest.raises(ImportRejected, match=f"row 1, field 'created_at': .*{message}"):
            import_ratings(db, write_jsonl(tmp_path / "t.jsonl", [{"external_id": "p1", "annotator": "cy", "score": 2,
                                                                    "created_at": bad}]), "d")  # fmt: skip
    assert snapshot(db) == before


def test_blank_lines_do_not_shift_row_numbers_and_a_byte_order_mark_is_no_data(db: Database, tmp_path: Path) -> None:
    rated(db, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("external_id,annotator,score\n\np1,bob,4\n\np2,bob,9\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="row 2, field 'score'"):
        import_ratings(db, path, "d")
    path.write_text("external_id,annotator,score\n\np1,bob,4\n\np2,bob\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="row 2: 2 fields"):
        import_ratings(db, path, "d")
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps({"external_id": "p1", "annotator": "bob", "score": 4}).encode() + b"\n")
    assert import_ratings(db, bom, "d").added == 1


def test_a_parquet_cell_holding_a_list_is_a_rows_error_not_a_crash(db: Database, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rated(db, tmp_path)
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"external_id": ["p1"], "annotator": ["bob"], "score": [[4, 5]]}), path)
    with pytest.raises(ImportRejected, match="row 1, field 'score'"):
        import_ratings(db, path, "d")


def test_a_file_with_other_column_names_says_what_it_needs_and_maps_them(db: Database, tmp_path: Path) -> None:
    from judge.data.importer import read_table

    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    path = tmp_path / "theirs.csv"
    path.write_text("item,rater,rating\np1,ana,4\np2,ana,2\n")
    with pytest.raises(JudgeError) as refused:
        import_ratings(db, path, "d")
    message = str(refused.value)
    assert "theirs.csv: no column 'external_id', 'annotator', 'score'" in message
    assert "needs external_id, annotator, score" in message and "this one has 'item', 'rater', 'rating'" in message
    mapping = {"external_id": "item", "annotator": "rater", "score": "rating"}
    assert import_ratings(db, path, "d", mapping=mapping).added == 2
    with pytest.raises(JudgeError, match="no column 'nope' to take score from; the file has 'item', 'rater'"):
        read_table(path, "ratings", {"score": "nope"})
    with pytest.raises(JudgeError, match="'grade' is not a field of a ratings file"):
        read_table(path, "ratings", {"grade": "rating"})


def test_a_wide_ratings_file_has_one_column_per_annotator_and_errors_name_that_column(
    db: Database, tmp_path: Path
) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    path = tmp_path / "wide.csv"
    path.write_text("item,ana,ben,cy\np1,4,5,\np2,2,,7\n")
    with pytest.raises(ImportRejected, match="row 2, field 'cy': the score 7 is outside the scale 1-5"):
        import_ratings(db, path, "d", mapping={"external_id": "item"}, wide=True)
    assert rating_store.rating_count(db) == 0
    path.write_text("item,ana,ben,cy\np1,4,5,\np2,2,,3\n")
    assert import_ratings(db, path, "d", mapping={"external_id": "item"}, wide=True).added == 4
    given = rating_store.ratings_frame(db, "d")
    assert sorted(zip(given["external_id"], given["annotator"], given["score"], strict=True)) == [
        ("p1", "ana", 4), ("p1", "ben", 5), ("p2", "ana", 2), ("p2", "cy", 3)]
    assert import_ratings(db, path, "d", mapping={"external_id": "item"}, wide=True).added == 0


def test_scores_on_another_scale_are_mapped_by_the_table_given_and_the_rest_read_as_written(
    db: Database, tmp_path: Path
) -> None:
    import_pairs(db, write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "external_id": "p2"}]), "d")
    path = tmp_path / "ten.csv"
    path.write_text("external_id,annotator,score\np1,ana,10\np2,ana,3\np1,ben,good\n")
    table = {"10": "5", "9": "5", "good": "4"}
    assert import_ratings(db, path, "d", scores=table).added == 3
    given = rating_store.ratings_frame(db, "d")
    assert sorted(zip(given["annotator"], given["external_id"], given["score"], strict=True)) == [
        ("ana", "p1", 5), ("ana", "p2", 3), ("ben", "p1", 4)]
    path.write_text("external_id,annotator,score\np1,cy,8\n")
    with pytest.raises(ImportRejected, match="row 1, field 'score': the score 8 is outside the scale 1-5"):
        import_ratings(db, path, "d", scores=table)
