"""Examples for a judge template come from adjudicated dev pairs of a calibration set, never from the
pairs versions are compared on; a run that shows them judges only the test pairs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judge.calibration import snapshot
from judge.examples import examples_text, pick_examples
from judge.llm import RunSpec
from judge.llm.prompts import PromptError
from judge.llm.run import plan
from judge.llm.versions import fork, save
from storage import Database
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import runs as run_store
from tests.conftest import text_pair

PAIRS = 40


def rated_and_adjudicated(db: Database) -> int:
    """40 rated pairs, every one adjudicated (so any pair could be picked if the split were not kept)."""
    pair_store.add_pairs(db, "d", [text_pair(f"p{i}", generated=f"GEN-{i}-END") for i in range(PAIRS)])
    run = run_store.create_run(db, name="exec", judge_kind="execution", status="finished")
    for i in range(PAIRS):
        rating_store.record_rating(db, rating_store.NewRating(i + 1, "ana", 1 + i % 5, None, 5.0, f"t{i}"), first_only=True)
        verdict = ("humans_right", "both_acceptable", "judge_right", "ambiguous")[i % 4]
        adjudication_store.add_adjudication(db, run, i + 1, verdict, f"note {i}", "eng",  # type: ignore[arg-type]
                                            score=(1 + (i + 2) % 5) if i % 4 == 2 else None)  # fmt: skip
    return run


def an_examples_version(db: Database, per_score: int = 2) -> str:
    text = fork(db, "judge-cot@2").replace("{evidence}", "{evidence}\n\n{examples}")
    text = text.replace('answer = "reasoning_then_score"', f'answer = "reasoning_then_score"\nexamples_per_score = {per_score}')
    return save(db, text, "judge-cot@2", "ana").label


@given(name=st.text("abcdefgh", min_size=1, max_size=6), share=st.sampled_from([0.1, 0.2, 0.5, 0.8]),
       per_score=st.integers(1, 4))  # fmt: skip
@settings(max_examples=12, deadline=None)
def test_examples_are_dev_pairs_only_and_a_run_showing_them_judges_test_pairs_only(
    name: str, share: float, per_score: int
) -> None:
    db = Database(":memory:")
    rated_and_adjudicated(db)
    calibration = snapshot(db, name, "d", dev_share=share)
    picked = pick_examples(db, calibration, per_score)
    assert {e.pair_id for e in picked} <= set(calibration.dev_pairs)
    assert all(sum(e.score == s for e in picked) <= per_score for s in range(1, 6))
    made = plan(db, RunSpec(dataset="d", provider="openai", model="m", prompt=an_examples_version(db, per_score),
                            calibration=name))  # fmt: skip
    judged = {i.pair_id for i in made.items}
    assert judged == set(calibration.test_pairs)
    assert not judged & {e.pair_id for e in made.examples}
    test_texts = {f"GEN-{p - 1}-END" for p in calibration.test_pairs}
    for item in made.items:
        shown = item.call.rendered.user.split("<examples>")[1]
        assert not any(text in shown for text in test_texts)  # no compared pair's definition is ever an example
    assert made.shown_examples is not None and made.shown_examples["split"] == "dev"


def test_settled_pairs_only_with_the_score_they_deserve(db: Database) -> None:
    rated_and_adjudicated(db)
    calibration = snapshot(db, "cal", "d", dev_share=0.5)
    by_pair = {e.pair_id: e for e in pick_examples(db, calibration, 5)}
    consensus = dict(zip(calibration.pairs["pair_id"], calibration.pairs["consensus"], strict=True))
    for pair_id, example in by_pair.items():
        i = pair_id - 1
        assert i % 4 != 3  # "ambiguous" says nothing about the score
        expected = 1 + (i + 2) % 5 if i % 4 == 2 else consensus[pair_id]  # the engineer's score, else people's
        assert example.score == expected and example.note == f"note {i}"
    assert "Example 1: score" in examples_text(list(by_pair.values()))


def test_a_template_with_examples_needs_a_calibration_set(db: Database) -> None:
    rated_and_adjudicated(db)
    label = an_examples_version(db)
    with pytest.raises(PromptError, match="choose a calibration set"):
        plan(db, RunSpec(dataset="d", provider="openai", model="m", prompt=label))
