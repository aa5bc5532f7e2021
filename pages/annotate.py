"""Annotate: one pair at a time, ground truth and generated side by side, rated with the keys on the dataset's
scale (1-5 by default; binary, 1-3 ... where the dataset declares it)."""

import streamlit as st

from judge import annotation
from judge.desk import Desk
from ui.criteria_keys import criteria_keys
from ui.keys import one_rating_per_key_press
from ui.pair_view import show_details, show_pair, show_request
from ui.rating_form import rating_words, single_form
from ui.resources import database, read, settings
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
dataset = choose_dataset()
if who is None or dataset is None:
    st.stop()

desk = Desk(db, config, who, dataset, state)
screen = desk.screen()
mine = screen.progress
done = mine.mine / max(mine.mine + mine.left_for_me, 1)
st.progress(done, text=f"You: {mine.mine} rated, {mine.left_for_me} left · "
            f"Everyone: {mine.ratings} of {mine.ratings_wanted} ratings")  # fmt: skip
if screen.flash:
    getattr(st, screen.flash[0])(screen.flash[1])

if screen.pair is None:
    st.success("Nothing left for you to rate in this dataset. Thank you!")
    st.button("Back to my last rating", on_click=desk.back, args=(None,))
    st.stop()

pair = screen.pair
st.caption(f"Pair {inert(pair.external_id)}")
if screen.editing:
    st.info("You are changing an earlier rating; the old one is kept in the history.")
show_request(pair)
truth, generated, marks = show_pair(pair)

token = screen.token
form = single_form if screen.criteria == ("",) else criteria_keys
how = form(desk, screen, pair, dataset)
nav = st.columns([1, 1, 5])
nav[0].button("Skip", key=f"skip-{token}", on_click=desk.skip, args=(pair.id,), width="stretch", shortcut="s")
nav[1].button("Back", key=f"back-{token}", on_click=desk.back, args=(pair.id,), width="stretch", shortcut="b")
nav[2].caption(how)
show_details(truth, generated, marks)
with st.sidebar:
    if recent := screen.recent:
        st.markdown("**Your last ratings**")
        lines = read(annotation.rubric_lines, pair.dataset) if screen.criteria == ("",) else None
        for rated, name, scores, note in recent:  # pairs named as everywhere else, by their external id
            st.button(f"{inert(name)}: {inert(rating_words(scores, lines))}", key=f"recent-{rated}-{token}",
                      on_click=desk.reopen, args=(rated, scores, note), help="Open it to change the rating")  # fmt: skip
one_rating_per_key_press(token)
