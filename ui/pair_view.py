"""Ground truth and generated side by side: text with differences marked, English, tree."""

from __future__ import annotations

import html

import streamlit as st

from judge.views import Side, marked_diff, pair_sides
from storage.queries import Pair
from ui.text import inert

__all__ = ["show_pair", "show_request"]

_STYLE = """<style>
.pair-text {font-family: ui-monospace, monospace; font-size: 0.9rem; white-space: pre-wrap;
  overflow-wrap: anywhere; background: #f6f8fa; border-radius: 6px; padding: 0.6rem 0.8rem;}
.pair-text del {background: #ffd7d5; text-decoration: line-through; color: #82071e;}
.pair-text ins {background: #ccffd8; text-decoration: none; color: #055d20; font-weight: 600;}
.pair-request {font-size: 1.15rem; padding: 0.6rem 0.8rem; border-left: 4px solid #6e7bff;
  background: #f3f4ff; border-radius: 4px; overflow-wrap: anywhere; white-space: pre-wrap;}
</style>"""


def show_request(pair: Pair) -> None:
    request = pair.request or "(no request recorded)"
    st.html(f"{_STYLE}<div class='pair-request'>{html.escape(request)}</div>")


def show_pair(pair: Pair) -> None:
    truth, generated = pair_sides(pair)
    left_html, right_html = marked_diff(truth.text, generated.text)
    left, right = st.columns(2, gap="medium")
    _side(left, "Ground truth", truth, left_html, "truth")
    _side(right, "Generated", generated, right_html, "generated")


def _side(column: st.delta_generator.DeltaGenerator, title: str, side: Side, marked: str, key: str) -> None:
    with column:
        st.markdown(f"**{title}**")
        st.html(f"{_STYLE}<div class='pair-text'>{marked}</div>")
        if side.error:
            st.error(f"Not a valid audience: {inert(side.error)}", icon=":material/error:")
        if side.english:
            st.caption("In English")
            st.text(side.english)
        if side.tree is not None:
            with st.expander("Tree", expanded=False):
                st.json(side.tree, expanded=3)
