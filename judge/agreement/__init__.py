"""Agreement between a judge and people, and between people: statistics, reports, comparisons."""

from judge.agreement.stats import (
    FIGURES,
    Figure,
    alpha_ordinal,
    figures,
    gwet_ac1,
    pairwise_agreement,
    table_of,
)

__all__ = ["FIGURES", "Figure", "alpha_ordinal", "figures", "gwet_ac1", "pairwise_agreement", "table_of"]
