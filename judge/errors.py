"""The one base error of the library; each package subclasses it."""

from __future__ import annotations

__all__ = ["JudgeError"]


class JudgeError(Exception):
    """Anything the library reports to a person: the message says what and where."""
