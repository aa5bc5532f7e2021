"""Untrusted text (names, notes, errors, model output) made inert for Streamlit's markdown."""

from __future__ import annotations

import re

__all__ = ["inert"]

_ACTIVE = re.compile(r"([\\`\[\]()<>$])")  # what makes links, images, HTML, code, maths and directives


def inert(text: object) -> str:
    """``text`` shown inside markdown without anything that fetches or runs: no links, images or HTML,
    and none of Streamlit's ``:colour[...]`` or ``$maths$`` extensions.

    CommonMark lets ASCII punctuation be escaped with a backslash; the marks escaped here are the ones
    those constructs need (emphasis and the like are left: they change no more than how text looks).
    """
    return _ACTIVE.sub(r"\\\1", str(text))
