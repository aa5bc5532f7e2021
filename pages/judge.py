"""Judge: start a run (execution or LLM), watch it, see past runs, read any judgment's transcript."""

from dataclasses import replace

import streamlit as st

from judge import prompt_loop, workspace
from judge.errors import JudgeError
from judge.llm import estimate, make_provider
from judge.queue import QueuedJobs
from ui.pair_view import show_pair, show_request
from ui.resources import database, jobs, keys, read, settings, steady
from ui.run_views import batch_runs, llm_spec_form, runs_table, show_judgment, show_runs
from ui.session import admin_gate, choose_criterion, choose_dataset, is_admin, sign_in_form, signed_in
from ui.text import inert

db, config, work = database(), settings(), jobs()
st.title("Judge")
dataset_id = choose_dataset(acting="Runs start on")
if dataset_id is None:
    st.stop()
dataset = str(st.session_state.dataset)
who = signed_in(config)

with st.expander("Start a run", expanded=True):
    admin = admin_gate(config, "start runs")
    criterion = choose_criterion(dataset, "judge_criterion")
    kind = st.radio("Judge", ["execution", "llm"], horizontal=True, key="judge_kind",
                    format_func={"execution": "Execution (offline, no key)", "llm": "LLM"}.get)  # fmt: skip
    try:
        if kind == "execution":
            st.caption("Runs both definitions on generated customer data; audience pairs only.")
            if st.button(f"Start on {dataset}", type="primary", disabled=not admin) and is_admin(config):
                st.toast(f"Run {work.start_execution(dataset, criterion=criterion)} started")
        else:
            spec = replace(llm_spec_form(dataset, *read(prompt_loop.judge_versions)), criterion=criterion)
            guess = read(estimate, spec)
            st.info(f"{guess.calls} calls ({guess.cached} already answered in the cache), "
                    f"~{guess.input_tokens:,} input and ~{guess.output_tokens:,} output tokens: {guess.cost}"
                    + (" at the batch rate." if spec.batch and guess.usd is not None else "."))  # fmt: skip
            if st.button(f"Start on {dataset}", type="primary", disabled=not admin or not spec.model) and is_admin(config):
                provider = make_provider(spec.provider, base_url=spec.base_url, keys=keys())
                st.toast(f"Run {work.start_llm(spec, provider)} started")
    except JudgeError as e:
        st.error(inert(e))


@st.fragment(run_every=2)
@steady
def runs() -> None:
    states = work.states()
    active = set(states)
    frame = read(workspace.runs)
    if frame.empty:
        st.info("No runs yet.")
        return
    table = runs_table(frame, states)
    latest = table.iloc[0]
    said = states.get(int(latest["id"]), latest["state"])
    text = f"Latest: run {latest['id']} {said}, {latest['progress']} judged, {latest['errors']} errors"
    if latest["at_provider"]:
        text += f"; {latest['at_provider']} (stored when each batch ends)"
    if int(latest["id"]) in active and latest["share"] is not None:
        st.progress(float(latest["share"]) / 100, text=text)
    else:
        st.caption(text)
    if isinstance(work, QueuedJobs) and work.waiting_for_a_worker():
        st.warning("A run is waiting in the team server's queue and no judge worker is running. Start one beside "
                   "the app with `judge worker` (it reads the provider keys from its own environment), or let the "
                   "app work runs itself (leave JUDGE_APP_WORKER unset).", icon=":material/hourglass_empty:")  # fmt: skip
    show_runs(table)
    if ended := st.session_state.get("runs_active", set()) - active:  # a run just ended: the whole page catches up
        st.session_state["runs_active"] = active
        states = dict(zip(table["id"], table["state"], strict=True))
        st.toast("; ".join(f"Run {i} {states.get(i, 'ended')}" for i in sorted(ended)))
        st.rerun()
    st.session_state["runs_active"] = active
    allowed = is_admin(config)  # asked again on every rerun of this fragment, and for each button
    batches = batch_runs(frame)
    for run_id in sorted(active):
        label = f"Cancel run {run_id}" + (" and its batches at the provider" if run_id in batches else "")
        if allowed and st.button(label, key=f"cancel-{run_id}",
                                 help="What the provider answered before the cancel is kept (and paid); Resume "
                                      "judges the rest." if run_id in batches else None):  # fmt: skip
            work.cancel(run_id)
    for run_id in frame.loc[frame["status"].isin(["running", "created", "cancelled", "failed"]), "id"]:
        if run_id not in active and allowed and st.button(f"Resume run {run_id}", key=f"resume-{run_id}"):
            try:
                work.resume(int(run_id), keys())
            except JudgeError as e:
                st.error(inert(e))
        if message := work.error(int(run_id)):
            st.error(f"Run {run_id} stopped: {inert(message)}")
    repeatable = frame.loc[(frame["judge"] == "llm") & (frame["status"] == "finished") & ~frame["id"].isin(active), "id"]
    if allowed and len(repeatable):
        with st.expander("Repeat on N pairs: does the judge give the same score twice?"):
            st.caption("Adds one more judgment to N pairs of a finished LLM run (those with the fewest so far). "
                       "Each is a real call under a new sample number, never the cached first answer, so "
                       "the Agreement page can show how often the judge changes its mind, at temperature 0 "
                       "too.")  # fmt: skip
            left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
            chosen = left.selectbox("Run", list(repeatable), key="repeat_run",
                                    format_func=lambda i: f"{i} · {frame.loc[frame['id'] == i, 'name'].iloc[0]}")  # fmt: skip
            count = middle.number_input("Pairs", 1, 100_000, 20, key="repeat_pairs")
            if right.button("Repeat", key="repeat_go") and is_admin(config):  # asked again at the click
                try:
                    added = work.repeat(int(chosen), int(count), keys())
                    st.toast(f"Run {chosen}: {added} more judgments started")
                except JudgeError as e:
                    st.error(inert(e))


st.subheader("Runs")
runs()

st.subheader("Read a judgment")


def judgment() -> None:
    """One judgment of a run, with its transcript; a fragment that reads afresh while runs work."""
    frame = read(workspace.runs)
    run_id = st.selectbox("Run", list(frame["id"]), format_func=lambda i: f"{i} · "
                          f"{frame.loc[frame['id'] == i, 'name'].iloc[0]}")  # fmt: skip
    results = read(workspace.run_results, int(run_id))
    if results.empty:
        st.caption("Nothing judged in this run yet" + (": what it judges shows here as it comes." if int(run_id) in
                   work.active() else "."))  # fmt: skip
        return
    pair_id = st.selectbox("Pair", sorted(set(results["pair_id"])),
                           format_func=lambda i: str(results.loc[results["pair_id"] == i, "external_id"].iloc[0]))  # fmt: skip
    seen = (str(who), int(pair_id))
    if st.session_state.get("judgment_revealed") != seen:  # written once per pair shown, not on every rerun
        workspace.reveal(db, str(who), [int(pair_id)])
        st.session_state["judgment_revealed"] = seen
    pair = read(workspace.pair, int(pair_id))
    show_request(pair)
    show_pair(pair)
    show_judgment(read(workspace.judgment_detail, int(run_id), int(pair_id)))


if read(workspace.runs).empty:
    st.caption("Start a run above: each judgment it makes can be read here, with the judge's reasoning.")
elif who is None:  # a judge's score seen makes that person's later ratings not blind
    if admin:  # no sign-in form above: ask here
        sign_in_form(config, "Judge scores are shown here, so ratings you make after seeing them are marked as "
                     "such.", "Who is reading?", "Sign in")  # fmt: skip
    else:
        st.caption("Sign in above to read judgments (ratings you make after seeing a judge's score are marked).")
else:
    st.fragment(steady(judgment), run_every=5 if work.active() else None)()  # while runs work, their judgments come in
