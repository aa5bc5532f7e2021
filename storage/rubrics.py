"""The criteria of each dataset and the rubric each is rated and judged by, as the TOML text it was given in.

A dataset names no criteria (one score per rating; its criterion is '') or several (``dataset_criteria``, in
order), each with a rubric of its own."""

from __future__ import annotations

from storage.db import Database
from storage.errors import RefusedError
from storage.sql import Cursor, scalar, utc_now

__all__ = ["add_criteria", "criteria", "dataset_rubric", "set_dataset_rubric"]


def set_dataset_rubric(
    db: Database,
    dataset_id: int,
    text: str,
    sha256: str,
    by: str | None,
    span: tuple[int, int] = (1, 5),
    criterion: str = "",
) -> bool:
    """Make ``text`` the dataset's rubric, on the scale ``span`` (its lowest and highest point); False when it
    is that already. A text given before becomes the current one again (its row is kept, its time renewed).
    Refused when a score stored for the dataset's ``criterion`` (a rating, a judgment, an adjudicated score)
    lies off the new scale: those scores would mean nothing on it."""
    low, high = span
    with db.transaction() as cursor:
        _refuse_unknown(cursor, dataset_id, [criterion])
        off = cursor.execute(
            """SELECT what, count(*), min(score), max(score) FROM (
                   SELECT 'ratings' AS what, e.score FROM rating_events e JOIN pairs p ON p.id = e.pair_id
                   WHERE p.dataset_id = ? AND e.criterion = ? AND (e.score < ? OR e.score > ?)
                   UNION ALL
                   SELECT 'judge scores', j.score FROM judge_results j JOIN pairs p ON p.id = j.pair_id
                       JOIN judge_runs r ON r.id = j.run_id
                   WHERE p.dataset_id = ? AND r.criterion = ? AND (j.score < ? OR j.score > ?)
                   UNION ALL
                   SELECT 'adjudicated scores', a.score FROM adjudications a JOIN pairs p ON p.id = a.pair_id
                       JOIN judge_runs r ON r.id = a.run_id
                   WHERE p.dataset_id = ? AND r.criterion = ? AND (a.score < ? OR a.score > ?)
               ) off GROUP BY what ORDER BY what""",
            [dataset_id, criterion, low, high] * 3,
        ).fetchall()
        if off:
            found = "; ".join(f"{n} {what} from {lo} to {hi}" for what, n, lo, hi in off)
            raise RefusedError(f"the dataset holds scores off the scale {low}-{high} of this rubric ({found}); "
                               "a rubric on another scale is for a new dataset. Nothing was changed.")  # fmt: skip
        latest = cursor.execute(
            """SELECT sha256 FROM dataset_rubrics WHERE dataset_id = ? AND criterion = ?
               ORDER BY created_at DESC LIMIT 1""",
            [dataset_id, criterion],
        ).fetchone()
        if latest is not None and latest[0] == sha256:
            return False
        cursor.execute(
            "DELETE FROM dataset_rubrics WHERE dataset_id = ? AND criterion = ? AND sha256 = ?",
            [dataset_id, criterion, sha256],
        )
        cursor.execute(
            """INSERT INTO dataset_rubrics (dataset_id, text, sha256, created_by, created_at, low, high, criterion)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [dataset_id, text, sha256, by, utc_now(), low, high, criterion],
        )
    return True


def _refuse_unknown(cursor: Cursor, dataset_id: int, names: list[str]) -> None:
    known = criteria_in(cursor, dataset_id)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise RefusedError(f"the dataset has no criterion {unknown[0]!r} (it has "
                           f"{', '.join(repr(k) for k in known)}); nothing was changed")  # fmt: skip


def criteria_in(cursor: Cursor, dataset_id: int) -> list[str]:
    rows = cursor.execute(
        "SELECT name FROM dataset_criteria WHERE dataset_id = ? ORDER BY position", [dataset_id]
    ).fetchall()
    return [str(r[0]) for r in rows] or [""]


def criteria(db: Database, dataset_id: int) -> list[str]:
    """The dataset's criteria in order: [''] for a dataset that names none."""
    return criteria_in(db.cursor(), dataset_id)


def add_criteria(db: Database, dataset_id: int, rubrics: list[tuple[str, str, str, tuple[int, int]]],
                 by: str | None = None) -> None:  # fmt: skip
    """Give a dataset named criteria, each with its rubric ((name, text, sha256, (low, high)), in order), in one
    transaction. Refused when the dataset holds a score already (a rating, a judgment): scores given as one
    whole score cannot be split into criteria afterwards. Criteria already there are kept in their place (the
    same name with another rubric is refused: a criterion's scale is chosen once); new ones come after, and
    only while nothing is rated or judged (the pairs rated before would lack them)."""
    with db.transaction() as cursor:
        known = [c for c in criteria_in(cursor, dataset_id) if c]
        held = cursor.execute(
            """SELECT (SELECT count(*) FROM rating_events e JOIN pairs p ON p.id = e.pair_id
                       WHERE p.dataset_id = $d)
                    + (SELECT count(*) FROM judge_runs WHERE dataset_id = $d)""",
            {"d": dataset_id},
        ).fetchone()
        adding = [name for name, *_ in rubrics if name not in known]
        if adding and held and int(held[0]):
            why = ("holds scores given as one whole score already" if not known
                   else f"is rated or judged on {', '.join(known)} already")  # fmt: skip
            raise RefusedError(f"the dataset {why}; a criterion more ({adding[0]}) is for a new dataset (import "
                               "into one). Nothing was changed.")  # fmt: skip
        now = utc_now()
        for name, text, sha256, (low, high) in rubrics:
            if not name or len(name) > 80 or name != name.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
                raise RefusedError(f"a criterion's name is 1 to 80 characters without spaces around it, not "
                                   f"{name!r}; nothing was changed")  # fmt: skip
            if name in known:
                row = cursor.execute(
                    """SELECT sha256 FROM dataset_rubrics WHERE dataset_id = ? AND criterion = ?
                       ORDER BY created_at DESC LIMIT 1""",
                    [dataset_id, name],
                ).fetchone()
                if row is None or row[0] != sha256:
                    raise RefusedError(f"criterion {name!r} of the dataset has another rubric or scale; a "
                                       "criterion's scale is chosen once. Nothing was changed.")  # fmt: skip
                continue
            cursor.execute(
                "INSERT INTO dataset_criteria (dataset_id, name, position, created_at) VALUES (?, ?, ?, ?)",
                [dataset_id, name, len(known), now],
            )
            cursor.execute(
                """INSERT INTO dataset_rubrics (dataset_id, text, sha256, created_by, created_at, low, high,
                                                criterion) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [dataset_id, text, sha256, by, now, low, high, name],
            )
            known.append(name)


def dataset_rubric(db: Database, dataset: str, criterion: str = "") -> str | None:
    """The text of the rubric in force for ``dataset``'s ``criterion``, or None (the shipped one is used)."""
    return scalar(  # type: ignore[no-any-return]
        db,
        """SELECT r.text FROM dataset_rubrics r JOIN datasets d ON d.id = r.dataset_id
           WHERE d.name = ? AND r.criterion = ? ORDER BY r.created_at DESC LIMIT 1""",
        [dataset, criterion],
    )
