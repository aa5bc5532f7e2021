"""The Import and export page in AppTest: files in (all or nothing, named errors), run files, downloads, admins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from judge.demo.store import store_demo
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from tests.pages.conftest import opened

PAGE = str(Path(__file__).parents[2] / "pages" / "data.py")
GOOD = "\n".join(json.dumps({"external_id": f"n{i}", "request": "buyers", "ground_truth": "event('Order').count() >= 1",
                             "generated": f"event('Order').count() >= {i + 1}"}) for i in range(3))  # fmt: skip


def page(what: str, name: str, content: bytes, dataset: str | None = "new-set") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.radio(key="import_what").set_value(what).run()
    if dataset is not None and what == "pairs":
        at.text_input(key="import_into_new").set_value(dataset).run()
    elif dataset is not None:
        at.selectbox(key="import_into").set_value(dataset).run()
    at.file_uploader(key="import_file").set_value((name, content, "application/octet-stream")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    return at


def test_pairs_are_imported_once_into_a_new_dataset(db_path: Path) -> None:
    at = page("pairs", "new.jsonl", GOOD.encode())
    assert [s.value for s in at.success] == ["new.jsonl: 3 added, 0 already present."]
    at = page("pairs", "new.jsonl", GOOD.encode())
    assert [s.value for s in at.success] == ["new.jsonl: 0 added, 3 already present."]
    assert len(pair_store.pairs_frame(opened(db_path), "new-set")) == 3


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.jsonl", GOOD.encode() + b'\n{"external_id": "x", "request": "r", "ground_truth": "event(", "generated": "g"}',
         "bad.jsonl: nothing imported: row 4, field 'ground_truth'"),
        ("latin.csv", "request,ground_truth,generated\ncaf\xe9,a,b\n".encode("latin-1"), "latin.csv: not UTF-8 text"),
        ("broken.parquet", b"PAR1 not really", "broken.parquet: cannot be read as parquet"),
    ],
)  # fmt: skip
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(
    db_path: Path, name: str, content: bytes, expected: str
) -> None:
    at = page("pairs", name, content)
    assert at.error and at.error[0].value.startswith(expected), [e.value for e in at.error]
    assert pair_store.pairs_frame(opened(db_path)).empty


def test_the_pairs_download_is_the_file_the_command_line_judges(db_path: Path) -> None:
    store_demo(opened(db_path), count=5)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0] == "Pairs of demo (JSONL, 5 pairs)"
    assert any("--pairs demo-pairs.jsonl" in c.value for c in at.caption)


def _import_allowed(at: AppTest) -> bool:
    at.text_input(key="import_into_new").set_value("new-set").run()
    at.file_uploader(key="import_file").set_value(("new.jsonl", GOOD.encode(), "application/jsonl")).run()
    return not next(b for b in at.button if b.label == "Import").disabled


def _sign_in(at: AppTest, name: str, password: str | None = None) -> AppTest:
    at.text_input[0].input(name)
    if password is not None:
        next(t for t in at.text_input if t.label.startswith("Admin password")).input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def test_with_an_admin_list_others_cannot_import(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert any("Only the admins listed in JUDGE_ADMINS can import" in m.value for m in at.markdown)  # sign in here
    _sign_in(at, "bo")
    assert any("bo is not one of them" in w.value for w in at.warning)
    assert not _import_allowed(at)


def test_with_an_admin_password_a_name_alone_is_not_enough(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_ADMINS", "lee")
    monkeypatch.setenv("JUDGE_ADMIN_PASSWORD", "s3cret pass")
    at = _sign_in(AppTest.from_file(PAGE, default_timeout=60).run(), "lee", "wrong")
    assert at.error[0].value == "That is not the admin password."
    assert "annotator" not in at.session_state
    _sign_in(at, "lee", "")  # the name alone signs in, without admin rights
    assert any("sign in again with the admin password" in w.value for w in at.warning)
    assert not _import_allowed(at)

    at = _sign_in(AppTest.from_file(PAGE, default_timeout=60).run(), "lee", "s3cret pass")
    assert not at.warning
    assert _import_allowed(at)
    assert at.session_state.admin_password_checked is True  # what the session keeps: that it was checked


def test_a_file_that_is_not_a_run_file_is_refused_as_one(db_path: Path) -> None:
    store_demo(opened(db_path), count=3)
    at = page("run", "pairs.jsonl", GOOD.encode(), dataset=None)
    assert at.error and "pairs.jsonl: not a run file" in at.error[0].value
    assert result_store.results_frame(opened(db_path)).empty


def test_a_database_left_by_a_crash_is_reported_once(db_path: Path) -> None:
    if str(db_path).startswith("postgresql://"):
        pytest.skip("a DuckDB file's write-ahead log: PostgreSQL recovers its own")
    store_demo(Database(db_path), count=2)  # a connection that is never closed, like a killed app's
    Path(f"{db_path}.wal").write_bytes(b"\0" * 64)  # what a crash leaves beside the file
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert any("not shut down cleanly" in t.value for t in at.toast)
    at.run()
    assert not any("not shut down cleanly" in t.value for t in at.toast)


def test_a_file_with_its_own_column_names_is_mapped_on_the_page(db_path: Path) -> None:
    content = b"id,question,truth,answer\nq1,buyers,event('Order').count() >= 1,event('Order').count() >= 2\n"
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.radio(key="import_what").set_value("pairs").run()
    at.text_input(key="import_into_new").set_value("mapped").run()
    at.file_uploader(key="import_file").set_value(("own.csv", content, "text/csv")).run()
    assert any("which of its columns holds it" in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert next(b for b in at.button if b.label == "Import").disabled  # not until every field has a column
    at.selectbox(key="map-pairs-ground_truth").set_value("truth").run()
    at.selectbox(key="map-pairs-generated").set_value("answer").run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception and [s.value for s in at.success] == ["own.csv: 1 added, 0 already present."]
    stored = pair_store.pairs_frame(opened(db_path), "mapped")
    assert list(stored["ground_truth"].str.contains("Order")) == [True] and len(stored) == 1


HANNA = Path(__file__).parents[3] / "shared" / "data" / "hanna" / "hanna_metric_scores_llm.csv"


@pytest.mark.skipif(not HANNA.exists(), reason="shared/data/hanna is not next to the project")
def test_hannas_scores_file_is_imported_on_the_page_as_a_person_would(db_path: Path) -> None:
    """HANNA's LLM scores file as it is (a row per story generator, each cell a JSON list of its 96 stories'
    scores): the people's coherence ratings as a table of lists, one column per rater; then the judges' scores
    as a wide judgments file of lists, one run per judge column. A judge column off the scale refuses the file
    with its row, column and place named; without it, the runs' figures are those of the code's own loader."""
    from judge.agreement.report import report
    from judge.data.hanna import JUDGES, load_hanna

    content = HANNA.read_bytes()
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.radio(key="import_what").set_value("table").run()
    at.text_input(key="import_into_new").set_value("hanna-ch").run()
    at.checkbox(key="import_lists").check().run()
    at.file_uploader(key="import_file").set_value((HANNA.name, content, "text/csv")).run()
    at.selectbox(key="table_generated").set_value("Model").run()
    at.selectbox(key="table_truth").set_value("place").run()
    at.selectbox(key="table_id").set_value("item").run()
    at.checkbox(key="table_raters").check().run()
    at.multiselect(key="table_scores").set_value(["Human 1 CH", "Human 2 CH", "Human 3 CH"]).run()
    assert any("by 3 raters named after their columns" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "1056 pairs added" in at.success[0].value and "3168 added" in at.success[0].value

    at.radio(key="import_what").set_value("judgments").run()
    at.selectbox(key="import_into").set_value("hanna-ch").run()
    at.checkbox(key="import_lists").check().run()
    at.checkbox(key="import_wide_judgments").check().run()
    at.multiselect(key="import_columns_judgments").set_value([f"{j} CH 1" for j in JUDGES]).run()
    at.selectbox(key="map-judgments-external_id").set_value("item").run()
    next(b for b in at.button if b.label == "Import").click().run()
    [refusal] = [e.value for e in at.error]
    assert "nothing imported" in refusal and "place" in refusal and "CH 1" in refusal, refusal
    db = opened(db_path)
    assert not any(db.cursor().execute("SELECT count(*) FROM judge_runs").fetchone())

    reference = Database()
    loaded = load_hanna(reference, HANNA.parent, criterion="CH", prompt=1)
    on_scale = [j for j in JUDGES if j in loaded.runs]
    assert loaded.refused and on_scale  # the file has judges of both kinds
    at.multiselect(key="import_columns_judgments").set_value([f"{j} CH 1" for j in on_scale]).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.error, [e.value for e in at.error]
    assert f"in {len(on_scale)} runs" in at.success[0].value or len(on_scale) == 1
    runs = {name: run_id for run_id, name in db.cursor().execute("SELECT id, name FROM judge_runs").fetchall()}
    for judge in on_scale:
        mine = report(db, runs[f"{judge} CH 1"], resamples=50)
        theirs = report(reference, loaded.runs[judge], resamples=50)
        assert mine.n == theirs.n == 1056
        for figure in ("kendall_tau_b", "spearman", "exact", "mae"):
            assert mine.figure(figure).value == pytest.approx(theirs.figure(figure).value), (judge, figure)
