"""Annotate: one pair at a time, ground truth and generated side by side, rate 1-5 with the keys."""

import time
import uuid

import streamlit as st

from judge import annotation
from judge.errors import JudgeError
from storage import queries as q
from ui.keys import one_rating_per_key_press
from ui.pair_view import show_pair, show_request
from ui.resources import database, settings
from ui.session import choose_dataset, sign_in_form, signed_in
from ui.text import inert

db, config = database(), settings()
state = st.session_state
st.title("Annotate")

who = signed_in(config)
if who is None:
    sign_in_form(config)
elif not config.may_annotate(who):
    st.warning(f"{inert(who)} is an admin, not on the list of annotators (JUDGE_ANNOTATORS): nothing to rate here.")
    who = None
dataset = choose_dataset(db)
if who is None or dataset is None:
    st.stop()

state.setdefault("skipped", [])
if state.get("pair_id") is None:
    state.pair_id = annotation.next_pair(db, config, who, dataset, state.skipped)
    state.editing, state.score, state.token, state.shown_at = False, None, uuid.uuid4().hex, time.time()


def submit(pair_id: int, token: str, note_key: str, score: int) -> None:
    try:
        outcome = annotation.submit_rating(
            db, config, pair_id=pair_id, annotator=who, score=score, note=state.get(note_key, ""),
            seconds=time.time() - state.shown_at, token=token, editing=state.editing,
        )  # fmt: skip
    except JudgeError as e:
        state.flash = ("error", str(e))
        return
    messages = {
        "recorded": ("success", f"Saved: {score} for the last pair."),
        "duplicate": ("success", "Saved once; the repeated click or key was ignored."),
        "already_rated": ("warning", "You rated this pair already (in another tab?); that rating is kept."),
    }
    state.flash, state.pair_id = messages[outcome], None


def skip(pair_id: int) -> None:
    state.skipped = [*state.skipped, pair_id]
    state.pair_id = None


def back(pair_id: int | None) -> None:
    earlier = annotation.previous_rating(db, who, dataset, pair_id)
    if earlier is None:
        state.flash = ("info", "This is the first pair you rated.")
        return
    previous, score, note = earlier
    state.pair_id, state.editing, state.score = previous, True, score
    state.token, state.shown_at = uuid.uuid4().hex, time.time()
    state[f"note-{state.token}"] = note or ""


mine = q.progress(db, who, dataset, config.annotators_per_pair)
done = mine.mine / max(mine.mine + mine.left_for_me, 1)
st.progress(done, text=f"You: {mine.mine} rated, {mine.left_for_me} left · "
            f"Everyone: {mine.ratings} of {mine.ratings_wanted} ratings")  # fmt: skip
if flash := state.pop("flash", None):
    getattr(st, flash[0])(flash[1])

if state.pair_id is None:
    st.success("Nothing left for you to rate in this dataset. Thank you!")
    st.button("Back to my last rating", on_click=back, args=(None,))
    st.stop()

pair = q.pair(db, state.pair_id)
assert pair is not None
if state.editing:
    st.info("You are changing an earlier rating; the old one is kept in the history.")
show_request(pair)
show_pair(pair)

st.divider()
with st.expander("Rubric: what each score means", expanded=False):
    for score, (name, meaning) in annotation.rubric_lines().items():
        st.markdown(f"**{score} · {name}** - {meaning}")
note_key = f"note-{state.token}"
# One form, one message: the score key and the note reach the server together, so a quick key press can never
# arrive without its score or land on a pair other than the one on screen (the pair id is bound to the button).
with st.form(f"rate-{state.token}", border=False, enter_to_submit=False):
    st.text_input("Note (optional, type it before you rate)", key=note_key,
                  placeholder="What is wrong, or why it is fine")  # fmt: skip
    cols = st.columns(5)
    lines = annotation.rubric_lines()
    for column, score in zip(cols, sorted(lines), strict=True):
        column.form_submit_button(
            f"{score} · {lines[score][0]}", key=f"score-{score}-{state.token}", on_click=submit,
            args=(pair.id, state.token, note_key, score), shortcut=str(score), width="stretch",
            type="primary" if state.score == score else "secondary",
        )  # fmt: skip
    st.caption("Press 1-5 to save a score and go to the next pair. From the note, press Tab, then 1-5.")
nav = st.columns([1, 1, 6])
nav[0].button("Skip", key=f"skip-{state.token}", on_click=skip, args=(pair.id,), width="stretch")
nav[1].button("Back", key=f"back-{state.token}", on_click=back, args=(pair.id,), width="stretch")
one_rating_per_key_press()
