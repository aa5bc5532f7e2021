"""Annotate: one pair at a time, ground truth and generated side by side, rate 1-5 with the keys."""

import time
import uuid

import streamlit as st

from judge import annotation
from judge.errors import JudgeError
from storage import pairs as pair_store
from storage import ratings as rating_store
from ui.keys import one_rating_per_key_press
from ui.pair_view import show_details, show_pair, show_request
from ui.resources import database, settings
from ui.session import choose_dataset, sign_in_form, signed_in
from ui.text import inert

db, config = database(), settings()
state = st.session_state

who = signed_in(config)
if who is None:
    sign_in_form(config)
elif not config.may_annotate(who):
    st.warning(f"{inert(who)} is an admin, not on the list of annotators (JUDGE_ANNOTATORS): nothing to rate here.")
    who = None
dataset = choose_dataset(db)
if who is None or dataset is None:
    st.stop()
me, picked = who, dataset  # named again so that the callbacks below see them as set (mypy narrows no closure)

state.setdefault("skipped", [])
if state.get("pair_dataset") != dataset:  # another dataset picked: nothing of the last one stays on screen
    state.pair_id, state.skipped, state.pair_dataset = None, [], dataset
if state.get("pair_id") is None:
    state.pair_id = annotation.next_pair(db, config, who, dataset, state.skipped)
    state.editing, state.score, state.token, state.shown_at = False, None, uuid.uuid4().hex, time.time()


def submit(pair_id: int, dataset_id: int, token: str, note_key: str, score: int) -> None:
    try:
        outcome = annotation.submit_rating(
            db, config, pair_id=pair_id, annotator=me, score=score, note=state.get(note_key, ""),
            seconds=time.time() - state.shown_at, token=token, editing=state.editing, dataset=dataset_id,
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
    earlier = annotation.previous_rating(db, me, picked, pair_id)
    if earlier is None:
        state.flash = ("info", "This is the first pair you rated.")
        return
    reopen(*earlier)


def reopen(pair_id: int, score: int, note: str | None) -> None:
    """Show a pair rated earlier to change its rating (the old one stays in the history)."""
    state.pair_id, state.editing, state.score = pair_id, True, score
    state.token, state.shown_at = uuid.uuid4().hex, time.time()
    state[f"note-{state.token}"] = note or ""


mine = rating_store.progress(db, who, dataset, config.annotators_per_pair)
done = mine.mine / max(mine.mine + mine.left_for_me, 1)
st.progress(done, text=f"You: {mine.mine} rated, {mine.left_for_me} left · "
            f"Everyone: {mine.ratings} of {mine.ratings_wanted} ratings")  # fmt: skip
if flash := state.pop("flash", None):
    getattr(st, flash[0])(flash[1])

if state.pair_id is None:
    st.success("Nothing left for you to rate in this dataset. Thank you!")
    st.button("Back to my last rating", on_click=back, args=(None,))
    st.stop()

pair = pair_store.pair(db, state.pair_id)
assert pair is not None
st.caption(f"Pair {inert(pair.external_id)}")
if state.editing:
    st.info("You are changing an earlier rating; the old one is kept in the history.")
show_request(pair)
truth, generated, marks = show_pair(pair)

note_key = f"note-{state.token}"
lines = annotation.rubric_lines()
# One form, one message: the score key and the note reach the server together, so a quick key press can never
# arrive without its score or land on a pair other than the one on screen (pair and dataset are bound to the button).
with st.form(f"rate-{state.token}", border=False, enter_to_submit=False):
    for column, score in zip(st.columns(5), sorted(lines), strict=True):
        name, meaning = lines[score]
        column.form_submit_button(
            f"{score} · {name}", key=f"score-{score}-{state.token}", on_click=submit,
            args=(pair.id, dataset, state.token, note_key, score), shortcut=str(score), width="stretch",
            type="primary" if state.score == score else "secondary", help=meaning,
        )  # fmt: skip
        column.caption(meaning)
    st.text_input("Note (optional; Enter leaves the note, then press 1-5)", key=note_key,
                  placeholder="What is wrong, or why it is fine", label_visibility="collapsed")  # fmt: skip
nav = st.columns([1, 1, 5])
nav[0].button("Skip", key=f"skip-{state.token}", on_click=skip, args=(pair.id,), width="stretch", shortcut="s")
nav[1].button("Back", key=f"back-{state.token}", on_click=back, args=(pair.id,), width="stretch", shortcut="b")
nav[2].caption("Press 1-5 to save a score and go to the next pair. Type a note first if you like: Enter leaves "
               "the note, then press 1-5.")
show_details(truth, generated, marks)
with st.sidebar:
    if recent := annotation.recent_ratings(db, who, dataset):
        st.markdown("**Your last ratings**")
        for rated, name, score, note in recent:  # pairs named as everywhere else, by their external id
            st.button(f"{inert(name)}: {score} · {lines[score][0]}", key=f"recent-{rated}-{state.token}",
                      on_click=reopen, args=(rated, score, note), help="Open it to change the rating")  # fmt: skip
one_rating_per_key_press(state.token)
