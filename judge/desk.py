"""An annotator's desk: which pair is on screen, and what rating, skipping and going back do to it.

The state lives in a mutable mapping the caller owns (the browser session's state on the Annotate page, a
dict in tests), so that a rerun of the page finds the desk as it was. Every key press is bound to the pair
and dataset it was drawn for: a score never lands on a pair the person did not see.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

from judge import annotation
from judge.config import Settings
from judge.errors import JudgeError
from storage import Database, RefusedError, StorageError
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.pairs import Pair

__all__ = ["Desk", "Flash", "Screen"]

Flash = tuple[Literal["success", "info", "warning", "error"], str]

OUTCOMES: dict[str, Flash] = {
    "recorded": ("success", "Saved: {score} for the last pair."),  # {score}: "4", or "fluency 4, coherence 2"
    "duplicate": ("success", "Saved once; the repeated click or key was ignored."),
    "already_rated": ("warning", "You rated this pair already (in another tab?); that rating is kept."),
}


@dataclass(frozen=True)
class Screen:
    """What the Annotate page shows: progress, the pair on screen (None: nothing left), and recent ratings."""

    progress: rating_store.Progress
    pair: Pair | None
    token: str
    editing: bool
    score: int | None  # the score given (or being changed) on a dataset that names no criteria
    note_key: str
    recent: list[tuple[int, str, annotation.Scores, str | None]]
    flash: Flash | None
    criteria: tuple[str, ...] = ("",)
    scores: annotation.Scores = field(default_factory=dict)  # criterion -> score given before (a rating reopened)


class Desk:
    def __init__(self, db: Database, settings: Settings, annotator: str, dataset: int,
                 state: MutableMapping[Any, Any], clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.db, self.settings, self.annotator, self.dataset = db, settings, annotator, dataset
        self.state, self.clock = state, clock

    def screen(self) -> Screen:
        """The desk as it is now: a new dataset clears what was on screen; no pair on screen gets the next."""
        state = self.state
        state.setdefault("skipped", [])
        if state.get("pair_dataset") != self.dataset:  # another dataset picked: nothing of the last one stays
            state["pair_id"], state["skipped"], state["pair_dataset"] = None, [], self.dataset
        if state.get("pair_id") is None:
            found = annotation.next_pair(self.db, self.settings, self.annotator, self.dataset, state["skipped"])
            self._show(found, editing=False, score=None)
        pair = pair_store.pair(self.db, state["pair_id"]) if state["pair_id"] is not None else None
        progress = rating_store.progress(self.db, self.annotator, self.dataset, self.settings.annotators_per_pair)
        recent = annotation.recent_ratings(self.db, self.annotator, self.dataset)
        criteria = tuple(annotation.criteria(self.db, pair.dataset)) if pair is not None else ("",)
        token = state["token"]
        chosen = state.get(f"scores-{token}", {})
        single = state["score"] if isinstance(state["score"], int) else None
        return Screen(progress, pair, token, state["editing"], single, f"note-{token}", recent,
                      state.pop("flash", None), criteria, dict(chosen))  # fmt: skip

    def _show(self, pair_id: int | None, *, editing: bool, score: int | annotation.Scores | None,
              note: str | None = None) -> None:  # fmt: skip
        state = self.state
        if isinstance(score, dict):  # a rating reopened: its scores, one per criterion
            score = score.get("") if list(score) == [""] else dict(score)
        state["pair_id"], state["editing"], state["score"] = pair_id, editing, score
        state["token"], state["shown_at"] = self.showing(pair_id), self.clock()
        token = state["token"]
        state[f"scores-{token}"] = dict(score) if isinstance(score, dict) else {}
        if note is not None:
            state[f"note-{token}"] = note

    def showing(self, pair_id: int | None) -> str:
        """The id of this showing of a pair: the same for the same person, pair and number of ratings they
        gave it, so that a page drawn again by a restarted server has the same keys and a key pressed across
        the restart still lands on the pair it was pressed for; a new one once they rated it."""
        if pair_id is None:
            return uuid.uuid4().hex
        given = rating_store.events_of(self.db, self.annotator, pair_id)
        return hashlib.sha256(f"{self.annotator}\0{self.dataset}\0{pair_id}\0{given}".encode()).hexdigest()[:24]

    def submit(self, pair_id: int, dataset: int, token: str, note_key: str, score: int) -> None:
        """Save ``score`` for the pair the key was drawn for; the next pair comes on the next screen. The
        same showing and score twice (a double press, a rerun) is saved once. A key drawn for a showing that is
        no longer on screen (pressed twice quicker than the screen changed) is not used: the confirmation of the
        rating just saved stays, with a word that the second key did nothing."""
        state = self.state
        if state.get("saved") is not None and self._gone(pair_id, token):
            return
        self._record(pair_id, dataset, token, state.get(note_key, ""), score=score)

    def rate(self, pair_id: int, dataset: int, token: str, given: dict[str, Any]) -> None:
        """Every criterion's score and the note, sent together by the page's keys for the showing ``token`` of
        ``pair_id``: saved as one rating when they are for the pair on the desk, else not used."""
        scores, note = given.get("scores"), given.get("note")
        if given.get("token") != token or given.get("pair") != pair_id or not isinstance(scores, dict):
            self._refused(token, "That rating did not say which pair it was for; nothing was saved.")
        elif not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in scores.items()):
            self._refused(token, "That rating's scores were not whole numbers; nothing was saved.")
        elif not self._gone(pair_id, token):
            self.state[f"note-{token}"] = str(note or "")[:10_000]
            self._record(pair_id, dataset, token, self.state[f"note-{token}"], scores=dict(scores))

    def _record(self, pair_id: int, dataset: int, token: str, note: str, *, score: int | None = None,
                scores: annotation.Scores | None = None) -> None:  # fmt: skip
        """Store one rating (one score, or every criterion's) and say what happened; the next pair follows."""
        state = self.state
        try:
            outcome = annotation.submit_rating(
                self.db, self.settings, pair_id=pair_id, annotator=self.annotator, score=score, scores=scores,
                note=note, seconds=self.clock() - state.get("shown_at", self.clock()),
                token=f"{token}-{score}" if scores is None else token, editing=bool(state.get("editing")),
                dataset=dataset,
            )  # fmt: skip
        except JudgeError as e:
            gone = isinstance(e, StorageError) and not isinstance(e, RefusedError)  # the database went away
            self._refused(token, f"Not saved: {e}. Rate this pair again once the database answers." if gone else str(e))
            return
        kind, message = OUTCOMES[outcome]
        words = str(score) if scores is None else ", ".join(f"{c} {s}" for c, s in scores.items())
        state["flash"] = (kind, message.format(score=words))
        state["saved"], state["pair_id"] = (kind, message.format(score=words), pair_id), None

    def _refused(self, token: str, why: str) -> None:
        """Nothing was saved, and why; the page's keys may send the rating of this showing again."""
        self.state["flash"] = ("error", why)
        self.state[f"refused-{token}"] = self.state.get(f"refused-{token}", 0) + 1

    def _gone(self, pair_id: int, token: str) -> bool:
        """Whether a key or rating was for a showing no longer on the desk (it then says so, and nothing is
        saved): the confirmation of the rating just saved stays when it was that pair's."""
        state = self.state
        if state.get("token") == token and state.get("pair_id") == pair_id:
            return False
        saved = state.get("saved")
        if saved is not None and saved[2] == pair_id:
            state["flash"] = (saved[0], f"{saved[1]} A second key pressed right after it was not used.")
        else:
            state["flash"] = ("info", "That was for a pair no longer on screen; it was not used.")
        return True

    def skip(self, pair_id: int) -> None:
        self.state["skipped"] = [*self.state.get("skipped", []), pair_id]
        self.state["pair_id"] = None

    def back(self, pair_id: int | None) -> None:
        """Open the rating made just before the pair on screen (the latest one, when nothing is on screen)."""
        earlier = annotation.previous_rating(self.db, self.annotator, self.dataset, pair_id)
        if earlier is None:
            self.state["flash"] = ("info", "This is the first pair you rated.")
            return
        self.reopen(*earlier)

    def reopen(self, pair_id: int, score: int | annotation.Scores, note: str | None) -> None:
        """Show a pair rated earlier to change its rating (the old one stays in the history)."""
        self._show(pair_id, editing=True, score=score, note=note or "")
