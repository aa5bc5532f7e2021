"""Calibration sets and the gate: snapshots with a fixed split, staleness, and exit codes that fail closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.calibration import _split, gate, load_set, snapshot, stale
from judge.cli import main
from judge.errors import JudgeError
from judge.judgment import Judgment
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from tests.conftest import text_pair

PAIRS = 60


def rated(db: Database, count: int = PAIRS) -> None:
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(count)])
    for i in range(count):
        rating = rating_store.NewRating(i + 1, "ana", 1 + i % 5, None, 5.0, f"t{i}")
        rating_store.record_rating(db, rating, first_only=True)


def a_version(db: Database, version: str) -> None:
    """judge-cot@VERSION made in the app (forks of judge-cot@2, each a little different), if it is not there."""
    from judge.llm.versions import catalog, fork, save

    while f"judge-cot@{version}" not in {p.label for p in catalog(db)[0]}:
        text = fork(db, "judge-cot@2")
        number = text.split("version = ")[1].split()[0]
        save(db, text.replace("Think step by step", f"Think step by step ({number})"), "judge-cot@2", "test")


def a_run(db: Database, name: str, version: str, sha: str, off_by: int, status: str = "finished") -> int:
    """A run of template NAME@VERSION on the snapshot ``sha`` whose scores are people's moved by ``off_by``."""
    a_version(db, version)
    pairs = load_set(db, "cal").pairs
    run = run_store.create_run(db, name=f"{name}@{version}", judge_kind="llm", status=status,  # type: ignore[arg-type]
                               prompt_name=name, prompt_version=version, calibration_sha256=sha, planned=len(pairs))  # fmt: skip
    scores = [min(5, max(1, int(c) + (off_by if i % 3 else 0))) for i, c in enumerate(pairs["consensus"])]
    result_store.add_judgments(db, run, [Judgment("llm", s, "r").of(int(p)) for p, s in zip(pairs["pair_id"], scores, strict=True)])
    return run


def test_a_snapshot_keeps_its_split_and_the_same_ratings_give_the_same_snapshot(db: Database) -> None:
    rated(db)
    first = snapshot(db, "cal", "d", dev_share=0.25)
    assert len(first.pairs) == PAIRS and 0 < len(first.dev_pairs) < len(first.test_pairs)
    assert snapshot(db, "cal", "d", dev_share=0.25).sha256 == first.sha256  # nothing changed: the same one
    rating_store.record_rating(db, rating_store.NewRating(1, "ana", 5, None, 5.0, "edit"), first_only=False)
    assert stale(db, first) == [1]
    second = snapshot(db, "cal", "d", dev_share=0.25)
    assert second.sha256 != first.sha256 and not stale(db, second)
    assert first.dev_pairs == second.dev_pairs  # a pair stays on its side of the split


def test_the_gate_passes_a_good_version_fails_a_bad_one_and_compares_them_paired(db: Database) -> None:
    rated(db)
    sha = snapshot(db, "cal", "d").sha256
    a_run(db, "judge-cot", "3", sha, off_by=0)
    a_run(db, "judge-cot", "4", sha, off_by=3)
    good = gate(db, "cal", "judge-cot@3", {"within_one": 0.85})
    assert good.code == 0, good.reason
    bad = gate(db, "cal", "judge-cot@4", {"within_one": 0.85})
    assert bad.code == 1 and "below 0.85" in bad.reason
    assert gate(db, "cal", "judge-cot@4", {"within_one": 0.0}, no_worse_than="judge-cot@3").code == 1
    better = gate(db, "cal", "judge-cot@3", {"within_one": 0.0}, no_worse_than="judge-cot@4")
    assert better.code == 0 and better.figures["against"]["difference"] > 0  # type: ignore[index]


def test_the_gate_cannot_tell_when_ratings_changed_a_run_is_missing_unfinished_or_the_pairs_are_few(
    db: Database,
) -> None:
    rated(db)
    sha = snapshot(db, "cal", "d").sha256
    assert gate(db, "cal", "judge-cot@3", {"within_one": 0.85}).code == 2  # no run yet
    a_run(db, "judge-cot", "5", sha, off_by=0, status="running")
    unfinished = gate(db, "cal", "judge-cot@5", {"within_one": 0.85})
    assert unfinished.code == 2 and "running" in unfinished.reason
    a_run(db, "judge-cot", "3", sha, off_by=0)
    assert gate(db, "cal", "judge-cot@3", {"within_one": 0.85}).code == 0
    rating_store.record_rating(db, rating_store.NewRating(2, "ana", 5, None, 5.0, "edit"), first_only=False)
    after = gate(db, "cal", "judge-cot@3", {"within_one": 0.85})
    assert after.code == 2 and after.reason.startswith("stale")
    assert gate(db, "nope", "judge-cot@3", {"within_one": 0.85}).code == 2
    assert gate(db, "cal", "judge-cot@3").code == 2  # no criterion named: nothing can pass


def test_too_few_pairs_for_the_interval_to_decide_is_not_a_pass(db: Database) -> None:
    rated(db, count=8)
    sha = snapshot(db, "cal", "d", dev_share=0.0).sha256
    a_run(db, "judge-cot", "3", sha, off_by=2)  # two of three moved by 2: about a third within one
    result = gate(db, "cal", "judge-cot@3", {"within_one": 0.5})
    assert result.code == 2 and "decides on at least 10" in result.reason


@pytest.mark.parametrize("count", [1, 3, 12, 20])
def test_a_perfect_run_on_few_pairs_does_not_pass_a_high_bar(db: Database, count: int) -> None:
    """A bootstrap of 20 agreeing pairs out of 20 is [1, 1]; the exact interval's lower bound is 0.83."""
    rated(db, count=count)
    a_run(db, "judge-cot", "3", snapshot(db, "cal", "d", dev_share=0.0).sha256, off_by=0)
    result = gate(db, "cal", "judge-cot@3", {"within_one": 0.85})
    assert result.code == 2, result.reason


def test_figures_where_lower_is_better_and_a_version_against_itself_cannot_pass(db: Database) -> None:
    rated(db)
    sha = snapshot(db, "cal", "d").sha256
    a_run(db, "judge-cot", "3", sha, off_by=3)
    for minimum in ({"mae": 0.5}, {"bias": -10.0}):
        assert gate(db, "cal", "judge-cot@3", minimum).code == 2
    assert gate(db, "cal", "judge-cot@3", {"within_one": 0.0}, no_worse_than="judge-cot@3").code == 2


def test_a_snapshot_taken_again_after_ratings_changed_back_is_current_again(db: Database) -> None:
    rated(db)
    first = snapshot(db, "cal", "d", dev_share=0.3)
    rating_store.record_rating(db, rating_store.NewRating(1, "ana", 5, None, 5.0, "edit"), first_only=False)
    second = snapshot(db, "cal", "d")
    assert second.sha256 != first.sha256 and second.dev_share == 0.3  # the set's own share, not the default
    rating_store.record_rating(db, rating_store.NewRating(1, "ana", 1, None, 5.0, "back"), first_only=False)
    assert stale(db, load_set(db, "cal"))
    again = snapshot(db, "cal", "d")
    assert again.sha256 == first.sha256 and load_set(db, "cal").sha256 == first.sha256 and not stale(db, again)
    pair_store.add_pairs(db, "one", [text_pair("only")])
    rating_store.record_rating(db, rating_store.NewRating(61, "ana", 3, None, 5.0, "only"), first_only=True)
    name = next(f"s{i}" for i in range(100) if _split("only", f"s{i}", 0.9) == "dev")
    with pytest.raises(JudgeError, match="none of the 1 rated pairs would be compared on"):
        snapshot(db, name, "one", dev_share=0.9)


def test_the_command_exits_with_the_gates_code_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.duckdb"
    db = Database(path)
    rated(db)
    assert main(["calibrate", "cal", "--dataset", "d", "--db", str(path)]) == 0
    sha = load_set(db, "cal").sha256
    a_run(db, "judge-cot", "3", sha, off_by=0)
    db.close()
    capsys.readouterr()
    assert main(["gate", "--calibration", "cal", "--prompt", "judge-cot@3", "--min", "within_one=0.85",
                 "--json", "--db", str(path)]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["exit"] == 0
    assert main(["gate", "--calibration", "cal", "--prompt", "judge-cot@9", "--min", "exact=0.5", "--db", str(path)]) == 2
    assert "no run of judge-cot@9" in capsys.readouterr().out
    assert main(["gate", "--calibration", "cal", "--prompt", "judge-cot@3", "--min", "within_one", "--db", str(path)]) == 2


def test_the_gate_from_files_decides_as_the_database_does_and_fails_closed(db: Database, tmp_path: Path) -> None:
    from judge.gate_files import gate_files
    from judge.llm.runfile import write_run_file
    from judge.prompt_loop import export_set

    rated(db)
    sha = snapshot(db, "cal", "d").sha256
    good, bad = a_run(db, "judge-cot", "3", sha, off_by=0), a_run(db, "judge-cot", "4", sha, off_by=3)
    set_file = tmp_path / "cal.calibration.json"
    set_file.write_bytes(export_set(db, "cal"))
    files = {}
    for run in (good, bad):
        files[run] = tmp_path / f"run{run}.jsonl"
        write_run_file(db, run, files[run])
    for prompt, run in (("judge-cot@3", good), ("judge-cot@4", bad)):
        from_files = gate_files(set_file, prompt, files[run], {"within_one": 0.85})
        in_db = gate(db, "cal", prompt, {"within_one": 0.85})
        assert (from_files.code, from_files.figures["within_one"]) == (in_db.code, in_db.figures["within_one"])
    against = gate_files(set_file, "judge-cot@4", files[bad], {"within_one": 0.0}, ("judge-cot@3", files[good]))
    assert against.code == 1 and "worse than judge-cot@3" in against.reason
    assert gate_files(set_file, "judge-cot@3", files[bad], {"within_one": 0.0}).reason.endswith("the run is of judge-cot@4, not judge-cot@3")

    lines = files[good].read_text().splitlines()
    tests = [r["external_id"] for r in json.loads(set_file.read_text())["pairs"] if r["split"] == "test"]
    kept = [line for line in lines if json.loads(line).get("external_id") != tests[0]]
    (tmp_path / "short.jsonl").write_text("\n".join(kept) + "\n")
    short = gate_files(set_file, "judge-cot@3", tmp_path / "short.jsonl", {"within_one": 0.85})
    assert short.code == 2 and f"judged {len(tests) - 1} of the set's {len(tests)} test pairs" in short.reason
    changed = json.loads(lines[1])
    changed["content_hash"] = "other"
    (tmp_path / "edited.jsonl").write_text("\n".join([lines[0], json.dumps(changed), *lines[2:]]) + "\n")
    edited = gate_files(set_file, "judge-cot@3", tmp_path / "edited.jsonl", {"within_one": 0.85})
    assert edited.code == 2 and "other content" in edited.reason
    (tmp_path / "junk.json").write_text("{}")
    assert gate_files(tmp_path / "junk.json", "judge-cot@3", files[good], {"within_one": 0.85}).code == 2
    exported = json.loads(set_file.read_text())  # a set file whose scale was edited after the export
    exported["scale"] = {"points": [0, 1], "labels": ["no", "yes"], "pass_at": None}
    (tmp_path / "rescaled.json").write_text(json.dumps(exported))
    rescaled = gate_files(tmp_path / "rescaled.json", "judge-cot@3", files[good], {"within_one": 0.85})
    assert rescaled.code == 2 and "changed after it was exported" in rescaled.reason


@pytest.mark.parametrize("minimum", ["within_one=nan", "within_one=inf", "within_one=abc", "nope=0.5"])
def test_a_gate_asked_for_a_figure_it_cannot_check_cannot_pass(db_file: Path, minimum: str, capsys) -> None:  # type: ignore[no-untyped-def]
    db = Database(db_file)
    rated(db)
    a_run(db, "judge-cot", "3", snapshot(db, "cal", "d").sha256, off_by=0)
    db.close()
    assert main(["gate", "--db", str(db_file), "--calibration", "cal", "--prompt", "judge-cot@3", "--min", minimum]) == 2
