"""Versioned prompt templates (``prompts/NAME.vVERSION.toml``) and their rendering.

A template's ``answer`` says what it asks for: a judgment (``reasoning_then_score``
or ``score_only``), a request a person would type (``question``), or an audience
definition (``audience``). Untrusted text (requests, definitions, evidence, the
catalog of names, a failed attempt) goes into delimited data blocks; a delimiter
that appears inside the text is neutralised, so data can never close its block
and speak as instructions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.errors import JudgeError
from judge.rubric import Rubric, current_rubric
from judge.scale import FIVE

__all__ = ["BLOCKS", "JUDGMENTS", "PROMPTS_DIR", "RUBRIC_VARIABLE", "PromptError", "Prompt", "Rendered", "available",
           "broken", "load_prompt", "parse_template", "render", "render_blocks", "rubric_text"]  # fmt: skip

PROMPTS_DIR = Path(__file__).parents[2] / "prompts"
BLOCKS = ("request", "ground_truth", "generated", "evidence", "catalog", "feedback", "examples")
Answer = Literal["reasoning_then_score", "score_only", "question", "audience"]
JUDGMENTS = ("reasoning_then_score", "score_only")
REQUIRED: dict[str, frozenset[str]] = {
    "reasoning_then_score": frozenset({"request", "ground_truth", "generated"}),
    "score_only": frozenset({"request", "ground_truth", "generated"}),
    "question": frozenset({"ground_truth", "style"}),
    "audience": frozenset({"request", "catalog"}),
}
VARIABLES = frozenset(BLOCKS) | {"style"}  # style: an instruction from a fixed list, not data
MAX_VERSION = 999_999
RUBRIC_VARIABLE = "{rubric}"
"""In a judge template's system text: the rubric people rate by, written out (trusted text, not data)."""
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_FILE = re.compile(r"(?P<name>[a-z0-9][a-z0-9_-]*)\.v(?P<version>\d+)\.toml")
_DELIMITER = re.compile(r"<(/?)\s*(" + "|".join(BLOCKS) + r")\b", re.IGNORECASE)


class PromptError(JudgeError):
    """A template that cannot be loaded or rendered."""


class _Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: int = Field(ge=1, le=MAX_VERSION, strict=True)
    description: str = ""
    answer: Answer
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)
    examples_per_score: int = Field(default=0, ge=0, le=5)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    answer: Answer
    system: str
    user: str
    description: str
    sha256: str
    examples_per_score: int = 0  # k: the {examples} block shows up to k adjudicated pairs per score level
    text: str = ""  # the TOML as written
    source: str = "file"  # "file" (prompts/) or "app" (a version made in the app, stored in the database)
    parent: str | None = None  # NAME@VERSION it was forked from (app versions)

    @property
    def uses_examples(self) -> bool:
        return self.examples_per_score > 0

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def uses_rubric(self) -> bool:
        """Whether the template grades by the rubric people rate by (``{rubric}`` in its system text), not by
        one of its own."""
        return RUBRIC_VARIABLE in self.system


@dataclass(frozen=True)
class Rendered:
    system: str
    user: str

    @property
    def transcript(self) -> str:
        """The exact prompt sent, as stored with each judgment."""
        return f"[system]\n{self.system}\n\n[user]\n{self.user}"


def prompts_dir() -> Path:
    """``$JUDGE_PROMPTS`` when set (a team's own folder of templates), else the shipped ``prompts/``."""
    return Path(os.environ.get("JUDGE_PROMPTS") or PROMPTS_DIR)


def _scan(directory: Path | None) -> tuple[list[Prompt], dict[str, PromptError]]:
    found, broken = [], {}
    for path in sorted((directory or prompts_dir()).glob("*.toml")):
        try:
            found.append(load_file(path))
        except PromptError as e:  # one bad file is named; it does not hide every other template
            broken[path.name] = e
    return sorted(found, key=lambda p: (p.name, p.version)), broken


def available(directory: Path | None = None) -> list[Prompt]:
    """Every valid template in ``directory``, by name then version (see :func:`broken` for the others)."""
    return _scan(directory)[0]


def broken(directory: Path | None = None) -> list[str]:
    """What is wrong with each template file in ``directory`` that does not load."""
    return [str(e) for e in _scan(directory)[1].values()]


def load_prompt(spec: str, directory: Path | None = None) -> Prompt:
    """``NAME`` (the latest version) or ``NAME@VERSION``."""
    directory = directory or prompts_dir()
    name, _, version = spec.partition("@")
    good, bad = _scan(directory)
    versions = [p for p in good if p.name == name]
    for file, error in bad.items():  # the template asked for is one that does not load: say why
        if file.startswith(f"{name}.v") and (not version or file == f"{name}.v{version}.toml"):
            raise error
    if not versions:
        names = sorted({p.name for p in good})
        raise PromptError(
            f"no prompt named {name!r} in {directory} (there are: {', '.join(names) or 'none'})"
        )
    if not version:
        return versions[-1]
    chosen = [p for p in versions if str(p.version) == version]
    if not chosen:
        raise PromptError(f"prompt {name!r} has no version {version} (there are: "
                          f"{', '.join(str(p.version) for p in versions)})")  # fmt: skip
    return chosen[0]


def load_file(path: Path) -> Prompt:
    match = _FILE.fullmatch(path.name)
    if not match:
        raise PromptError(f"{path}: a template file is named NAME.vVERSION.toml")
    return parse_template(path.read_bytes(), str(path), expected=(match["name"], match["version"]))


def parse_template(content: bytes, where: str, *, expected: tuple[str, str] | None = None,
                   source: str = "file", parent: str | None = None) -> Prompt:  # fmt: skip
    """Check a template's text (a file's, or a version written in the app) the one way for both; every
    problem names ``where`` and the key."""
    try:
        template = _Template.model_validate(tomllib.loads(content.decode("utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PromptError(f"{where}: not valid TOML: {e}") from e
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or '(file)'}: {err['msg']}" for err in e.errors()
        )
        raise PromptError(f"{where}: {problems}") from e
    if expected is not None and (template.name, str(template.version)) != expected:
        raise PromptError(f"{where}: the file name says {expected[0]} v{expected[1]}, "
                          f"the file says {template.name} v{template.version}")  # fmt: skip
    if not _NAME.fullmatch(template.name):
        raise PromptError(f"{where}: name: lower-case letters, digits, - and _ only, not {template.name!r}")
    try:
        parsed = [(f, spec, conversion) for _, f, spec, conversion in string.Formatter().parse(template.user)
                  if f is not None]  # fmt: skip
    except ValueError as e:  # an unbalanced brace: this template is refused, the others still load
        raise PromptError(f"{where}: user is not a valid template ({e}); write a literal brace as {{{{ or }}}}") from e
    for f, spec, conversion in parsed:
        if spec or conversion:  # {generated:d} or {request!r}: a value is put in as it is, never reformatted
            raise PromptError(f"{where}: user: write the variable as {{{f}}}, without a format or conversion")
    fields = {f for f, _, _ in parsed}
    if "{examples}" in template.system:
        raise PromptError(f"{where}: system: examples are data, they go in user as {{examples}}")
    if missing := REQUIRED[template.answer] - fields:
        raise PromptError(f"{where}: user is missing the variable(s) {', '.join(sorted(missing))}")
    if unknown := fields - VARIABLES:
        raise PromptError(f"{where}: user uses unknown variable(s) {', '.join(sorted(unknown))}")
    if RUBRIC_VARIABLE in template.system and template.answer not in JUDGMENTS:
        raise PromptError(f"{where}: only a judge template grades by the rubric; remove {RUBRIC_VARIABLE} from system")
    if "examples" in fields and template.answer not in JUDGMENTS:
        raise PromptError(f"{where}: only a judge template takes examples; remove {{examples}} from user")
    if ("examples" in fields) != (template.examples_per_score > 0):
        raise PromptError(f"{where}: examples_per_score: a template that uses {{examples}} sets how many per score "
                          "(1 to 5), and one that sets it uses {examples} in user")  # fmt: skip
    return Prompt(template.name, template.version, template.answer, template.system.strip(), template.user.strip(),
                  template.description, hashlib.sha256(content).hexdigest(), template.examples_per_score,
                  content.decode("utf-8"), source, parent)  # fmt: skip


def neutralise(text: str) -> str:
    """Make block delimiters inside data inert: ``</generated>`` becomes ``<\\/generated>``."""
    return _DELIMITER.sub(lambda m: "<" + ("\\/" if m[1] else "\\") + m[2], text)


def block(name: str, text: str) -> str:
    return f"<{name}>\n{neutralise(text)}\n</{name}>"


def render(
    prompt: Prompt,
    *,
    request: str | None,
    ground_truth: str,
    generated: str,
    evidence: dict[str, Any] | None,
    rubric: Rubric | None = None,
    examples: str | None = None,
    reversed_order: bool = False,
) -> Rendered:
    """A judge prompt for one pair, graded by ``rubric`` (default: the one in force, which people rate by);
    ``examples``: the worked examples a template with ``{examples}`` shows (see :mod:`judge.examples`);
    ``reversed_order``: the generated definition's block where the ground truth's was and the other way
    round (each block keeps its own tag), and the rubric worst score first, to measure order bias."""
    if prompt.uses_examples and examples is None:
        raise PromptError(f"prompt {prompt.label} shows examples from a calibration set's dev pairs: run it on a "
                          "calibration set")  # fmt: skip
    evidence_text = json.dumps(evidence, indent=1, default=str) if evidence else "(no execution evidence)"
    rendered = render_blocks(prompt, request=request or "(no request recorded)", ground_truth=ground_truth,
                             generated=generated, evidence=evidence_text,
                             examples=examples or "(no examples)", swap=reversed_order)  # fmt: skip
    grading = rubric or current_rubric()
    if not prompt.uses_rubric:
        if grading.scale.points != FIVE.points:
            raise PromptError(f"prompt {prompt.label} grades by a 1-5 rubric of its own, and this dataset is on a "
                              f"{grading.scale.describe()} scale: use a template with {RUBRIC_VARIABLE} "
                              "(judge-cot or judge-score v2), which grades by the dataset's rubric")  # fmt: skip
        return rendered
    text = rubric_text(grading, worst_first=reversed_order)
    system = rendered.system.replace(RUBRIC_VARIABLE, text)
    if grading.scale.points != FIVE.points:  # "<1-5>" in a template's answer format stands for the scale's points
        system = system.replace(SCORE_PLACEHOLDER, f"<{' or '.join(map(str, grading.scale.points))}>")
    return Rendered(system, rendered.user)


SCORE_PLACEHOLDER = "<1-5>"
"""How a template writes the score in its answer format; on a dataset with another scale, its points."""


def rubric_text(rubric: Rubric, worst_first: bool = False) -> str:
    """The rubric as a judge reads it: one line per score, best first (or worst first); on a scale other than
    1-5, a first line naming its points."""
    lines = sorted(rubric.lines.items(), reverse=not worst_first)
    text = "\n".join(f"{score} {name} - {meaning}" if meaning != name else f"{score} {name}"
                     for score, (name, meaning) in lines)  # fmt: skip
    if rubric.scale.points == FIVE.points:
        return text
    points = ", ".join(str(p) for p in rubric.scale.points)
    return f"The score is one of {points} (this dataset's {rubric.scale.kind} scale), never anything else:\n{text}"


def render_blocks(prompt: Prompt, *, style: str = "", swap: bool = False, **data: str) -> Rendered:
    """Any template: each data value in its block; ``style`` (trusted, from a fixed list) as it is;
    ``swap``: the ground truth's and the generated definition's blocks trade places."""
    values = {name: block(name, data.get(name, "(none)")) for name in BLOCKS}
    if swap:
        values["ground_truth"], values["generated"] = values["generated"], values["ground_truth"]
    return Rendered(prompt.system, prompt.user.format(style=style, **values))
