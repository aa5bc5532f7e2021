"""The score buttons of the Annotate page on a dataset that names no criteria (one with several criteria is
rated through ``ui.criteria_keys``). Every button is bound to the pair and showing it was drawn for, so a key
press never rates a pair the person did not see."""

from __future__ import annotations

import streamlit as st

from judge import annotation
from judge.desk import Desk, Screen
from storage.pairs import Pair
from ui.resources import read

__all__ = ["rating_words", "single_form"]


def single_form(desk: Desk, screen: Screen, pair: Pair, dataset: int) -> str:
    """One row of score buttons, a key each: a press saves the score. Returns what the keys do, in words."""
    token, note_key = screen.token, screen.note_key
    scale = read(annotation.scale_of_dataset, pair.dataset)
    lines = read(annotation.rubric_lines, pair.dataset)
    keys = scale.keys_words()
    # One form, one message: the score key and the note reach the server together, so a quick key press can never
    # arrive without its score or land on a pair other than the one on screen (pair and dataset are bound to the
    # button).
    with st.form(f"rate-{token}", border=False, enter_to_submit=False):
        for column, score in zip(st.columns(len(lines)), sorted(lines), strict=True):
            name, meaning = lines[score]
            column.form_submit_button(
                f"{score} · {name}" + ("" if scale.key(score) == str(score) else f" (key {scale.key(score)})"),
                key=f"score-{score}-{token}", on_click=desk.submit,
                args=(pair.id, dataset, token, note_key, score), shortcut=scale.key(score), width="stretch",
                type="primary" if screen.score == score else "secondary", help=meaning,
            )  # fmt: skip
            if meaning.strip().lower() != name.strip().lower():  # a scale declared by its labels alone has no more
                column.caption(meaning)
        st.text_input(f"Note (optional; Enter leaves the note, then press {keys})", key=note_key,
                      placeholder="What is wrong, or why it is fine", label_visibility="collapsed")  # fmt: skip
    return (f"Press {keys} to save a score and go to the next pair. Type a note first if you like: Enter "
            f"leaves the note, then press {keys}.")


def rating_words(scores: annotation.Scores, lines: dict[int, tuple[str, str]] | None) -> str:
    """ "4 · Good" for one score, "fluency 4, coherence 2" for several criteria."""
    if list(scores) == [""]:
        score = scores[""]
        return f"{score} · {lines[score][0]}" if lines and score in lines else str(score)
    return ", ".join(f"{c} {s}" for c, s in scores.items())
