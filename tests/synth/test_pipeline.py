"""The synthetic-data pipeline: offline end to end, and through the real SDKs against the local provider server."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from judge.cli import main
from judge.data.importer import ImportRejected
from judge.errors import JudgeError
from judge.execution.run import run_execution
from judge.llm import RunSpec, make_provider, run_llm
from judge.llm.prices import Price
from judge.synth.compare import generator_table
from judge.synth.pipeline import Maker, SynthSpec, parse_maker, synthesize
from judge.synth.questions import STYLES, leak, offline_question
from judge.synth.truths import DEMO_TRUTHS, load_truths
from storage import Database
from storage import pairs as pair_store
from storage import results as result_store
from tests.llm.fake_server import FakeProviderServer, Reply

KEYS = {"OPENAI_API_KEY": "sk-test", "ANTHROPIC_API_KEY": "sk-ant-test"}
PRICES = {"gen-a": Price(input=1.0, output=2.0), "gen-b": Price(input=3.0, output=6.0),
          "writer": Price(input=0.5, output=1.0)}  # fmt: skip
SIGNED_UP = "event('Signed Up').within(7 days).count() >= 1"
PRO = "trait('plan') = 'pro'"
SPENDERS = "trait('total_spend') > 100"


def offline_spec(dataset: str = "synthetic") -> SynthSpec:
    return SynthSpec(dataset, Maker("offline", "english"), (Maker("offline", "careful"), Maker("offline", "hasty")))


def test_offline_pipeline_fills_a_dataset_once_and_the_execution_judge_scores_it() -> None:
    db = Database()
    truths = load_truths(DEMO_TRUTHS)
    report = synthesize(db, truths, offline_spec(), {})
    assert report.added == 2 * len(truths) and report.present == 0 and report.invalid > 0
    pairs = pair_store.pairs_frame(db, "synthetic")
    assert set(pairs["generator_model"]) == {"offline/careful", "offline/hasty"}
    by_truth = pairs.assign(truth=pairs["external_id"].str.split("~").str[0]).groupby("truth")["request"].nunique()
    assert (by_truth == 1).all()  # every generator gets the same request for a ground truth
    assert all(leak(text) is None for text in pairs["request"])
    meta = [json.loads(m) for m in pairs["metadata"]]
    assert {m["question"]["by"] for m in meta} == {"offline/english"}
    assert sum(not m["generation"]["valid"] for m in meta) == report.invalid

    again = synthesize(db, truths, offline_spec(), {})
    assert (again.added, again.present) == (0, 2 * len(truths))

    run_id = run_execution(db, "synthetic")
    results = result_store.results_frame(db, run_id).merge(pairs[["pair_id", "metadata"]], on="pair_id")
    invalid = results[[not json.loads(m)["generation"]["valid"] for m in results["metadata"]]]
    assert len(invalid) == report.invalid and set(invalid["score"]) == {1}  # failed generations score 1
    table = generator_table(db, "synthetic", run_id).set_index("generator")
    assert table.loc["offline/careful", "mean"] > table.loc["offline/hasty", "mean"]
    assert table.loc["offline/careful", "low"] < table.loc["offline/careful", "mean"] < table.loc[
        "offline/careful", "high"]  # fmt: skip
    assert table.loc["offline/hasty", "invalid"] > 0 and table.loc["offline/hasty", "cost_usd"] == 0


@pytest.mark.parametrize("style", list(STYLES))
def test_offline_requests_never_carry_the_query_language(style: str) -> None:
    rng = random.Random(3)
    for truth in load_truths(DEMO_TRUTHS):
        request = offline_question(truth.definition, style, rng)
        assert leak(request) is None, (style, request)
        assert request.strip()


def test_the_leak_check_finds_syntax() -> None:
    assert leak("people with event('Signed Up') in the last week") is not None
    assert leak('{"type": "compare", "op": ">="}') is not None
    assert leak("users whose spend is at_least 100") is not None
    assert leak("People who signed up in the last 7 days and spent at least $100") is None


def scripted(body: dict[str, Any], attempt: int) -> Reply:
    """A question writer and two AST generators, answering by what the prompt holds."""
    system = body.get("system") or body["messages"][0]["content"]
    user = body["messages"][-1]["content"]
    first = "(first attempt)" in user
    if "You write the request" in system:
        if SIGNED_UP in user:
            request = "people who signed up this week"
        elif PRO in user:  # leaks the language first; asked again, writes plain words
            request = "users where trait('plan') = 'pro'" if first else "customers on the pro plan"
        else:
            request = "big spenders, over 100 in total"
        return Reply(text=json.dumps({"request": request}))
    if "this week" in user:
        definition = SIGNED_UP
    elif "pro plan" in user:  # invalid first, repaired when shown the error
        definition = "trait('plan') = " if first else PRO
    else:  # never valid: kept as a failed generation
        definition = "trait('total_spend') >>> 100"
    return Reply(text=json.dumps({"definition": definition}))


@pytest.fixture
def truths_file(tmp_path: Path) -> Path:
    path = tmp_path / "truths.txt"
    path.write_text(f"# three ground truths\n{SIGNED_UP}\n\n{PRO}\n{SPENDERS}\n")
    return path


def test_llm_pipeline_through_the_sdks_repairs_keeps_failures_and_costs(truths_file: Path) -> None:
    db = Database()
    truths = load_truths(truths_file)
    with FakeProviderServer(scripted) as server:
        providers = {"openai": make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS, max_retries=0),
                     "anthropic": make_provider("anthropic", base_url=server.url, keys=KEYS, max_retries=0)}  # fmt: skip
        spec = SynthSpec("synth", parse_maker("openai/writer", "question writer"),
                         (parse_maker("openai/gen-a", "AST generator"), parse_maker("anthropic/gen-b", "AST generator")))  # fmt: skip
        report = synthesize(db, truths, spec, providers, prices=PRICES)
        calls = len(server.received)

        assert (report.added, report.invalid, report.repaired) == (6, 2, 2)
        assert not report.no_request and not report.failed
        pairs = pair_store.pairs_frame(db, "synth").set_index("external_id")
        pro = json.loads(pairs.loc["gt-004~anthropic/gen-b", "metadata"])
        assert pairs.loc["gt-004~anthropic/gen-b", "request"] == "customers on the pro plan"
        assert pro["question"]["attempts"] == 2 and pro["question"]["prompt"] == "question-writer@1"
        assert pro["generation"] | {"errors": None} == pro["generation"] | {
            "by": "anthropic/gen-b", "prompt": "ast-generator@1", "attempts": 2, "valid": True, "errors": None}
        assert pro["generation"]["errors"][0].startswith("line 1, column")  # the parser's where and why
        spenders = json.loads(pairs.loc["gt-005~openai/gen-a", "metadata"])["generation"]
        assert (spenders["valid"], spenders["attempts"], len(spenders["errors"])) == (False, 3, 3)
        assert pairs.loc["gt-005~openai/gen-a", "generated"] == "trait('total_spend') >>> 100"  # kept as given
        assert spenders["input_tokens"] == 3 * 120 and spenders["cost_usd"] == pytest.approx(3 * (120 + 60) / 1e6)
        assert report.usage.cost_usd > 0 and report.usage.input_tokens == 120 * calls

        # the repair prompt shows the model its answer and the validation error
        repairs = [b for _, b, _ in server.received if "is not a valid definition" in json.dumps(b)]
        assert repairs and all("trait('" in json.dumps(b) for b in repairs)

        again = synthesize(db, truths, spec, providers, prices=PRICES)  # resumed: nothing new, nothing paid
        assert (again.added, again.present, len(server.received)) == (0, 6, calls)
        wider = SynthSpec("synth", spec.questions, (*spec.generators, Maker("openai", "gen-c")))
        assert synthesize(db, truths, wider, providers, prices=PRICES).added == 3  # a generator added later
        later = pair_store.pairs_frame(db, "synth").set_index("external_id").loc["gt-004~openai/gen-c"]
        assert later["request"] == "customers on the pro plan"  # the same request as the others got
        assert json.loads(later["metadata"])["question"] == pro["question"]
        calls = len(server.received)

        # the LLM judge scores a failed generation 1 without asking the model
        judge_spec = RunSpec(dataset="synth", provider="openai", model="judge-model", prompt="judge-cot")
        before = len(server.received)
        run_id = run_llm(db, judge_spec, make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS))
        pairs = pair_store.pairs_frame(db, "synth")
        valid = pairs[[json.loads(m)["generation"]["valid"] for m in pairs["metadata"]]]
        distinct = len(set(zip(valid["request"], valid["ground_truth"], valid["generated"], strict=True)))
        assert len(valid) == 6 and distinct < len(valid)  # two generators wrote the same definition somewhere
        # nine pairs: three failed generations judged without a call, and one call per distinct prompt
        assert len(server.received) == before + distinct
    failed = result_store.results_frame(db, run_id).set_index("external_id").loc[["gt-005~openai/gen-a", "gt-005~anthropic/gen-b"]]
    assert set(failed["score"]) == {1} and failed["reasoning"].str.contains("failed generation").all()
    table = generator_table(db, "synth", run_id).set_index("generator")
    assert table.loc["openai/gen-a", "invalid"] == pytest.approx(1 / 3)
    assert table.loc["openai/gen-a", "prompt"] == "ast-generator@1"
    assert table.loc["anthropic/gen-b", "cost_usd"] > table.loc["openai/gen-a", "cost_usd"]


def test_a_request_that_keeps_leaking_is_reported_not_used(truths_file: Path) -> None:
    def leaky(body: dict[str, Any], attempt: int) -> Reply:
        if "You write the request" in body["messages"][0]["content"]:
            return Reply(text=json.dumps({"request": "users with event('Signed Up').count() >= 1"}))
        return Reply(text=json.dumps({"definition": SIGNED_UP}))

    db = Database()
    with FakeProviderServer(leaky) as server:
        provider = make_provider("openai", base_url=f"{server.url}/v1", keys=KEYS, max_retries=0)
        spec = SynthSpec("leaky", Maker("openai", "writer"), (Maker("openai", "gen-a"),), repairs=1)
        report = synthesize(db, load_truths(truths_file), spec, {"openai": provider}, prices=PRICES)
    assert report.added == 0 and set(report.no_request) == {"gt-002", "gt-004", "gt-005"}
    assert "copies the query language" in report.no_request["gt-002"]


def test_ground_truth_files_in_text_or_json_and_their_errors(tmp_path: Path) -> None:
    table = tmp_path / "truths.jsonl"
    ast = load_truths(DEMO_TRUTHS)[0].definition.to_json()
    table.write_text(json.dumps({"id": "a", "ground_truth": ast}) + "\n" + json.dumps({"id": "b", "ground_truth": PRO}))
    assert [t.id for t in load_truths(table)] == ["a", "b"]
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{PRO}\ntrait('plan') = \n")
    with pytest.raises(ImportRejected, match=r"bad.txt: nothing imported: row 2, field 'ground_truth'"):
        load_truths(bad)


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "synth.duckdb"
    assert main(["synth", "--offline", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "120 pairs added" in out and "execution judge: run 1" in out
    assert main(["synth", "--offline", "--if-empty", "--db", str(db)]) == 0
    assert "already exists" in capsys.readouterr().out
    assert main(["synth", "--offline", "--generator", "openai/x", "--db", str(db)]) == 2
    assert main(["synth", "--questions", "nobody/x", "--generator", "openai/x", "--db", str(db)]) == 2
    assert "PROVIDER one of" in capsys.readouterr().err
    assert main(["synth", "--questions", "openai/x", "--generator", "offline/sloppy", "--db", str(db)]) == 2
    assert "offline/careful" in capsys.readouterr().err
    with pytest.raises(JudgeError, match="named twice"):
        SynthSpec("d", Maker("offline", "english"), (Maker("offline", "careful"), Maker("offline", "careful")))
