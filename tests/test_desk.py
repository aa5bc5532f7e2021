"""The annotator's desk, outside Streamlit: the pair on screen, and what rating, skipping and going back do."""

from __future__ import annotations

from typing import Any

from judge.config import Settings
from judge.desk import Desk
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from tests.conftest import text_pair

SETTINGS = Settings.from_env({"JUDGE_GOLD_EVERY": "0"})


def desk_on(db: Database, dataset: int, state: dict[str, Any], who: str = "ana") -> Desk:
    return Desk(db, SETTINGS, who, dataset, state, clock=lambda: 100.0)


def two_datasets(db: Database) -> tuple[int, int]:
    pair_store.add_pairs(db, "a", [text_pair(f"a{i}") for i in range(3)])
    pair_store.add_pairs(db, "b", [text_pair(f"b{i}") for i in range(3)])
    return pair_store.dataset_id(db, "a") or 0, pair_store.dataset_id(db, "b") or 0


def test_a_key_drawn_for_a_pair_of_another_dataset_rates_nothing(db: Database) -> None:
    a, b = two_datasets(db)
    state: dict[str, Any] = {}
    first = desk_on(db, a, state).screen()
    assert first.pair is not None and first.pair.dataset == "a"
    on_b = desk_on(db, b, state).screen()  # the person picked dataset b; a key press drawn on a arrives late
    assert on_b.pair is not None and on_b.pair.dataset == "b"
    desk_on(db, b, state).submit(first.pair.id, b, first.token, first.note_key, 5)
    assert rating_store.rating_count(db) == 0
    assert state["flash"][0] == "error" and "not in the dataset on your screen" in state["flash"][1]
    assert state["pair_id"] == on_b.pair.id  # what is on screen stays


def test_a_rating_moves_on_skip_comes_back_never_and_back_reopens_with_the_note(db: Database) -> None:
    a, _ = two_datasets(db)
    state: dict[str, Any] = {}
    desk = desk_on(db, a, state)
    shown = desk.screen()
    assert shown.pair is not None
    state[shown.note_key] = "window off"
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 3)
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 3)  # the same key twice: saved once
    assert rating_store.rating_count(db) == 1
    following = desk.screen()
    assert following.pair is not None and following.pair.id != shown.pair.id
    assert following.flash == ("success", "Saved: 3 for the last pair. A second key pressed right after it was not used.")
    desk.skip(following.pair.id)
    third = desk.screen()
    assert third.pair is not None and third.pair.id not in (shown.pair.id, following.pair.id)
    desk.back(third.pair.id)
    again = desk.screen()
    assert again.pair is not None and again.pair.id == shown.pair.id and again.editing and again.score == 3
    assert state[again.note_key] == "window off" and again.token != shown.token
    desk.submit(shown.pair.id, a, again.token, again.note_key, 4)  # a changed rating is a new event
    assert list(rating_store.ratings_frame(db, "a")["score"]) == [4]
    assert rating_store.rating_count(db) == 2


def test_going_back_before_the_first_rating_says_so(db: Database) -> None:
    a, _ = two_datasets(db)
    state: dict[str, Any] = {}
    desk = desk_on(db, a, state)
    shown = desk.screen()
    desk.back(shown.pair.id if shown.pair else None)
    assert desk.screen().flash == ("info", "This is the first pair you rated.")


def test_a_second_key_quicker_than_the_screen_keeps_the_confirmation_and_rates_nothing(db: Database) -> None:
    a, _ = two_datasets(db)
    state: dict[str, Any] = {}
    desk = desk_on(db, a, state)
    shown = desk.screen()
    assert shown.pair is not None
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 4)
    # the second key reached the server before the next pair was drawn: it was drawn for the pair just rated
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 2)
    following = desk.screen()
    assert following.flash == ("success", "Saved: 4 for the last pair. A second key pressed right after it was not used.")
    # and once the next pair is on the desk, a key still drawn for the one before does nothing either
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 1)
    assert desk.screen().flash is not None
    assert list(rating_store.ratings_frame(db, "a")["score"]) == [4] and rating_store.rating_count(db) == 1
    assert following.pair is not None and state["pair_id"] == following.pair.id


def test_a_rating_the_database_could_not_take_says_not_saved_and_the_same_key_saves_it_later(
    db: Database, monkeypatch: Any
) -> None:
    from judge import annotation
    from storage import StorageError

    a, _ = two_datasets(db)
    state: dict[str, Any] = {}
    desk = desk_on(db, a, state)
    shown = desk.screen()
    assert shown.pair is not None
    state[shown.note_key] = "window off"
    real = annotation.submit_rating

    def gone(*args: object, **kwargs: object) -> None:
        raise StorageError("the database server postgresql://judge@db/team did not answer in time")

    monkeypatch.setattr(annotation, "submit_rating", gone)
    desk.submit(shown.pair.id, a, shown.token, shown.note_key, 4)
    assert rating_store.rating_count(db) == 0
    assert state["flash"][0] == "error" and state["flash"][1].startswith("Not saved: the database server")
    assert state["pair_id"] == shown.pair.id and state[shown.note_key] == "window off"  # the pair and note stay
    monkeypatch.setattr(annotation, "submit_rating", real)
    again = desk.screen()
    assert again.pair is not None and again.pair.id == shown.pair.id and again.token == shown.token
    desk.submit(shown.pair.id, a, again.token, again.note_key, 4)  # the same key, once the database answers
    assert rating_store.rating_count(db) == 1
