"""Every judge template version: the files in ``prompts/`` and the versions the team made in the app.

A version made in the app is checked exactly as a file is (:func:`~judge.llm.prompts.parse_template`), is
stored with its hash and the version it was forked from, and is never changed afterwards: editing means
forking into the next version. ``NAME@VERSION`` names one version wherever it lives.
"""

from __future__ import annotations

import difflib
import re

from judge.errors import JudgeError
from judge.llm.prompts import JUDGMENTS, Prompt, PromptError, _scan, parse_template
from storage import Database, RefusedError
from storage import prompts as prompt_store

__all__ = ["catalog", "diff", "find", "fork", "next_version", "save"]

_VERSION_LINE = re.compile(r"^version\s*=\s*\d+\s*(#.*)?$", re.MULTILINE)
MAX_TEXT = 100_000  # characters: a template is read on every page and sent with every call


def _app_versions(db: Database) -> tuple[list[Prompt], list[str]]:
    good, bad = [], []
    for row in prompt_store.versions_frame(db).itertuples():
        where = f"app version {row.name}@{row.version}"
        try:
            good.append(parse_template(str(row.text).encode(), where, expected=(str(row.name), str(row.version)),
                                       source="app", parent=row.parent if isinstance(row.parent, str) else None))  # fmt: skip
        except PromptError as e:  # checked when saved; only a newer rule than the one it was saved under fails
            bad.append(str(e))
    return good, bad


def catalog(db: Database) -> tuple[list[Prompt], list[str]]:
    """Every version that loads, by name then version (a file and an app version never share a label:
    saving refuses it), and what is wrong with each one that does not."""
    files, broken = _scan(None)
    stored, bad = _app_versions(db)
    taken = {p.label for p in files}
    clashes = [p for p in stored if p.label in taken]
    bad += [f"app version {p.label}: a file in prompts/ has the same name and version; the file is used" for p in clashes]
    versions = files + [p for p in stored if p.label not in taken]
    return sorted(versions, key=lambda p: (p.name, p.version)), [str(e) for e in broken.values()] + bad


def find(db: Database, spec: str) -> Prompt:
    """``NAME@VERSION`` (or ``NAME``: its latest version) among files and app versions."""
    name, _, version = spec.strip().partition("@")
    versions, broken = catalog(db)
    mine = [p for p in versions if p.name == name]
    if not mine:
        for problem in broken:  # the one asked for is there but does not load: say why
            if f"{name}.v" in problem or f"version {name}@" in problem:
                raise PromptError(problem)
        names = sorted({p.name for p in versions})
        raise PromptError(f"no prompt named {name!r} (there are: {', '.join(names) or 'none'})")
    if not version:
        return mine[-1]
    for p in mine:
        if str(p.version) == version:
            return p
    raise PromptError(f"prompt {name!r} has no version {version} (there are: {', '.join(str(p.version) for p in mine)})")


def next_version(db: Database, name: str) -> int:
    """The version a fork of ``name`` gets: one past the highest there is."""
    return max((p.version for p in catalog(db)[0] if p.name == name), default=0) + 1


def fork(db: Database, spec: str) -> str:
    """The text of ``spec`` as the next version of its name, to edit and :func:`save`."""
    source = find(db, spec)
    version = next_version(db, source.name)
    text = source.text or ""
    forked = _VERSION_LINE.sub(f"version = {version}", text, count=1)
    try:
        ok = parse_template(forked.encode(), "the fork").version == version
    except PromptError:
        ok = False
    if not ok:  # the version line is written in a way this cannot rewrite: the person writes it
        raise PromptError(f"{source.label} cannot be forked automatically; copy its text and write version = {version}")
    return forked


def save(db: Database, text: str, parent: str | None, by: str | None) -> Prompt:
    """Check ``text`` as a template file is checked, and store it as a new version; refuses a version that
    exists (in prompts/ or in the app), so no version ever changes."""
    if not text.strip():
        raise PromptError("the template is empty")
    if len(text) > MAX_TEXT:
        raise PromptError(f"the template is {len(text):,} characters; the most is {MAX_TEXT:,}")
    where = "the new version"
    prompt = parse_template(text.encode(), where, source="app", parent=parent)
    if prompt.answer not in JUDGMENTS:
        raise PromptError(f"{where}: answer: versions made here are judge templates (reasoning_then_score or "
                          f"score_only), not {prompt.answer}")  # fmt: skip
    versions = catalog(db)[0]  # read once: every check below is against the same list
    if any(p.label == prompt.label for p in versions):
        raise PromptError(f"{prompt.label} exists already and a version never changes; save this as version "
                          f"{next_version(db, prompt.name)}")  # fmt: skip
    body = _VERSION_LINE.sub("", text, count=1).strip()
    for same in versions:
        if same.name == prompt.name and _VERSION_LINE.sub("", same.text, count=1).strip() == body:
            raise PromptError(f"this is {same.label} again, with only its version changed; change the template first")
    if parent is not None and parent not in {p.label for p in versions}:
        find(db, parent)  # the parent must exist: this says why it does not
    try:
        prompt_store.add_version(db, prompt.name, prompt.version, text, prompt.sha256, parent, by)
    except RefusedError as e:  # saved by someone else a moment ago
        raise JudgeError(f"{prompt.label} was saved a moment ago by someone else; save as version "
                         f"{next_version(db, prompt.name)}") from e  # fmt: skip
    return find(db, prompt.label)


def diff(old: Prompt, new: Prompt) -> str:
    """A unified diff of two versions' texts (what a reviewer reads)."""
    return "".join(difflib.unified_diff(old.text.splitlines(keepends=True), new.text.splitlines(keepends=True),
                                        fromfile=old.label, tofile=new.label))  # fmt: skip
