"""Widgets of the Judge page: the run form, the runs table, one judgment's transcript."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from judge.llm import PROVIDERS, RunSpec, available
from judge.llm.prompts import JUDGMENTS, broken
from judge.llm.run import DEFAULT_CONCURRENCY
from ui.text import inert

__all__ = ["llm_spec_form", "runs_table", "show_judgment"]


def llm_spec_form(dataset: str) -> RunSpec:
    """The LLM run's settings as the user sets them."""
    left, right = st.columns(2)
    provider = left.selectbox("Provider", PROVIDERS, key="provider")
    base_url = None
    if provider == "openai-compatible":
        base_url = left.text_input("Server URL", "http://127.0.0.1:11434/v1", key="base_url",
                                   help="Ollama, vLLM, llama.cpp or LM Studio: the server's /v1 address")  # fmt: skip
    model = left.text_input("Model", "gpt-4o-mini" if provider == "openai" else "", key="model")
    judges = sorted((p for p in available() if p.answer in JUDGMENTS), key=lambda p: (not p.uses_rubric, p.name, -p.version))
    own = {p.label for p in judges if not p.uses_rubric}
    prompt = left.selectbox("Prompt", [p.label for p in judges], key="prompt",
                            format_func=lambda label: f"{label} (a rubric of its own, not people's)" if label in own else label,
                            help="Templates in prompts/ (NAME@VERSION). Those listed first grade by the rubric people "
                                 "rate by, shown on the Annotate page.")  # fmt: skip
    for problem in broken():
        left.warning(f"A template is left out: {inert(problem)}")
    temperature = right.slider("Temperature", 0.0, 2.0, 0.0, 0.1, key="temperature")
    samples = right.number_input("Judgments per pair", 1, 20, 1, key="samples")
    concurrency = right.number_input("Requests in flight", 1, 512, DEFAULT_CONCURRENCY, key="concurrency")
    sample_size = right.number_input("Only a random sample of N pairs (0: all)", 0, 1_000_000, 0, key="sample_size")
    only_rated = right.checkbox("Only pairs people have rated", key="only_rated")
    evidence = right.checkbox("Give the model the execution judge's evidence", key="evidence")
    return RunSpec(
        dataset=dataset, provider=provider, model=model.strip(), prompt=prompt, temperature=float(temperature),
        samples=int(samples), concurrency=int(concurrency), only_rated=only_rated,
        sample_size=int(sample_size) or None, evidence=evidence, base_url=base_url,
    )  # fmt: skip


def runs_table(runs: pd.DataFrame, active: set[int]) -> pd.DataFrame:
    """The runs as shown: progress, state (an unfinished run without a thread is interrupted), cost."""
    shown = runs.copy()
    shown["state"] = [
        "running" if i in active else "interrupted" if s in ("running", "created") else s
        for i, s in zip(shown["id"], shown["status"], strict=True)
    ]
    shown["progress"] = [f"{j}/{p}" if pd.notna(p) else str(j) for j, p in zip(shown["judged"], shown["planned"],
                                                                              strict=True)]  # fmt: skip
    columns = ["id", "name", "judge", "model", "prompt", "dataset", "state", "progress", "errors", "cached",
               "input_tokens", "output_tokens", "cost_usd", "created_at"]  # fmt: skip
    return shown[columns]


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
            with st.expander("Execution evidence"):
                st.json(json.loads(item["evidence"]), expanded=False)
