"""Ground truth and generated side by side: structure-aware marks (``judge.structure``), English, tree."""

from __future__ import annotations

import html

import streamlit as st

from judge.structure import MarkedPair, marked_pair, marked_tokens
from judge.views import Side, pair_sides
from storage.pairs import Pair
from ui.text import inert

__all__ = ["show_details", "show_pair", "show_request"]

# Marks say where the two differ, never which is right: the reference is highlighted, not struck through;
# what the generated one has instead is outlined strongly enough to see a lone ">".
_STYLE = """<style>
.pair-text {font-family: ui-monospace, monospace; font-size: 0.9rem; white-space: pre-wrap;
  overflow-wrap: anywhere; background: #f6f8fa; border-radius: 6px; padding: 0.5rem 0.7rem; line-height: 1.6;}
.pair-english {font-size: 0.85rem; color: #444; overflow-wrap: anywhere; margin-top: 0.2rem; line-height: 1.5;}
.pair-text mark, .pair-english mark {border-radius: 3px; padding: 0 0.15em;}
mark.was, mark.gone {background: #fff1b8; color: inherit; box-shadow: inset 0 -2px 0 #d4a106;}
mark.now, mark.added {background: #ffd8a8; color: #5c2a00; font-weight: 700; outline: 2px solid #e8590c;}
span.missing {border: 2px dashed #d4a106; border-radius: 4px; padding: 0 0.2em; background: #fffbe6;}
span.extra {border: 2px solid #e8590c; border-radius: 4px; padding: 0 0.2em; background: #fff4e6;}
span.rewritten {border-bottom: 2px dotted #868e96;}
.pair-request {font-size: 1.05rem; padding: 0.45rem 0.7rem; border-left: 4px solid #6e7bff;
  background: #f3f4ff; border-radius: 4px; overflow-wrap: anywhere; white-space: pre-wrap;}
.pair-legend {font-size: 0.75rem; color: #666;}
</style>"""
LEGEND = ("<span class='pair-legend'><mark class='was'>highlighted</mark>: this part differs, "
          "<mark class='now'>outlined</mark>: what the generated one has instead; "
          "<span class='missing'>dashed box</span>: only in the ground truth, <span class='extra'>box</span>: "
          "only in the generated one; <span class='rewritten'>dotted</span>: the same part written another way."
          "</span>")  # fmt: skip


def show_request(pair: Pair) -> None:
    request = pair.request or "(no request recorded)"
    st.html(f"{_STYLE}<div class='pair-request'>{html.escape(request)}</div>")


def show_pair(pair: Pair) -> tuple[Side, Side, MarkedPair | None]:
    """Both sides' text forms and English renderings, the differences marked."""
    truth, generated = pair_sides(pair)
    marks = (
        marked_pair(truth.definition, generated.definition)
        if truth.definition and generated.definition
        else None
    )
    if marks is not None:
        texts = (marks.truth_html, marks.generated_html)
        english = (marks.truth_english, marks.generated_english)
    else:
        texts = marked_tokens(truth.text, generated.text)  # kinds other than audience: their text, marked
        english = (html.escape(truth.english or ""), html.escape(generated.english or ""))
    left, right = st.columns(2, gap="medium")
    for column, title, side, text, words in ((left, "Ground truth", truth, texts[0], english[0]),
                                             (right, "Generated", generated, texts[1], english[1])):  # fmt: skip
        with column:
            shown = " <span class='pair-legend'>(shown in the ground truth's order)</span>" if (
                marks is not None and marks.reordered and side is generated) else ""  # fmt: skip
            st.html(f"{_STYLE}<b>{title}</b>{shown}<div class='pair-text'>{text}</div>"
                    + (f"<div class='pair-english'>{words}</div>" if words else ""))  # fmt: skip
            if side.error:
                st.error(f"Not a valid audience: {inert(side.error)}", icon=":material/error:")
    return truth, generated, marks


def show_details(truth: Side, generated: Side, marks: MarkedPair | None) -> None:
    """Below the buttons: the differences as lines, and both trees."""
    if marks is not None and (marks.changes or "rewritten" in marks.generated_html):
        st.html(f"{_STYLE}{LEGEND}")  # also when the only mark is a part written another way (dotted)
    if marks is not None and marks.changes:
        with st.expander(f"What differs in structure ({len(marks.changes)})", expanded=False):
            st.text("\n".join(marks.changes))
    # the trees are drawn only when asked for: two JSON views per pair cost a browser ~0.4 s of CPU each
    # time a pair is shown, even inside closed expanders
    if (truth.tree is not None or generated.tree is not None) and st.toggle("Show both trees", key="show_trees"):
        left, right = st.columns(2, gap="medium")
        for column, side in ((left, truth), (right, generated)):
            if side.tree is not None:
                column.json(side.tree, expanded=3)
