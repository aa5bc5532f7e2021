"""Prompts: every judge template version; fork one, edit it, run it on a calibration set, and see in words
whether it agrees with people better than the version it came from."""

import streamlit as st

from judge import annotation, prompt_loop
from judge.agreement.stats import figure_label, headline_for
from judge.errors import JudgeError
from judge.llm import estimate, make_provider
from judge.trend import trend
from ui.agreement_views import history_chart
from ui.prompt_views import set_run_form, show_comparison, show_version
from ui.resources import database, jobs, keys, read, settings, steady
from ui.session import admin_gate, choose_dataset, is_admin, signed_in
from ui.text import inert

db, config, work = database(), settings(), jobs()
st.title("Prompts")
st.caption("Fork a judge prompt, change it, run it on a calibration set, and read whether it agrees with people "
           "better than the version it came from, or whether the change is noise.")  # fmt: skip
who = signed_in(config)
if choose_dataset(acting="Calibration sets are made of") is None:
    st.stop()
dataset = str(st.session_state.dataset)

versions, broken = read(prompt_loop.judge_versions)
by_label = {p.label: p for p in versions}
st.subheader("Versions")
st.dataframe(read(prompt_loop.versions_table), hide_index=True, width="stretch")
for problem in broken:
    st.warning(f"Left out: {inert(problem)}")
labels = sorted(by_label, key=lambda label: (by_label[label].name, -by_label[label].version))
if "prompt_version_saved" in st.session_state:
    st.session_state["prompt_version"] = st.session_state.pop("prompt_version_saved")
if st.session_state.get("prompt_version") not in by_label:
    st.session_state.pop("prompt_version", None)
left, right = st.columns(2)
chosen = by_label[left.selectbox("Version", labels, key="prompt_version")]
others = [None, *(label for label in labels if label != chosen.label)]
against = right.selectbox("Show what changed against", others, key=f"prompt_diff_{chosen.label}",
                          index=others.index(chosen.parent) if chosen.parent in others else 0,
                          format_func=lambda label: "nothing (show the whole template)" if label is None else label)  # fmt: skip
if against is None:
    show_version(chosen)
else:
    st.code(prompt_loop.diff(by_label[against], chosen) or "(the same text)", language="diff", wrap_lines=True)

st.subheader("Make a new version")
admin = admin_gate(config, "make versions and run them")
draft_key = "prompt_draft"
if st.button(f"Fork {chosen.label} into {chosen.name}@{read(prompt_loop.next_version, chosen.name)}",
             disabled=not admin) and is_admin(config):  # fmt: skip
    st.session_state[draft_key] = prompt_loop.fork(db, chosen.label)
    st.session_state["prompt_draft_parent"] = chosen.label
if draft_key in st.session_state:
    parent = str(st.session_state["prompt_draft_parent"])
    st.caption(f"Forked from {parent}. Variables: {{request}}, {{ground_truth}}, {{generated}}, {{evidence}}, "
               "{examples} (with examples_per_score = k); {rubric} in system grades by people's rubric. A saved "
               "version never changes: to change it again, fork it.")  # fmt: skip
    text = st.text_area("The new version (TOML)", key=draft_key, height=420)
    save, drop = st.columns([1, 5])
    if save.button("Save version", type="primary", disabled=not admin) and is_admin(config):
        try:
            made = prompt_loop.save(db, text, parent, who)
        except JudgeError as e:
            st.error(inert(e))
        else:
            del st.session_state[draft_key]
            st.session_state["prompt_version_saved"] = made.label  # picked on the rerun, before the picker is drawn
            st.toast(f"Saved {made.label}")
            st.rerun()
    if drop.button("Discard the draft"):
        del st.session_state[draft_key]
        st.rerun()

st.subheader("Calibration sets")
sets = read(prompt_loop.calibration_sets)
mine = sets[sets["dataset"] == dataset] if not sets.empty else sets
if mine.empty:
    st.info(f"No calibration set of {dataset} yet. A calibration set is a fixed snapshot of the pairs people rated "
            "and their consensus: versions are compared on the same pairs, so a difference is the prompt's.")  # fmt: skip
else:
    st.dataframe(mine.rename(columns={"name": "Set", "pairs": "Pairs", "test_pairs": "Compared on",
                                      "dev_pairs": "For examples", "created_at": "Snapshot taken",
                                      "created_by": "By", "changed": "Consensus changed since"})[
        ["Set", "Pairs", "Compared on", "For examples", "Snapshot taken", "By", "Consensus changed since"]],
        hide_index=True, width="stretch")  # fmt: skip
    for row in mine.itertuples():
        if row.changed:
            st.warning(f"{row.name}: people's consensus changed on {row.changed} of its pairs since the snapshot, so "
                       "its figures are stale (the gate says it cannot tell).")  # fmt: skip
            if st.button(f"Take a new snapshot of {row.name}", disabled=not admin, key=f"resnap-{row.name}") and is_admin(config):
                try:
                    st.toast(prompt_loop.new_snapshot(db, str(row.name), dataset, who))
                    st.rerun()
                except JudgeError as e:
                    st.error(inert(e))
with st.form("new_set", clear_on_submit=True, border=False):
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    name = left.text_input("Name of a new set", placeholder="e.g. audiences-2026-12")
    if right.form_submit_button(f"Snapshot the rated pairs of {dataset}", disabled=not admin) and is_admin(config):
        if not name.strip():
            st.warning("Type a name for the new set first.")
            st.stop()
        try:
            st.toast(prompt_loop.new_snapshot(db, name, dataset, who))
            st.rerun()
        except JudgeError as e:
            st.error(inert(e))
if mine.empty:
    st.stop()

st.subheader(f"Run {chosen.label} on a calibration set")
set_names = list(mine["name"])
calibration = str(st.selectbox("Calibration set", set_names, key="loop_set"))
st.download_button(f"Download {calibration} for the command line", prompt_loop.export_set(db, calibration),
                   f"{calibration}.calibration.json", "application/json",
                   help="judge gate --calibration-file works from this file while the app holds the database")  # fmt: skip
spec = set_run_form(chosen, calibration, dataset, read(prompt_loop.last_settings, calibration))
def running() -> bool:
    """Whether a run of this version on this set is going on now (read fresh, not from the cache)."""
    return any(int(i) in work.active() for i in prompt_loop.version_runs(db, calibration, chosen.label)["id"])


try:
    guess = read(estimate, spec)
    st.caption(f"{guess.calls} calls ({guess.cached} already answered and not paid again): {guess.cost}.")
    busy = running()
    clicked = st.button(f"Run {chosen.label} on {calibration} with {spec.model or '…'}", type="primary",
                        disabled=not admin or not spec.model or busy,
                        help="One run of a version on a set at a time" if busy else None)  # fmt: skip
    if clicked and is_admin(config) and not running():  # asked again at the click: a double click starts one run
        provider = make_provider(spec.provider, base_url=spec.base_url, keys=keys())
        st.toast(f"Run {work.start_llm(spec, provider)} started")
except JudgeError as e:
    st.error(inert(e))


@st.fragment(run_every=2)
@steady
def figures() -> None:
    runs = read(prompt_loop.version_runs, calibration, chosen.label)
    active = work.active()
    if not runs.empty and int(runs.iloc[0]["id"]) in active:
        latest = runs.iloc[0]
        planned = int(latest["planned"]) if latest["planned"] == latest["planned"] else 0
        st.progress(min(int(latest["judged"]) / planned, 1.0) if planned else 0.0,
                    text=f"Run {latest['id']}: {latest['judged']} of {planned} judged")  # fmt: skip
        st.session_state["loop_running"] = int(latest["id"])
        return
    if st.session_state.pop("loop_running", None) is not None:
        st.rerun()  # a run just ended: the whole page (the trend too) catches up
    if not runs.empty and (message := work.error(int(runs.iloc[0]["id"]))):
        st.error(f"Run {runs.iloc[0]['id']} stopped: {inert(message)}")
    own = read(prompt_loop.version_figure, calibration, chosen.label, spec.model or None)
    if own:
        st.markdown(own)
    if chosen.parent is None:
        st.caption(f"{chosen.label} was not forked from another version: fork it, run the fork, and the comparison "
                   "with this one appears here.")  # fmt: skip
        return
    st.markdown(f"**{chosen.label} against {chosen.parent}**, the version it was forked from")
    try:
        result = read(prompt_loop.compare, calibration, chosen.parent, chosen.label, spec.model or None)
    except JudgeError as e:
        st.info(f"Not comparable yet: run {chosen.label} and {chosen.parent} on {calibration} with the same model "
                f"({inert(e)}).")  # fmt: skip
        return
    show_comparison(result, prompt_loop.moved_table(db, result))


figures()

st.subheader("Agreement across versions")
points = read(trend, "within_one", dataset)
close = headline_for("within_one", read(annotation.scale_of_dataset, dataset))
if len(points) > 1:
    st.plotly_chart(history_chart(points, figure_label(close), percent=True), width="stretch")
else:
    st.caption("Each run on a calibration set adds a point here, on one line per set and judge model.")
