"""Reading a judge's answer is a pure function: one clear score 1-5, or an error."""

from __future__ import annotations

import pytest

from judge.llm.answers import AnswerError, parse_answer


@pytest.mark.parametrize(
    ("text", "score", "reasoning"),
    [
        ('{"reasoning": "same audience", "score": 5}', 5, "same audience"),
        ('{"score": 3}', 3, None),
        ('Here you go:\n```json\n{"reasoning": "x", "score": 2}\n```', 2, "x"),
        ('{"reasoning": "I first thought score 2, but", "score": 4}', 4, "I first thought score 2, but"),
        ('{"score": "4"}', 4, None),
        ('{"score": 4.0}', 4, None),
        ("The window differs.\nScore: 3", 3, "The window differs."),
        ("Score: 4 ... looking again ...\nscore: 4", 4, "... looking again ..."),
        # an echoed definition before the answer is not the answer: the last object with a score is
        ('The ground truth is {"op": "and", "all": [{"event": "purchase"}]}.\n{"reasoning": "r", "score": 3}', 3, "r"),
        ('{"reasoning": "draft", "score": 4}\n{"reasoning": "final", "score": 4}', 4, "final"),
    ],
)
def test_reads_a_score(text: str, score: int, reasoning: str | None) -> None:
    answer = parse_answer(text)
    assert answer.score == score
    assert (answer.reasoning or None) == reasoning or (reasoning and reasoning in (answer.reasoning or ""))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"score": 6}', "outside the scale"),
        ('{"score": 0}', "outside the scale"),
        ('{"score": 4.5}', "not a whole number"),
        ('{"score": "four"}', "not a whole number"),
        ('{"score": true}', "not a number"),
        ('{"reasoning": "no score here"}', "has no score"),
        ("Score: 6", "outside the scale"),
        ("Score: 2\nScore: 4", "more than one score"),
        ("I think it is good.", "no score found"),
        ('{"reasoning": "the generated definition keeps the ev', "cut off or malformed"),
        ("", "empty"),
        # ambiguous answers are errors, never a pick of one of the scores
        ('{"reasoning": "a", "score": 2}\n{"reasoning": "b", "score": 5}', "more than one score"),
        ('{"reasoning": "a", "score": 2, "score": 5}', "'score' more than once"),
    ],
)
def test_refuses_what_is_not_one_whole_score(text: str, problem: str) -> None:
    with pytest.raises(AnswerError, match=problem):
        parse_answer(text)
