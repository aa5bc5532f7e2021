"""One settings object, read from the environment (or a mapping such as Streamlit secrets)."""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from judge.errors import JudgeError

__all__ = ["ANNOTATOR_KINDS", "DEFAULT_DB_PATH", "Settings"]

DEFAULT_DB_PATH = "data/judge.duckdb"
DEFAULT_ANNOTATORS_PER_PAIR = 3
DEFAULT_HEADLINE_METRIC = "within_one"
DEFAULT_OVERLAP = "10%"
"""Pairs every annotator gets first (up to the per-pair cap): people's agreement exists from the first hour."""
DEFAULT_TOO_FAST_SECONDS = 4.0
"""A rating given in less time than this is flagged as too fast to have read both definitions."""
DEFAULT_GOLD_EVERY = 10
"""One pair in this many served to an annotator is a gold pair (an adjudicated one), when there are any."""
ANNOTATOR_KINDS = ("experts", "skilled", "crowd")
DEFAULT_ANNOTATOR_KIND = "skilled"
DEFAULT_BATCH_POLL_SECONDS = 30.0
"""How often a batch run in the app looks at its batches at the provider."""
"""Who the annotators are, for the alternative annotator test's epsilon (experts 0.2, skilled 0.15, crowd 0.1)."""


def _overlap(value: str) -> tuple[int, float]:
    """``JUDGE_OVERLAP``: a number of pairs ("20"), a share of each dataset ("10%"), or "0" for none."""
    text = value.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100
            if 0 <= share <= 1:
                return 0, share
        elif text.isdigit():
            return int(text), 0.0
    except ValueError:
        pass
    raise JudgeError(
        f"JUDGE_OVERLAP must be a number of pairs (20) or a share of a dataset (10%), not {value!r}"
    )


def _number(env: Mapping[str, str], name: str, default: float, *, whole: bool = False) -> float:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = -1
    if value < 0 or value != value or value == float("inf"):
        kind = "a whole number" if whole else "a number"
        raise JudgeError(f"{name} must be {kind} of 0 or more, not {text!r}")
    return value


def _switch(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text in ("1", "yes", "true", "on"):
        return True
    if text in ("0", "no", "false", "off"):
        return False
    raise JudgeError(f"{name} must be 1 or 0, not {text!r}")


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


@dataclass(frozen=True)
class Settings:
    """Where the database is and how the team works; defaults that work on a fresh machine.

    Environment variables: ``JUDGE_DB``, ``JUDGE_ANNOTATORS`` and ``JUDGE_ADMINS``
    (comma-separated names; empty means anyone), ``JUDGE_ADMIN_PASSWORD`` (when set, an admin
    proves who they are with it; without it a name on the admin list is taken at its word),
    ``JUDGE_ANNOTATORS_PER_PAIR``, ``JUDGE_HEADLINE_METRIC``, ``JUDGE_OVERLAP`` (pairs every annotator
    rates first: a number, or a share of each dataset such as ``10%``; ``0`` for none),
    ``JUDGE_TOO_FAST_SECONDS`` (a rating quicker than this is flagged), ``JUDGE_GOLD_EVERY`` (one pair in
    this many served is a gold pair, unmarked; ``0`` for none), ``JUDGE_ANNOTATOR_KIND`` (experts, skilled
    or crowd: how much the alternative annotator test lets a cheaper judge off), ``JUDGE_BATCH_POLL`` (seconds
    between a batch run's looks at its batches), ``JUDGE_APP_WORKER`` (on a team server: ``0`` when only
    ``judge worker`` processes should work judge runs, not the app's own thread).
    """

    db_path: str = DEFAULT_DB_PATH
    annotators: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    annotators_per_pair: int = DEFAULT_ANNOTATORS_PER_PAIR
    headline_metric: str = DEFAULT_HEADLINE_METRIC
    admin_password: str | None = field(default=None, repr=False)  # a secret: never printed or logged
    overlap: tuple[int, float] = _overlap(DEFAULT_OVERLAP)  # (pairs, share of a dataset): whichever is more
    too_fast_seconds: float = DEFAULT_TOO_FAST_SECONDS
    gold_every: int = DEFAULT_GOLD_EVERY
    annotator_kind: str = DEFAULT_ANNOTATOR_KIND
    batch_poll_seconds: float = DEFAULT_BATCH_POLL_SECONDS
    app_worker: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        per_pair = env.get("JUDGE_ANNOTATORS_PER_PAIR", str(DEFAULT_ANNOTATORS_PER_PAIR))
        if not per_pair.isdigit() or int(per_pair) < 1:
            raise JudgeError(
                f"JUDGE_ANNOTATORS_PER_PAIR must be a whole number of at least 1, not {per_pair!r}"
            )
        kind = env.get("JUDGE_ANNOTATOR_KIND") or DEFAULT_ANNOTATOR_KIND
        if kind not in ANNOTATOR_KINDS:
            raise JudgeError(f"JUDGE_ANNOTATOR_KIND must be one of {', '.join(ANNOTATOR_KINDS)}, not {kind!r}")
        return cls(
            db_path=env.get("JUDGE_DB") or DEFAULT_DB_PATH,
            annotator_kind=kind,
            annotators=_names(env.get("JUDGE_ANNOTATORS")),
            admins=_names(env.get("JUDGE_ADMINS")),
            annotators_per_pair=int(per_pair),
            headline_metric=env.get("JUDGE_HEADLINE_METRIC") or DEFAULT_HEADLINE_METRIC,
            admin_password=env.get("JUDGE_ADMIN_PASSWORD") or None,
            overlap=_overlap(env.get("JUDGE_OVERLAP") or DEFAULT_OVERLAP),
            too_fast_seconds=_number(env, "JUDGE_TOO_FAST_SECONDS", DEFAULT_TOO_FAST_SECONDS),
            gold_every=int(_number(env, "JUDGE_GOLD_EVERY", DEFAULT_GOLD_EVERY, whole=True)),
            batch_poll_seconds=_number(env, "JUDGE_BATCH_POLL", DEFAULT_BATCH_POLL_SECONDS),
            app_worker=_switch(env, "JUDGE_APP_WORKER", default=True),
        )

    def may_administer(self, name: str | None, password_checked: bool = False) -> bool:
        """Start judge runs, adjudicate, import: anyone when no admin list is set; else a listed admin who,
        when an admin password is set, gave it at sign-in (``password_checked``)."""
        if not self.admins:
            return True
        return (name or "") in self.admins and (self.admin_password is None or password_checked)

    def may_annotate(self, name: str) -> bool:
        return bool(name.strip()) and (not self.annotators or name in self.annotators)

    def may_sign_in(self, name: str) -> bool:
        """Annotators rate; an admin who is not one of them may still sign in to run, import and adjudicate."""
        return self.may_annotate(name) or (bool(name.strip()) and name in self.admins)

    def admin_password_matches(self, given: str) -> bool:
        return self.admin_password is not None and hmac.compare_digest(
            given.encode(), self.admin_password.encode()
        )
