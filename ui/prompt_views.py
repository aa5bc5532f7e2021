"""Widgets of the Prompts page: one version, the run form for a calibration set, the comparison in words."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from judge.comparison import VersionComparison, p_value, percent_points
from judge.llm import PROVIDERS, RunSpec
from judge.llm.prompts import Prompt
from ui.text import inert

__all__ = ["set_run_form", "show_comparison", "show_version"]


def show_version(prompt: Prompt) -> None:
    where = "a file in prompts/" if prompt.source == "file" else "made in the app"
    facts = [where, f"forked from {prompt.parent}" if prompt.parent else None,
             "grades by people's rubric" if prompt.uses_rubric else "grades by a rubric of its own, not people's",
             f"shows {prompt.examples_per_score} adjudicated example(s) per score" if prompt.uses_examples else None,
             f"hash {prompt.sha256[:12]}"]  # fmt: skip
    st.caption(" · ".join(f for f in facts if f))
    if prompt.description:
        st.markdown(inert(prompt.description))
    st.code(prompt.text, language="toml", wrap_lines=True)


def set_run_form(prompt: Prompt, calibration: str, dataset: str, last: dict[str, Any]) -> RunSpec:
    """Provider and model for a run of ``prompt`` on a calibration set, as the set's last LLM run was made."""
    left, right = st.columns(2)
    providers = list(PROVIDERS)
    provider = left.selectbox("Provider", providers, key="loop_provider",
                              index=providers.index(last["provider"]) if last.get("provider") in providers else 0)  # fmt: skip
    base_url = None
    if provider == "openai-compatible":
        base_url = left.text_input("Server URL", last.get("base_url") or "http://127.0.0.1:11434/v1", key="loop_base_url")
    model = right.text_input("Model", last.get("model") or ("gpt-4o-mini" if provider == "openai" else ""), key="loop_model",
                             help="The model the version it is compared with was run by, when there is one")  # fmt: skip
    temperature = right.slider("Temperature", 0.0, 2.0, float(last.get("temperature") or 0.0), 0.1, key="loop_temperature")
    return RunSpec(dataset=dataset, provider=provider, model=model.strip(), prompt=prompt.label,
                   temperature=float(temperature), base_url=base_url, calibration=calibration)  # fmt: skip


def show_comparison(result: VersionComparison, moved: pd.DataFrame) -> None:
    """The comparison in one sentence a person decides by; the statistician's figures one click away."""
    say = {"better": st.success, "worse": st.error, "within noise": st.info}[result.call]
    say(result.sentence)
    st.caption(f"Run {result.new_run} against run {result.base_run}, both by {result.model}; {result.split}.")
    if result.rubrics:
        st.warning(result.rubrics)
    if result.stale:
        st.warning(f"The consensus of {result.stale} pair(s) changed since this snapshot: take a new snapshot below "
                   "and run both versions on it again before deciding.")  # fmt: skip
    with st.expander("Every figure, for a statistician"):
        rows = []
        for d in result.differences:
            change, points, interval = percent_points(d)
            rows.append({"figure": d.label, "before -> after": change, "change": points, "paired bootstrap": interval})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(f"Exact agreement: {result.base_only_exact} pair(s) right only with {result.base}, "
                   f"{result.new_only_exact} only with {result.new}; McNemar's exact test {p_value(result.mcnemar_p)}. "
                   "Intervals: 1,000 paired bootstrap resamples of the pairs.")  # fmt: skip
    if moved.empty:
        st.caption("No pair moved into or out of one point of people's score.")
        return
    better, worse = (moved[moved["moved"] == way] for way in ("now within one", "no longer within one"))
    st.markdown(f"**Pairs that moved:** {len(better)} now within one point of people's score, {len(worse)} no longer.")
    st.dataframe(moved.drop(columns=["pair_id"]), hide_index=True, width="stretch",
                 column_config={"people": st.column_config.NumberColumn("people's score")})  # fmt: skip
