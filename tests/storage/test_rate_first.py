"""Pairs put first in the queue: after the overlap pairs, in their order, until rated enough; one list per
dataset, replaced whole, and never a pair of another dataset."""

from __future__ import annotations

import pytest

from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.errors import RefusedError
from tests.llm.test_runs import add_text_pairs


def _ids(db: Database, dataset: str) -> list[int]:
    return list(pair_store.pairs_frame(db, dataset)["pair_id"].astype(int))


def test_pairs_put_first_come_after_the_overlap_in_their_order_until_rated_enough(db: Database) -> None:
    add_text_pairs(db, "d", {f"p{i}": f"x{i}" for i in range(20)})
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    ids = _ids(db, "d")
    overlap = rating_store.queue(db, "ana", dataset, 3, limit=2, overlap=(2, 0.0))
    chosen = [p for p in reversed(ids) if p not in overlap][:3]
    assert rating_store.set_rate_first(db, dataset, [(p, "why") for p in chosen], "lee") == 3
    served = rating_store.queue(db, "ana", dataset, 3, limit=5, overlap=(2, 0.0))
    assert served[:2] == overlap and served[2:5] == chosen
    # rated by as many people as a pair takes: it leaves everyone's queue
    rating_store.add_ratings(db, [rating_store.NewRating(chosen[0], who, 3, None, None, f"{who}")
                                  for who in ("bo", "cy", "dee")])  # fmt: skip
    assert rating_store.queue(db, "ana", dataset, 3, limit=4, overlap=(2, 0.0))[2:4] == chosen[1:]
    listed = rating_store.rate_first(db, dataset)
    assert list(listed["pair_id"]) == chosen and set(listed["created_by"]) == {"lee"}


def test_a_new_list_replaces_the_old_and_an_empty_one_clears_it(db: Database) -> None:
    add_text_pairs(db, "d", {f"p{i}": f"x{i}" for i in range(5)})
    dataset = pair_store.dataset_id(db, "d")
    assert dataset is not None
    ids = _ids(db, "d")
    rating_store.set_rate_first(db, dataset, [(ids[3], "a"), (ids[4], "b")], "lee")
    rating_store.set_rate_first(db, dataset, [(ids[1], "c")], "lee")
    assert list(rating_store.rate_first(db, dataset)["pair_id"]) == [ids[1]]
    rating_store.set_rate_first(db, dataset, [], "lee")
    assert rating_store.rate_first(db, dataset).empty


def test_a_pair_of_another_dataset_or_twice_is_refused_and_nothing_changes(db: Database) -> None:
    add_text_pairs(db, "d", {"a": "x"})
    add_text_pairs(db, "e", {"b": "y"})
    d, e = pair_store.dataset_id(db, "d"), pair_store.dataset_id(db, "e")
    assert d is not None and e is not None
    mine, theirs = _ids(db, "d")[0], _ids(db, "e")[0]
    rating_store.set_rate_first(db, d, [(mine, "kept")], "lee")
    with pytest.raises(RefusedError, match="of dataset"):
        rating_store.set_rate_first(db, d, [(theirs, "wrong")], "lee")
    with pytest.raises(RefusedError, match="once"):
        rating_store.set_rate_first(db, d, [(mine, "x"), (mine, "y")], "lee")
    assert list(rating_store.rate_first(db, d)["reason"]) == ["kept"]


def test_putting_first_from_a_run_of_another_dataset_keeps_only_this_datasets_pairs(db: Database) -> None:
    import pandas as pd

    from judge import workspace
    from judge.errors import JudgeError

    add_text_pairs(db, "d", {"a": "x", "b": "y"})
    add_text_pairs(db, "e", {"c": "z"})
    mine, theirs = _ids(db, "d"), _ids(db, "e")
    both = pd.DataFrame({"pair_id": [theirs[0], mine[1]], "why": ["elsewhere", "here"]})
    assert workspace.put_first(db, "d", both, "lee") == 1
    assert list(workspace.first_in_queue(db, "d")["pair_id"]) == [mine[1]]
    with pytest.raises(JudgeError, match="none of these pairs is of dataset 'd'"):
        workspace.put_first(db, "d", both.iloc[:1], "lee")
    assert list(workspace.first_in_queue(db, "d")["pair_id"]) == [mine[1]]  # nothing changed
