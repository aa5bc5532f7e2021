"""Engineers' verdicts on disagreements, and the scores they give pairs."""

from __future__ import annotations

import pandas as pd

from storage.db import Database
from storage.kinds import VERDICTS, Verdict
from storage.scales import refuse_off_scale
from storage.sql import frame, utc_now

__all__ = ["VERDICTS", "add_adjudication", "adjudications_frame", "latest_verdicts"]

def add_adjudication(
    db: Database,
    run_id: int,
    pair_id: int,
    verdict: Verdict,
    note: str | None,
    who: str,
    score: int | None = None,
) -> None:
    """Record an engineer's verdict on a disagreement, and optionally the score the pair deserves (an
    adjudicated label: it makes the pair a gold pair); earlier verdicts are kept (the latest counts)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
        raise ValueError(f"an adjudicated score is a whole number, not {score!r}")
    with db.transaction() as cursor:
        refuse_off_scale(cursor, """SELECT ?::INTEGER AS pair_id, coalesce(r.criterion, '') AS criterion, ?::INTEGER AS score
                                    FROM judge_runs r WHERE r.id = ?""", [pair_id, score, run_id])  # fmt: skip
        cursor.execute(
            """INSERT INTO adjudications (run_id, pair_id, verdict, note, adjudicator, created_at, score)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [run_id, pair_id, verdict, note, who, utc_now(), score],
        )


def adjudications_frame(db: Database, run_id: int) -> pd.DataFrame:
    """The latest verdict per pair of a run (with the score it gave, if any), who gave it and when."""
    return frame(
        db,
        """SELECT pair_id, (array_agg(verdict ORDER BY id DESC))[1] AS verdict,
                      (array_agg(note ORDER BY id DESC))[1] AS note, (array_agg(score ORDER BY id DESC))[1] AS score,
                      (array_agg(adjudicator ORDER BY id DESC))[1] AS adjudicator, max(created_at) AS adjudicated_at
               FROM adjudications WHERE run_id = ? GROUP BY pair_id""",
        [run_id],
    )


def latest_verdicts(db: Database, pair_ids: list[int], criterion: str = "") -> pd.DataFrame:
    """The latest verdict on each of these pairs across every run of ``criterion``: pair_id, verdict, score,
    note."""
    return frame(
        db,
        """SELECT a.pair_id, (array_agg(a.verdict ORDER BY a.id DESC))[1] AS verdict,
                  (array_agg(a.score ORDER BY a.id DESC))[1] AS score, (array_agg(a.note ORDER BY a.id DESC))[1] AS note
           FROM adjudications a JOIN judge_runs r ON r.id = a.run_id
           WHERE list_contains(?, a.pair_id) AND coalesce(r.criterion, '') = ?
           GROUP BY a.pair_id ORDER BY a.pair_id""",
        [[int(p) for p in pair_ids], criterion],
    )
