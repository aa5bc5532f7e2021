"""Judging while the app holds the database: the CLI judges exported pairs and writes a run file the app imports."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.cli import main
from judge.data import export
from judge.data.importer import ImportRejected
from judge.demo.store import store_demo
from judge.errors import JudgeError
from judge.llm.runfile import import_run_file
from storage import Database
from storage import results as result_store
from storage import runs as run_store
from tests.llm.fake_server import FakeProviderServer

ROOT = Path(__file__).parents[2]
HOLD = "import sys; from storage import Database; db = Database(sys.argv[1]); print('holding', flush=True); input()"


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    """A database file with the demo dataset, closed again (as the app would find it)."""
    path = tmp_path / "judge.duckdb"
    db = Database(path)
    store_demo(db, 12, 5)
    export(db, "pairs", tmp_path / "pairs.jsonl", "demo")
    db.close()
    return path


@pytest.fixture
def held(app_db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the database, as the running app does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(app_db)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    yield holder
    holder.kill()
    holder.wait()


def cli_run(server: FakeProviderServer, db: Path, *extra: str) -> int:
    return main(["run", "--judge", "llm", "--provider", "openai-compatible", "--base-url", f"{server.url}/v1",
                 "--model", "local-judge", "--db", str(db), *extra])  # fmt: skip


def test_while_the_app_holds_the_database_the_run_goes_to_a_file_the_app_imports(
    app_db: Path, held: subprocess.Popen[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeProviderServer() as server:
        assert cli_run(server, app_db, "--dataset", "demo") == 2
        busy = capsys.readouterr().err
        assert "in use by another process" in busy and "--pairs" in busy and "--out" in busy

        out = tmp_path / "run.jsonl"
        assert cli_run(server, app_db, "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(out)) == 0
        assert "12 judgments written" in capsys.readouterr().out
        assert len(server.received) == 12
    held.kill()
    held.wait()

    db = Database(app_db)
    report = import_run_file(db, out)
    assert (report.added, report.skipped) == (12, 0)
    run_id = int(run_store.runs_frame(db)["id"].iloc[0])
    settings = run_store.run_settings(db, run_id)
    assert settings is not None
    assert (settings["model"], settings["prompt_name"], settings["dataset"], settings["status"]) == (
        "local-judge", "judge-cot", "demo", "finished")  # fmt: skip
    results = result_store.run_results(db, run_id)
    assert {row["score"] for row in results} == {4}
    assert all(row["prompt"] and row["raw_response"] and row["input_tokens"] == 120 for row in results)
    sent = {f"[system]\n{body['messages'][0]['content']}\n\n[user]\n{body['messages'][1]['content']}"
            for _, body, _ in server.received}  # fmt: skip
    assert {row["prompt"] for row in results} == sent  # the exact prompts sent, kept through the file

    again = import_run_file(db, out)  # the same file a second time adds nothing
    assert (again.added, again.skipped) == (0, 12)
    assert len(run_store.runs_frame(db)) == 1


def bad_run_file(path: Path, source: Path, change: dict[str, object], line: int = 1) -> Path:
    lines = source.read_text().splitlines()
    lines[line] = json.dumps({**json.loads(lines[line]), **change})
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_bad_run_file_is_refused_whole_and_says_where(app_db: Path, tmp_path: Path) -> None:
    with FakeProviderServer() as server:
        out = tmp_path / "run.jsonl"
        assert cli_run(server, app_db, "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(out)) == 0
    db = Database(app_db)
    cases = {
        "no such pair": ({"external_id": "nobody"}, "row 2, field 'external_id': no pair 'nobody'"),
        "other content": ({"content_hash": "0" * 64}, "row 2, field 'content_hash'"),
        "off scale": ({"score": 9}, "row 2, field 'score'"),
        "text tokens": ({"input_tokens": "many"}, "row 2, field 'input_tokens'"),
    }
    for name, (change, expected) in cases.items():
        with pytest.raises(ImportRejected) as refused:
            import_run_file(db, bad_run_file(tmp_path / f"{name}.jsonl", out, change))
        assert expected in str(refused.value) and "nothing imported" in str(refused.value), name
    with pytest.raises(JudgeError, match="not a run file"):
        import_run_file(db, bad_run_file(tmp_path / "header.jsonl", out, {"format": "something else"}, line=0))
    with pytest.raises(JudgeError, match="no pairs in dataset 'elsewhere'"):
        import_run_file(db, bad_run_file(tmp_path / "dataset.jsonl", out, {"dataset": "elsewhere"}, line=0))
    with pytest.raises(JudgeError, match="row 1: parameters is an object"):
        import_run_file(db, bad_run_file(tmp_path / "params.jsonl", out, {"parameters": "oops"}, line=0))
    with pytest.raises(JudgeError, match="row 1: planned is a whole number"):
        import_run_file(db, bad_run_file(tmp_path / "planned.jsonl", out, {"planned": -1}, line=0))
    assert run_store.runs_frame(db).empty and result_store.results_frame(db).empty  # nothing half-imported


def test_pairs_without_a_run_file_to_write_are_refused(app_db: Path, tmp_path: Path) -> None:
    with FakeProviderServer() as server:
        assert cli_run(server, app_db, "--pairs", str(tmp_path / "pairs.jsonl")) == 2
        assert cli_run(server, app_db, "--pairs", str(tmp_path / "pairs.jsonl"), "--out", "run.csv") == 2
        assert not server.received


def test_the_same_run_file_imported_twice_at_once_is_one_run(app_db: Path, tmp_path: Path) -> None:
    import threading

    with FakeProviderServer() as server:
        out = tmp_path / "run.jsonl"
        assert cli_run(server, app_db, "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(out)) == 0
    db = Database(app_db)
    reports, errors = [], []

    def one() -> None:
        try:
            reports.append(import_run_file(db, out))
        except Exception as e:  # noqa: BLE001 - the test asserts there was none
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(r.added for r in reports) == [0, 0, 0, 12]
    assert len(run_store.runs_frame(db)) == 1
