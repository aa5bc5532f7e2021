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
from storage import Database
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
    scores: annotation.Scores = field(default_factory=dict)  # criterion -> score chosen so far for this pair
    active: str | None = None  # the criterion the score keys rate now (several criteria); None: all answered


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
        chosen, answered = state.get(f"scores-{token}", {}), state.get(f"answered-{token}", [])
        active = next((c for c in criteria if c not in answered), None)
        single = state["score"] if isinstance(state["score"], int) else None
        return Screen(progress, pair, token, state["editing"], single, f"note-{token}", recent,
                      state.pop("flash", None), criteria, dict(chosen), active)  # fmt: skip

    def _show(self, pair_id: int | None, *, editing: bool, score: int | annotation.Scores | None,
              note: str | None = None) -> None:  # fmt: skip
        state = self.state
        if isinstance(score, dict):  # a rating reopened: its scores, one per criterion
            score = score.get("") if list(score) == [""] else dict(score)
        state["pair_id"], state["editing"], state["score"] = pair_id, editing, score
        state["token"], state["shown_at"] = self.showing(pair_id), self.clock()
        token = state["token"]
        state[f"scores-{token}"] = dict(score) if isinstance(score, dict) else {}
        state[f"answered-{token}"] = []
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
        if state.get("saved") is not None and (state.get("token") != token or state.get("pair_id") != pair_id):
            kind, message, saved_pair = state["saved"]
            state["flash"] = ((kind, f"{message} A second key pressed right after it was not used.")
                              if saved_pair == pair_id
                              else ("info", "That key was for a pair no longer on screen; it was not used."))  # fmt: skip
            return
        try:
            outcome = annotation.submit_rating(
                self.db, self.settings, pair_id=pair_id, annotator=self.annotator, score=score,
                note=state.get(note_key, ""), seconds=self.clock() - state.get("shown_at", self.clock()),
                token=f"{token}-{score}", editing=bool(state.get("editing")), dataset=dataset,
            )  # fmt: skip
        except JudgeError as e:
            state["flash"] = ("error", str(e))
            return
        kind, message = OUTCOMES[outcome]
        state["flash"] = (kind, message.format(score=score))
        state["saved"], state["pair_id"] = (kind, message.format(score=score), pair_id), None

    def choose(self, pair_id: int, dataset: int, token: str, note_key: str, criterion: str, score: int,
               drawn_active: bool) -> None:  # fmt: skip
        """One criterion's score for the pair it was drawn for (a dataset with several criteria). The score
        keys then rate the next criterion not yet answered; once every criterion is answered, the scores are
        saved together. A key that reached the server after its criterion was answered (two presses quicker
        than the screen) is not used: it was meant for the next criterion, which the person had not yet seen
        on screen as the one the keys rate."""
        state = self.state
        if token != state.get("token") or pair_id != state.get("pair_id"):
            state["flash"] = ("info", "That key was for a pair no longer on screen; it was not used.")
            return
        pair = pair_store.pair(self.db, pair_id)
        wanted = annotation.criteria(self.db, pair.dataset) if pair is not None else []
        if criterion not in wanted:
            state["flash"] = ("error", f"{criterion!r} is not a criterion of this pair's dataset; nothing was chosen.")
            return
        answered: list[str] = state.setdefault(f"answered-{token}", [])
        if drawn_active and criterion in answered:
            state["flash"] = ("info", f"A key came before the screen moved on from {criterion}; it was not "
                                      "used. Press it again for the criterion marked now.")  # fmt: skip
            return
        state.setdefault(f"scores-{token}", {})[criterion] = score
        if criterion not in answered:
            answered.append(criterion)
        if all(c in answered for c in wanted):
            self.save(pair_id, dataset, token, note_key)

    def save(self, pair_id: int, dataset: int, token: str, note_key: str) -> None:
        """Save the scores chosen for every criterion of the pair on screen, together."""
        state = self.state
        if token != state.get("token") or pair_id != state.get("pair_id"):
            state["flash"] = ("info", "That was for a pair no longer on screen; nothing was saved.")
            return
        scores = dict(state.get(f"scores-{token}", {}))
        try:
            outcome = annotation.submit_rating(
                self.db, self.settings, pair_id=pair_id, annotator=self.annotator, scores=scores,
                note=state.get(note_key, ""), seconds=self.clock() - state.get("shown_at", self.clock()),
                token=token, editing=bool(state.get("editing")), dataset=dataset,
            )  # fmt: skip
        except JudgeError as e:
            state["flash"] = ("error", str(e))
            return
        kind, message = OUTCOMES[outcome]
        words = ", ".join(f"{c} {s}" for c, s in scores.items())
        state["flash"], state["pair_id"] = (kind, message.format(score=words)), None

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
