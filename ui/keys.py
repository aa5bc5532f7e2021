"""Score keys that act once per press: a held key must not rate the pairs that come up after it."""

from __future__ import annotations

import streamlit as st

__all__ = ["one_rating_per_key_press"]

# Streamlit's shortcuts listen on the document and take the browser's auto-repeat as new presses, so a
# key held a moment too long rated the next pairs as they came up. This listener, on the window in the
# capture phase, runs before them and drops repeated presses of the score keys outside text fields. The
# script is a constant of ours: nothing from a pair or a person ever goes into it.
_SCRIPT = """<script>
if (!window.__oneRatingPerKeyPress) {
  window.__oneRatingPerKeyPress = true;
  const scoreKeys = new Set(["1", "2", "3", "4", "5"]);
  const drop = (event) => {
    const field = event.target && event.target.closest && event.target.closest("input, textarea, [contenteditable]");
    if (event.repeat && scoreKeys.has(event.key) && !field) {
      event.stopImmediatePropagation();
      event.preventDefault();
    }
  };
  for (const kind of ["keydown", "keypress"]) window.addEventListener(kind, drop, true);
}
</script>"""


def one_rating_per_key_press() -> None:
    """Install (once per browser tab) the guard that ignores auto-repeated score keys."""
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
