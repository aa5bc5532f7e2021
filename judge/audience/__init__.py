"""The audience language: AST model, parser, printer, English rendering, canonical form, diff."""

from judge.audience.canonical import canonical, equivalent
from judge.audience.diff import Change, diff
from judge.audience.english import to_english
from judge.audience.errors import AudienceError, AudienceSyntaxError, AudienceValidationError, Problem
from judge.audience.model import Definition
from judge.audience.parser import parse
from judge.audience.printer import to_text
from judge.audience.rules import check, load

__all__ = [
    "AudienceError",
    "AudienceSyntaxError",
    "AudienceValidationError",
    "Change",
    "Definition",
    "Problem",
    "canonical",
    "check",
    "diff",
    "equivalent",
    "load",
    "parse",
    "to_english",
    "to_text",
]
