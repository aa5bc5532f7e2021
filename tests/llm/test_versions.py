"""Judge template versions made in the app: checked as files are, stored with their hash, never changed."""

from __future__ import annotations

import pytest

from judge.errors import JudgeError
from judge.llm.prompts import PromptError, load_prompt
from judge.llm.versions import catalog, diff, find, fork, next_version, save
from storage import Database


def test_a_fork_is_the_next_version_and_saving_it_makes_a_version_every_run_can_name(db: Database) -> None:
    text = fork(db, "judge-cot@2")
    assert "version = 3" in text and "{rubric}" in text
    edited = text.replace("Think step by step", "Think step by step, condition by condition")
    saved = save(db, edited, "judge-cot@2", "ana")
    assert (saved.label, saved.source, saved.parent) == ("judge-cot@3", "app", "judge-cot@2")
    assert find(db, "judge-cot@3").sha256 == saved.sha256 and find(db, "judge-cot").label == "judge-cot@3"
    assert "judge-cot@3" in [p.label for p in catalog(db)[0]]
    assert next_version(db, "judge-cot") == 4
    change = diff(find(db, "judge-cot@2"), saved)
    assert "-Think step by step, compare" not in change  # only the changed line differs
    assert "+Think step by step, condition by condition" in change and change.startswith("--- judge-cot@2")


def test_a_version_never_changes_neither_a_file_nor_one_made_in_the_app(db: Database) -> None:
    with pytest.raises(PromptError, match="exists already"):
        save(db, load_prompt("judge-cot@2").text, "judge-cot@1", "ana")  # a file's version
    saved = save(db, fork(db, "judge-cot@2").replace("Think", "Reason"), "judge-cot@2", "ana")
    with pytest.raises(PromptError, match="exists already and a version never changes; save this as version 4"):
        save(db, saved.text.replace("Reason", "Think hard"), "judge-cot@2", "bo")
    assert find(db, "judge-cot@3").sha256 == saved.sha256


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("{generated}", ""), "missing the variable(s) generated"),
        (lambda t: t.replace("{request}", "{request} {secret}"), "unknown variable(s) secret"),
        (lambda t: t.replace('answer = "reasoning_then_score"', 'answer = "verdict"'), "answer"),
        (lambda t: t.replace("{request}", "{request} {examples}"), "examples_per_score"),
        (lambda t: t.replace("version = 3", "version = 0"), "version"),
        (lambda t: t + "\ncolour = 'red'\n", "colour"),
        (lambda t: t.replace('name = "judge-cot"', 'name = "Judge COT"'), "name"),
        (lambda t: "not = [toml", "not valid TOML"),
        (lambda t: t.replace("{request}", "{request"), "not a valid template"),
    ],
)
def test_a_version_made_in_the_app_is_checked_as_a_file_is(db: Database, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PromptError, match="the new version") as refused:
        save(db, change(fork(db, "judge-cot@2")), "judge-cot@2", "ana")
    assert problem in str(refused.value)
    assert [p.source for p in catalog(db)[0]] == ["file"] * len(catalog(db)[0])  # nothing was stored


def test_examples_are_asked_for_with_a_count_per_score(db: Database) -> None:
    text = fork(db, "judge-cot@2").replace("{evidence}", "{evidence}\n\n{examples}")
    text = text.replace('answer = "reasoning_then_score"', 'answer = "reasoning_then_score"\nexamples_per_score = 2')
    saved = save(db, text, "judge-cot@2", "ana")
    assert saved.uses_examples and saved.examples_per_score == 2
    with pytest.raises(JudgeError, match="no prompt named 'nope'"):
        find(db, "nope@1")
    with pytest.raises(JudgeError, match="has no version 9"):
        find(db, "judge-cot@9")


def test_what_cannot_be_rendered_or_forked_or_is_not_a_judge_is_refused(db: Database) -> None:
    text = fork(db, "judge-cot@2")
    for change, problem in [
        (text.replace("{generated}", "{generated:d}"), "without a format or conversion"),
        (text.replace("{request}", "{request!r}"), "without a format or conversion"),
        (text.replace("version = 3", 'version = "3"'), "version"),
        (text.replace("version = 3", "version = 3.0"), "version"),
        (text.replace("version = 3", "version = 2147483648"), "version"),
        (text.replace("Rubric", "{examples} Rubric"), "examples are data"),
        (text, "this is judge-cot@2 again"),
        (load_prompt("question-writer@1").text.replace("version = 1", "version = 2"), "judge templates"),
        (text + "#" * 100_001, "the most is 100,000"),
    ]:
        with pytest.raises(PromptError, match=problem):
            save(db, change, "judge-cot@2", "ana")
    commented = save(db, text.replace("version = 3", "version = 3  # with a comment").replace("Think", "Reason"),
                     "judge-cot@2", "ana")  # fmt: skip
    assert "version = 4" in fork(db, commented.label) and fork(db, commented.label).count("version =") == 1
