"""People among themselves on one dataset, without any judge run: the figures, what they rest on, and when
a figure is n/a, what is missing for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from judge.agreement.annotators import AnnotatorQuality, annotator_quality
from judge.agreement.report import Ceiling, ceiling
from judge.config import Settings
from judge.dataset_rubric import scale_of
from judge.scale import FIVE, Scale
from storage import Database, labels
from storage import pairs as pair_store
from storage import ratings as rating_store

__all__ = ["PeopleSummary", "people_summary"]


@dataclass(frozen=True)
class PeopleSummary:
    ceiling: Ceiling
    rated_pairs: int
    annotators: list[str]
    kinds: dict[str, int]  # labels in the consensus by kind, and pairs with an adjudicated score
    excluded: list[str]
    reasons: dict[str, str]  # why each was left out, where a reason was given
    missing: str | None  # why the figures are n/a, in words; None when they exist
    quality: list[AnnotatorQuality] = field(default_factory=list)
    scale: Scale = FIVE


def _overlap_words(settings: Settings) -> str:
    count, share = settings.overlap
    if not count and not share:
        return "There is no overlap (JUDGE_OVERLAP=0), so people rarely rate the same pairs: set it to, say, 10%."
    size = f"{count} pairs" if count >= share * 100 else f"{share:.0%} of the pairs"
    return f"Every annotator is served the same first {size} (JUDGE_OVERLAP); when a second person rates them, this fills in."


def _missing(
    summary: Ceiling, rated: int, annotators: list[str], settings: Settings, left_out: list[str]
) -> str | None:
    if not rated and left_out:
        return ("Everyone who rated this dataset is left out of the consensus: count someone again under "
                "'Annotators: who needs a look'.")  # fmt: skip
    if not rated:
        return "Nobody has rated a pair of this dataset yet: rate some on the Annotate page."
    if len(annotators) == 1:
        return f"Only {annotators[0]} has rated so far: agreement among people needs a second person on the same pairs."
    if not summary.pairs:
        return f"No pair has two ratings yet ({rated} pairs have one each). " + _overlap_words(settings)
    if summary.alpha_ordinal is None:
        return ("Krippendorff's alpha is n/a: on the pairs rated twice every rating is the same score, so there is "
                "no spread to compare against.")  # fmt: skip
    return None


def people_summary(db: Database, dataset: str, settings: Settings, criterion: str = "") -> PeopleSummary:
    """Agreement among the people who rated ``dataset``'s ``criterion`` (leaving out those left out of the
    consensus)."""
    everyone = rating_store.ratings_frame(db, dataset, everyone=True, criterion=criterion)
    counted = everyone[~everyone["excluded"].astype(bool)]  # what the consensus rests on
    dataset_key = pair_store.dataset_id(db, dataset)
    gold = labels.gold_scores(db, dataset_key, criterion)
    left = labels.excluded(db)
    out = set(left["annotator"])
    reasons = {
        str(n): str(w) for n, w in zip(left["annotator"], left["reason"], strict=True) if isinstance(w, str)
    }
    scale = scale_of(db, dataset, criterion)
    among = ceiling(counted, scale)
    rated = counted["pair_id"].nunique()
    names = sorted(counted["annotator"].unique())
    pair_ids = sorted({int(p) for p in everyone["pair_id"]})
    excluded = sorted(out & set(everyone["annotator"]))
    return PeopleSummary(
        ceiling=among, rated_pairs=rated, annotators=names,
        kinds=labels.label_kinds(db, pair_ids, criterion), excluded=excluded, reasons=reasons,
        missing=_missing(among, rated, names, settings, excluded), scale=scale,
        quality=annotator_quality(everyone, gold, out, settings.too_fast_seconds, scale),
    )  # fmt: skip
