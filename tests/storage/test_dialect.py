"""The one SQL, translated for PostgreSQL: placeholders become psycopg's, text inside quotes and comments stays
as written, and any text a person types travels as a parameter and comes back as it was, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storage import Database, StorageError
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.dialect import hidden, redacted, to_postgres
from tests.conftest import text_pair


def test_placeholders_become_psycopgs_and_quoted_text_stays() -> None:
    sql = "SELECT 1 FROM t WHERE a = ? AND b = $who AND c LIKE 'x%?' -- 5% of $who?\n AND d = ?"
    assert to_postgres(sql) == ("SELECT 1 FROM t WHERE a = %s AND b = %(who)s AND c LIKE 'x%%?' -- 5%% of $who?\n"
                                " AND d = %s")  # fmt: skip
    assert to_postgres("SELECT 'it''s ?' WHERE x = ?") == "SELECT 'it''s ?' WHERE x = %s"
    assert to_postgres("CREATE TABLE t (x DOUBLE, y DOUBLE PRECISION) -- 1%", with_params=False) == (
        "CREATE TABLE t (x DOUBLE PRECISION, y DOUBLE PRECISION) -- 1%")
    assert to_postgres("WHERE NOT list_contains($skipped, p.id)") == "WHERE NOT (p.id = ANY(%(skipped)s))"
    assert to_postgres("TRY_CAST(json_extract(r.parameters, '$.samples') AS INTEGER)", with_params=False) == (
        "try_cast_integer(json_extract(r.parameters, '$.samples'))")


def test_a_password_is_never_in_what_is_shown() -> None:
    assert redacted("postgresql://judge:s3cret@db.example:5433/team?sslmode=require") == (
        "postgresql://judge@db.example:5433/team?sslmode=require")
    assert redacted("postgresql://judge@127.0.0.1/team") == "postgresql://judge@127.0.0.1/team"
    # every way a password can be written: raw '?' and '#', in the options, a stray '%', several hosts
    assert redacted("postgresql://owner:s3cr?t#pw@127.0.0.1:54339/db") == "postgresql://owner@127.0.0.1:54339/db"
    assert redacted("postgresql://j@h/db?password=SECRETQ&sslmode=require") == "postgresql://j@h/db?sslmode=require"
    assert redacted("postgresql://judge:s%zzret@h/db") == "postgresql://h/db (user and password not shown)"
    assert redacted("postgresql://j:SEC@h1:5432,h2:5433/db") == "postgresql://j@h1:5432,h2:5433/db"
    assert redacted("postgresql:///db?host=/tmp/pg") == "postgresql:///db?host=/tmp/pg"
    assert hidden('invalid percent-encoded token: "s%zzret"', "postgresql://judge:s%zzret@h/db") == (
        'invalid percent-encoded token: "***"')


@pytest.mark.parametrize("url", ["postgresql://judge:s%zzret@127.0.0.1:1/db", "Postgresql://judge:hunter2@h/db",
                                 "postgresql://judge:s3cr?t#pw@127.0.0.1:1/db",
                                 "postgresql://judge@127.0.0.1:1/db?password=SECRETQ"])  # fmt: skip
def test_a_url_that_cannot_be_used_is_refused_without_its_password(url: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageError) as refused:
        Database(url)
    for secret in ("zzret", "hunter2", "s3cr", "SECRETQ"):
        assert secret not in str(refused.value)
    assert list(tmp_path.iterdir()) == []  # no folder made of a mistyped URL


TYPED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=TYPED, who=TYPED.filter(lambda s: s.strip() != ""))
@example(note="50% done? $who -- 'x' ?? %s %(who)s", who="o'brien?")
@example(note="-- not a comment\n/* nor this */ ';DROP TABLE pairs;--", who="$1")
def test_any_text_a_person_types_comes_back_as_it_was(db: Database, note: str, who: str) -> None:
    if pair_store.dataset_id(db, "d") is None:
        pair_store.add_pairs(db, "d", [text_pair("p")])
    token = f"t-{len(rating_store.ratings_frame(db, current_only=False))}"
    assert rating_store.record_rating(db, rating_store.NewRating(1, who, 3, note, None, token), first_only=False) \
        == "recorded"
    events = rating_store.ratings_frame(db, current_only=False)
    row = events.loc[events["token"] == token].iloc[0]
    assert (row["annotator"], row["note"]) == (who, note)


def test_a_nul_character_is_refused_by_postgresql_with_a_sentence_not_stored_halfway(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("p")])
    nul = rating_store.NewRating(1, "ana", 3, "a\x00b", None, "t1")
    if db.backend == "duckdb":
        assert rating_store.record_rating(db, nul, first_only=True) == "recorded"
        return
    from storage import StorageError

    with pytest.raises(StorageError, match="nothing was saved"):
        rating_store.record_rating(db, nul, first_only=True)
    assert rating_store.rating_count(db) == 0
