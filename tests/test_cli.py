"""The judge console script: stdin/stdout, exit status 2 and one line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHOES = "event('Shoes Bought').where( property('price') >= 100 ).within(7 days).count() >= 1"


JUDGE = Path(sys.executable).parent / "judge"  # the installed console script


def judge(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(JUDGE), *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_parse_then_render_round_trips() -> None:
    parsed = judge("parse", stdin=SHOES)
    assert parsed.returncode == 0
    assert json.loads(parsed.stdout)["root"]["op"] == ">="
    text = judge("render", "--to", "text", stdin=parsed.stdout)
    assert (
        text.stdout.strip()
        == "event('Shoes Bought').where(property('price') >= 100).within(7 days).count() >= 1"
    )
    english = judge("render", "--to", "english", stdin=parsed.stdout)
    assert english.stdout.strip().startswith("Users who did Shoes Bought at least once in the last 7 days")


def test_parse_error_is_one_line_with_status_2() -> None:
    result = judge("parse", stdin="event('Shoes Bought').where(property('price') >= 100")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("judge parse: error: line 1, column 53: the definition ends too early")


def test_render_of_invalid_json_names_the_path() -> None:
    result = judge(
        "render",
        stdin='{"root": {"type": "compare", "op": "exists", "left": {"type": "trait", "name": "t"}, "oops": 1}}',
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "judge render: error: $.root.oops: unknown key (a typo here would silently change the meaning)"
    )


def test_diff_of_two_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(judge("parse", stdin="trait('total_spend') > 200 AND trait('plan') = 'pro'").stdout)
    b.write_text(judge("parse", stdin="trait('plan') = 'pro' OR trait('total_spend') >= 200").stdout)
    result = judge("diff", str(a), str(b))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "changed junction: AND -> OR",
        "changed operator of trait('total_spend') >= 200: > -> >=",
    ]
    as_json = json.loads(judge("diff", str(a), str(b), "--json").stdout)
    assert as_json[1]["path_b"] == "$.root.children[1].op"


def test_diff_of_a_missing_file_is_status_2(tmp_path: Path) -> None:
    result = judge("diff", str(tmp_path / "nope.json"), str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "nope.json" in result.stderr


def test_account_type_can_be_forced() -> None:
    result = judge("parse", "--type", "ACCOUNTS", stdin="trait('plan') = 'pro'")
    assert json.loads(result.stdout)["definition_type"] == "ACCOUNTS"


def test_demo_import_and_export_with_a_db_option(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    first = judge("demo", "--db", db, "--pairs", "12")
    assert first.returncode == 0 and "12 pairs added" in first.stdout
    assert "already holds pairs" in judge("demo", "--db", db, "--if-empty").stdout
    out = tmp_path / "pairs.jsonl"
    assert judge("export", "pairs", str(out), "--db", db).stdout.strip() == f"12 pairs written to {out}"
    again = judge("import", "pairs", str(out), "--dataset", "demo", "--db", db)
    assert again.stdout.strip() == "pairs.jsonl into dataset 'demo': 0 added, 12 already present"


def test_a_bad_import_is_status_2_with_row_and_field(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ground_truth": "trait(\'a\') = ", "generated": "x"}\n')
    result = judge("import", "pairs", str(bad), "--dataset", "d", "--db", db)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "judge import: error: bad.jsonl: nothing imported: row 1, field 'ground_truth'"
    )
    assert result.stderr.count("\n") == 1


HUGE = "9" * 5000  # past Python's own 4,300-digit limit on turning text into a whole number


def test_a_whole_number_past_64_bits_is_one_line_with_status_2(tmp_path: Path) -> None:
    parsed = judge("parse", stdin=f"trait('p') = {HUGE}")
    assert (parsed.returncode, parsed.stderr.count("\n")) == (2, 1)
    assert (
        "a whole number of 5,000 digits is beyond the limit of +-9,223,372,036,854,775,807" in parsed.stderr
    )
    ast = '{"root": {"type": "compare", "op": "=", "left": {"type": "trait", "name": "p"}, "right": {"type": "literal", "value": %s}}}'
    rendered = judge("render", "--to", "text", stdin=ast % HUGE)
    assert (rendered.returncode, rendered.stderr.count("\n")) == (2, 1)
    assert rendered.stderr.startswith(
        "judge render: error: $.root.right.value: a whole number of 5,000 digits"
    )
    assert judge("parse", stdin="trait('p') = 9223372036854775807").returncode == 0
    bad = tmp_path / "big.jsonl"
    bad.write_text(json.dumps({"ground_truth": f"trait('p') = {HUGE}", "generated": "trait('p') = 1"}) + "\n")
    imported = judge("import", "pairs", str(bad), "--dataset", "big", "--db", str(tmp_path / "cli.duckdb"))
    assert (imported.returncode, imported.stderr.count("\n")) == (2, 1)
    assert "big.jsonl: nothing imported: row 1, field 'ground_truth'" in imported.stderr


def test_equiv_gives_the_verdict_the_score_and_the_reason(tmp_path: Path) -> None:
    cases = [
        ("event('A').count() >= 20", "event('A').count() >= 21", "differs", 3),
        ("trait('p') >= 18", "trait('p') > 17.9", "differs", 3),
        ("event('A').where(property('n') > 2.5).count() >= 1", "event('A').where(property('n') >= 3).count() >= 1",
         "differs", 3),
        ("trait('p') = 9007199254740993", "trait('p') = 9007199254740992", "not_shown_different", 3),
        ("event('A').count() > 0", "event('A').count() >= 1", "equivalent", 5),
    ]  # fmt: skip
    for truth, generated, verdict, score in cases:
        a, b = tmp_path / "a.txt", tmp_path / "b.txt"
        a.write_text(truth)
        b.write_text(generated)
        result = judge("equiv", str(a), str(b))
        assert result.returncode == 0, result.stderr
        shown = json.loads(result.stdout)
        assert (shown["verdict"], shown["score"]) == (verdict, score), (truth, generated)
        assert shown["reason"].startswith(f"Rubric {score} (")


def test_a_window_longer_than_the_limit_is_refused_whatever_its_unit() -> None:
    """1,000,000 days reached past year 1 and crashed the judge with an OverflowError."""
    result = judge("parse", stdin="event('A').within(1000000 days).count() >= 1")
    assert result.returncode == 2 and "longer than the limit of 1,000,000 hours" in result.stderr
    assert judge("parse", stdin="event('A').within(41666 days).count() >= 1").returncode == 0


def test_judgments_import_names_its_run_and_a_run_stays_in_its_dataset(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"external_id": f"p{i}", "kind": "text", "ground_truth": "a",
                                         "generated": "b"}) + "\n" for i in range(3)))  # fmt: skip
    for dataset in ("trap-a", "trap-b"):
        assert judge("import", "pairs", str(pairs), "--dataset", dataset, "--db", db).returncode == 0
    scores = tmp_path / "gpt4o.jsonl"
    scores.write_text("".join(json.dumps({"external_id": f"p{i}", "score": 3}) + "\n" for i in range(3)))
    first = judge("import", "judgments", str(scores), "--dataset", "trap-a", "--db", db)
    assert (
        first.stdout.strip()
        == "gpt4o.jsonl into dataset 'trap-a': 3 added, 0 already present, in a new run 1 (gpt4o)"
    )
    second = judge("import", "judgments", str(scores), "--dataset", "trap-b", "--db", db)
    assert "in a new run 2 (gpt4o)" in second.stdout  # another dataset: another run, never one mixed run
    named = judge("import", "judgments", str(scores), "--dataset", "trap-b", "--run", "mine", "--db", db)
    assert named.returncode == 0 and "in a new run 3 (mine)" in named.stdout
    again = judge("import", "judgments", str(scores), "--dataset", "trap-b", "--run", "mine", "--db", db)
    assert "0 added, 3 already present, added to run 3 (mine)" in again.stdout
    listed = judge("runs", "--db", db).stdout.splitlines()
    assert [line.split("\t")[:3] for line in listed] == [
        ["1", "gpt4o", "dataset trap-a"], ["2", "gpt4o", "dataset trap-b"], ["3", "mine", "dataset trap-b"]]  # fmt: skip
    assert all(line.endswith("3 judged, 0 errors") for line in listed)
    assert judge("runs", "--dataset", "trap-a", "--db", db).stdout.count("\n") == 1


def test_an_import_without_a_dataset_asks_for_one(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps({"external_id": "p", "kind": "text", "ground_truth": "a", "generated": "b"}) + "\n"
    )
    result = judge("import", "pairs", str(pairs), "--db", str(tmp_path / "cli.duckdb"))
    assert result.returncode == 2 and "say which dataset the pairs belong to: --dataset NAME" in result.stderr


def test_help_and_the_audience_commands_import_nothing_they_do_not_use() -> None:
    """What makes ``judge parse`` start fast, as a rule: no SDKs, pandas, SciPy or DuckDB for it
    (the time itself is measured by bench/cli_start.py)."""
    code = (
        "import io, sys\n"
        "sys.stdin = io.StringIO(\"event('A').count() >= 1\")\n"
        "from judge.cli import main\n"
        "assert main(['parse']) == 0\n"
        "heavy = [m for m in ('pandas', 'scipy', 'duckdb', 'openai', 'anthropic', 'streamlit') if m in sys.modules]\n"
        "print('heavy:', heavy, file=sys.stderr)\n"
        "raise SystemExit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = judge("--help").stdout
    assert all(name in listed for name in ("parse", "render", "import", "export", "run", "agreement", "synth"))


def test_commands_that_call_no_provider_do_not_import_the_sdks(tmp_path: Path) -> None:
    """The SDKs take seconds to import: ``judge runs``, ``export``, ``gate`` and a worker waiting for work do
    without them; they are imported by the first call or batch (bench/cli_start.py times the commands)."""
    db = tmp_path / "sdk.duckdb"
    code = (
        "import sys\n"
        "from judge.cli import main\n"
        f"assert main(['demo', '--db', {str(db)!r}]) == 0\n"
        f"assert main(['runs', '--db', {str(db)!r}]) == 0\n"
        "import judge.cli.execution, judge.cli.server, judge.cli.calibration, judge.cli.synth, judge.queue, judge.jobs\n"
        "from judge.llm import make_provider\n"
        "provider = make_provider('openai-compatible', base_url='http://127.0.0.1:9/v1')\n"
        "loaded = [m for m in ('openai', 'anthropic') if m in sys.modules]\n"
        "print('loaded:', loaded, file=sys.stderr)\n"
        "raise SystemExit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_resumed_run_goes_on_with_its_own_judge_whatever_judge_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from judge.cli import main
    from judge.demo.store import store_demo
    from storage import Database
    from storage import results as result_store
    from storage import runs as run_store

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "r.duckdb"
    db = Database(path)
    store_demo(db, 4)
    run = run_store.create_run(db, name="llm", judge_kind="llm", status="running", provider="openai", model="m",
                               prompt_name="judge-cot", prompt_version="2", dataset_id=1,
                               parameters={"dataset": "demo", "provider": "openai", "model": "m", "prompt": "judge-cot@2"})  # fmt: skip
    db.close()
    assert main(["run", "--resume", str(run), "--dataset", "demo", "--db", str(path)]) == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err  # it went on as the LLM run it is, and needs its key
    db = Database(path)
    assert result_store.results_frame(db, run).empty  # no execution-judge result in an LLM run
    db.close()


def test_an_import_the_database_fails_says_nothing_was_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from judge.cli import main
    from storage import StorageError
    from storage import pairs as pair_store

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"external_id": "a", "kind": "text", "ground_truth": "x", "generated": "y"}) + "\n")

    def gone(*args: object, **kwargs: object) -> None:
        raise StorageError("the database server postgresql://judge@db/team did not answer in time")

    monkeypatch.setattr(pair_store, "dataset_id", gone)
    assert main(["import", "pairs", str(pairs), "--dataset", "d", "--db", str(tmp_path / "i.duckdb")]) == 2
    said = capsys.readouterr().err
    assert "did not answer in time; nothing was saved" in said and said.count("\n") == 1
