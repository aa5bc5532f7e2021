"""The score buttons of the Annotate page: one row on a dataset that names no criteria, a row per criterion on
one that names several. Every button is bound to the pair and showing it was drawn for, so a key press never
rates a pair (or a criterion) the person did not see as the one the keys rate."""

from __future__ import annotations

import streamlit as st

from judge import annotation
from judge.desk import Desk, Screen
from storage.pairs import Pair
from ui.resources import read
from ui.text import inert

__all__ = ["criteria_form", "rating_words", "single_form"]


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


def criteria_form(desk: Desk, screen: Screen, pair: Pair, dataset: int) -> str:
    """A row of buttons per criterion. The score keys rate the criterion marked "keys rate this"; each press
    moves the keys on to the next criterion, and the last one saves every score together. A click on any
    button chooses that criterion's score. Returns what the keys do, in words."""
    token, note_key = screen.token, screen.note_key
    with st.form(f"rate-{token}", border=False, enter_to_submit=False):
        for index, criterion in enumerate(screen.criteria):
            scale = read(annotation.scale_of_dataset, pair.dataset, criterion)
            lines = read(annotation.rubric_lines, pair.dataset, criterion)
            active = criterion == screen.active
            chosen = screen.scores.get(criterion)
            with st.container(border=active, key=f"criterion-{index}-{token}"):
                head, *cells = st.columns([2] + [3] * len(lines), vertical_alignment="center")
                mark = f" · keys {scale.keys_words()} rate this" if active else ""
                head.markdown(f"**{inert(criterion)}**" + (f" · {chosen}" if chosen is not None else "") + mark)
                for cell, score in zip(cells, sorted(lines), strict=True):
                    name, meaning = lines[score]
                    cell.form_submit_button(
                        f"{score} · {name}" + ("" if scale.key(score) == str(score) else f" (key {scale.key(score)})"),
                        key=f"score-{index}-{score}-{token}" + ("-keys" if active else ""), on_click=desk.choose,
                        args=(pair.id, dataset, token, note_key, criterion, score, active),
                        shortcut=scale.key(score) if active else None, width="stretch",
                        type="primary" if chosen == score else "secondary", help=meaning,
                    )  # fmt: skip
        st.text_input("Note (optional; Enter leaves the note, then press the score keys)", key=note_key,
                      placeholder="What is wrong, or why it is fine", label_visibility="collapsed")  # fmt: skip
        if screen.editing:
            st.form_submit_button("Save these scores", key=f"save-{token}", on_click=desk.save,
                                  args=(pair.id, dataset, token, note_key))  # fmt: skip
    return ("The score keys rate the criterion in the box, then the next; the last one saves every score and "
            "goes to the next pair. Click a button to choose or change any criterion's score. Type a note first "
            "if you like: Enter leaves the note.")


def rating_words(scores: annotation.Scores, lines: dict[int, tuple[str, str]] | None) -> str:
    """ "4 · Good" for one score, "fluency 4, coherence 2" for several criteria."""
    if list(scores) == [""]:
        score = scores[""]
        return f"{score} · {lines[score][0]}" if lines and score in lines else str(score)
    return ", ".join(f"{c} {s}" for c, s in scores.items())
