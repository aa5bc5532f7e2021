"""Widgets of the Judge page: the run form, the runs table, one judgment's transcript."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from judge.llm import PROVIDERS, RunSpec
from judge.llm.batches import BATCH_PROVIDERS
from judge.llm.prompts import Prompt
from judge.llm.run import DEFAULT_CONCURRENCY
from ui.text import inert

__all__ = ["batch_runs", "llm_spec_form", "runs_table", "show_evidence", "show_judgment", "show_runs"]


def llm_spec_form(dataset: str, versions: list[Prompt], broken: list[str]) -> RunSpec:
    """The LLM run's settings as the user sets them; ``versions``: the judge templates there are (files and
    versions made on the Prompts page), ``broken``: what is wrong with those that do not load."""
    left, right = st.columns(2)
    provider = left.selectbox("Provider", PROVIDERS, key="provider")
    base_url = None
    if provider == "openai-compatible":
        base_url = left.text_input("Server URL", "http://127.0.0.1:11434/v1", key="base_url",
                                   help="Ollama, vLLM, llama.cpp or LM Studio: the server's /v1 address")  # fmt: skip
    model = left.text_input("Model", "gpt-4o-mini" if provider == "openai" else "", key="model")
    judges = sorted(versions, key=lambda p: (not p.uses_rubric, p.name, -p.version))
    own = {p.label for p in judges if not p.uses_rubric}
    prompt = left.selectbox("Prompt", [p.label for p in judges], key="prompt",
                            format_func=lambda label: f"{label} (a rubric of its own, not people's)" if label in own else label,
                            help="Templates in prompts/ and versions made on the Prompts page (NAME@VERSION). Those "
                                 "listed first grade by the rubric people rate by, shown on the Annotate page.")  # fmt: skip
    for problem in broken:
        left.warning(f"A template is left out: {inert(problem)}")
    batch = False
    if provider in BATCH_PROVIDERS:
        batch = left.radio("Send", ["calls", "batch"], horizontal=True, key="send",
                           format_func={"calls": "one call per judgment (answers now)",
                                        "batch": "as a provider batch (half the price)"}.get,
                           help="A batch goes to the provider's batch API and is answered within 24 hours, "
                                "usually much sooner, at about half the price. The run waits for it here; if the "
                                "app restarts meanwhile, Resume picks the batch up without sending it again.") == "batch"  # fmt: skip
    temperature = right.slider("Temperature", 0.0, 2.0, 0.0, 0.1, key="temperature")
    samples = right.number_input("Judgments per pair", 1, 20, 1, key="samples")
    concurrency = right.number_input("Most requests in flight", 1, 512, DEFAULT_CONCURRENCY, key="concurrency",
                                     disabled=batch,
                                     help="Fewer go when the provider's rate limits say so (its headers, its "
                                          "429s); a batch run sends its requests in one batch instead.")  # fmt: skip
    sample_size = right.number_input("Only a random sample of N pairs (0: all)", 0, 1_000_000, 0, key="sample_size")
    only_rated = right.checkbox("Only pairs people have rated", key="only_rated")
    evidence = right.checkbox("Give the model the execution judge's evidence", key="evidence")
    order = right.radio("Show first", ["normal", "reversed"], horizontal=True, key="order",
                        format_func={"normal": "ground truth first (normal)", "reversed": "generated first"}.get,
                        help="Run the same prompt and model both ways and the Agreement page shows whether "
                             "the order of reading moves the judge's score (the rubric is then shown worst "
                             "score first too).")  # fmt: skip
    return RunSpec(
        dataset=dataset, provider=provider, model=model.strip(), prompt=prompt, temperature=float(temperature),
        samples=int(samples), concurrency=int(concurrency), only_rated=only_rated,
        sample_size=int(sample_size) or None, evidence=evidence, base_url=base_url, order=str(order), batch=batch,
    )  # fmt: skip


RUN_COLUMNS = {"id": "Run", "name": "Name", "state": "State", "share": "Progress", "progress": "Judgments",
               "at_provider": "At the provider", "cost_usd": "Cost ($)", "errors": "Errors",
               "cached": "From the cache", "judge": "Judge", "model": "Model", "prompt": "Prompt",
               "dataset": "Dataset", "input_tokens": "Tokens in", "output_tokens": "Tokens out",
               "created_at": "Started"}  # fmt: skip
"""The runs table's columns, what a person looks for first on the left (a narrow window shows those)."""


def runs_table(runs: pd.DataFrame, active: dict[int, str]) -> pd.DataFrame:
    """The runs as shown: progress, state (an active run's as ``active`` says it, one waiting for a worker
    queued; an unfinished run that nothing works is interrupted), cost."""
    shown = runs.copy()
    shown["state"] = [
        short_state(active[i]) if i in active else "interrupted" if s in ("running", "created") else s
        for i, s in zip(shown["id"], shown["status"], strict=True)
    ]
    shown["progress"] = [f"{j}/{p}" if pd.notna(p) else str(j) for j, p in zip(shown["judged"], shown["planned"],
                                                                              strict=True)]  # fmt: skip
    shown["share"] = [min(100 * j / p, 100.0) if pd.notna(p) and p else None  # a percentage
                      for j, p in zip(shown["judged"], shown["planned"], strict=True)]  # fmt: skip
    shown["at_provider"] = [
        f"{n} batch{'es' if n > 1 else ''}: {int(d or 0):,} of {int(t or 0):,} answered there" if n else None
        for n, d, t in zip(shown["open_batches"], shown["provider_done"], shown["provider_total"], strict=True)
    ]
    return shown[list(RUN_COLUMNS)]


def short_state(state: str) -> str:
    """An active run's state in a table cell: running, queued (waiting for a worker) or cancelling."""
    return "queued" if state.startswith("waiting") else "running" if state.startswith("running") else state


def batch_runs(runs: pd.DataFrame) -> set[int]:
    """The ids of the runs sent as provider batches (their stored settings say so)."""
    found = set()
    for run_id, parameters in zip(runs["id"], runs["parameters"], strict=True):
        try:
            settings = json.loads(parameters) if isinstance(parameters, str) else parameters
        except ValueError:
            continue
        if isinstance(settings, dict) and settings.get("batch") is True:
            found.add(int(run_id))
    return found


def show_runs(table: pd.DataFrame) -> None:
    """The runs table with names a person reads, a bar for progress, and blanks where there is nothing."""
    named = table.rename(columns=RUN_COLUMNS)
    shown = named.astype(object).where(named.notna(), None)
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="–", column_config={
        "Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=100.0, format="%.0f%%"),
        "Cost ($)": st.column_config.NumberColumn(format="%.4f"),
        "Started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "Prompt": st.column_config.TextColumn(help="NAME@VERSION of the template (LLM runs)"),
        "At the provider": st.column_config.TextColumn(
            width="medium", help="A batch run's batches the provider is still working on, and how many of their "
                                 "requests it has answered so far; the judgments are stored when a batch ends."),
    })  # fmt: skip


def show_evidence(evidence: dict[str, Any]) -> None:
    """What the execution judge ran, as a person reads it: the verdict, each database, who is in one audience
    only and why that person was built."""
    verdict = {"equivalent": "The two audiences had the same members on every database tried.",
               "not_shown_different": "No database told the two audiences apart, but some boundaries could not be "
                                      "probed (listed below).",
               "differs": "Some people are in one audience and not the other."}  # fmt: skip
    st.markdown(verdict.get(str(evidence.get("verdict")), f"Verdict: {inert(evidence.get('verdict'))}"))
    if evidence.get("canonical_equal"):
        st.caption("Both definitions have the same canonical form: they are the same query written differently.")
    databases = evidence.get("databases") or []
    if databases:
        st.dataframe(pd.DataFrame([{
            "database": "built boundary cases" if d.get("kind") == "boundary" else f"random, seed {d.get('seed')}",
            "people": d.get("population"), "in the ground truth": d.get("ground_truth_size"),
            "in the generated": d.get("generated_size"), "in both": d.get("overlap"),
            "precision": f"{d.get('precision', 0):.0%}", "recall": f"{d.get('recall', 0):.0%}",
        } for d in databases]), hide_index=True, width="stretch")  # fmt: skip
    examples = [e for d in databases for e in d.get("examples") or []]
    if examples:
        st.markdown("**People in one audience only**")
        st.dataframe(pd.DataFrame([{
            "person": e.get("id"), "only in": e.get("only_in"),
            "events": "; ".join(f"{v.get('event')} at {v.get('at')}" for v in e.get("events") or []) or "none",
            "traits": ", ".join(f"{k} = {v}" for k, v in (e.get("traits") or {}).items()) or "none",
            "built to test": e.get("built_for") or "",
        } for e in examples]), hide_index=True, width="stretch",
            column_config={"built to test": st.column_config.TextColumn(width="large")})  # fmt: skip
    for gap in evidence.get("not_probed") or []:
        st.caption(f"Not probed on the {inert(gap.get('side'))} side: {inert(gap.get('condition'))} ({inert(gap.get('why'))})")


def show_judgment(samples: list[dict[str, Any]]) -> None:
    """Every sample of one pair in one run, with the exact prompt sent and the raw answer."""
    for item in samples:
        head = f"Score **{item['score']}**" if item["score"] is not None else f"**Error:** {inert(item['error'])}"
        st.markdown(f"Sample {item['sample']} · {head}")
        meta = [f"{item['input_tokens']} in / {item['output_tokens']} out tokens" if item["input_tokens"] else None,
                f"${item['cost_usd']:.5f}" if item["cost_usd"] is not None else None,
                f"{item['latency_ms']:.0f} ms" if item["latency_ms"] else None,
                "from the cache" if item["cached"] else None]  # fmt: skip
        st.caption(" · ".join(m for m in meta if m))
        if item["reasoning"]:
            st.markdown("**Reasoning**")
            st.text(item["reasoning"])
        if item["prompt"]:
            with st.expander("Prompt sent"):
                st.code(item["prompt"], language=None, wrap_lines=True)
        if item["raw_response"]:
            with st.expander("Raw response"):
                st.code(item["raw_response"], language=None, wrap_lines=True)
        if item["evidence"]:
            with st.expander("What the execution judge ran", expanded=True):
                show_evidence(json.loads(item["evidence"]))
