"""Keys that act once per press and only as chosen: a held, stray or focused key never rates a pair."""

from __future__ import annotations

import streamlit as st

__all__ = ["one_rating_per_key_press"]

# Streamlit's shortcuts listen on the document and take the browser's auto-repeat as new presses, so a
# key held a moment too long rated the next pairs as they came up. This listener, on the window in the
# capture phase, runs before them and
# - drops repeated presses of the score keys outside text fields;
# - makes Enter in the note leave the note (so the score keys rate next) instead of doing nothing;
# - ignores Enter and Space on a focused score, Skip or Back button: Tab from the note once landed on "1",
#   and Enter there saved a 1 the person never chose. Those act by their own keys (digits, S, B) or a click.
# The script is a constant of ours: nothing from a pair or a person goes into it (the token is our hex id).
_SCRIPT = """<script>
if (!window.__oneRatingPerKeyPress) {
  window.__oneRatingPerKeyPress = true;
  const scoreKeys = new Set(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  const guard = (event) => {
    const target = event.target;
    const field = target && target.closest && target.closest("input, textarea, [contenteditable]");
    if (event.repeat && scoreKeys.has(event.key) && !field) {
      event.stopImmediatePropagation();
      event.preventDefault();
      return;
    }
    if (event.type !== "keydown" || !target || !target.closest) return;
    if (event.key === "Enter" && field && target.closest("[class*='st-key-note-']")) {
      event.stopImmediatePropagation();
      event.preventDefault();
      target.blur();
      return;
    }
    const button = "[class*='st-key-score-'], [class*='st-key-skip-'], [class*='st-key-back-']";
    if ((event.key === "Enter" || event.key === " ") && target.closest(button)) {
      event.stopImmediatePropagation();
      event.preventDefault();
    }
  };
  for (const kind of ["keydown", "keypress", "keyup"]) window.addEventListener(kind, guard, true);
}
</script>"""
# Each new pair starts at the top, where the confirmation is; and a key pressed after picking a dataset rates
# the pair now on screen, instead of typing into the dataset box that still had the focus.
_TO_TOP = """<script>
(() => { const main = document.querySelector('[data-testid="stMain"]'); if (main) main.scrollTo(0, 0);
window.scrollTo(0, 0);
const focused = document.activeElement;
if (focused && focused.closest && focused.closest('[data-testid="stSidebar"]')) focused.blur(); })(); /* pair TOKEN */
</script>"""


def one_rating_per_key_press(token: str) -> None:
    """Install (once per browser tab) the key guard; scroll to the top for each new pair (``token``)."""
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
    st.html(
        _TO_TOP.replace("TOKEN", token if token.isalnum() else ""),
        unsafe_allow_javascript=True,
        width="content",
    )
