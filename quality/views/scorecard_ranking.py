"""The staff's supplier ranking: each partner the member sees with its score, standing, trend, worst
measure and 12-month score, worst first, filtered by standing, category, buyer and name.

Thin: reads through ``quality.scorecards.selectors`` (stored figures only; the batch run computes them).
Buyers, quality engineers and tenant admins (``SCORECARD_STAFF``); anyone else, suppliers included, 404
like the other staff lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.views.generic import ListView

from portal.models import Partner, Role
from portal.views.mixins import TenantViewMixin
from quality.models import PartnerScore
from quality.scorecards import catalogue
from quality.scorecards.selectors import (
    NO_STANDING,
    SORTS,
    TREND_ARROWS,
    TREND_LABELS,
    TREND_WORDS,
    RankingFilters,
    ranking_choices,
    score_of,
    score_of_figures,
    scorecard_ranking,
)

NAV_KEY = "scorecards"
SCORECARD_STAFF = frozenset({Role.BUYER, Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})


@dataclass(frozen=True)
class RankingRow:
    partner: Partner
    score: PartnerScore | None
    score_12: Decimal | None
    worst_label: str
    worst_value: str
    trend_arrow: str
    trend_words: str
    trend_label: str = ""


def figure_text(key: str, value) -> str:
    """A stored figure or target with its unit ("81.5 %", "1,250 PPM", "2"); "no data" for None
    (``catalogue.format_measure``: the one way figures are written)."""
    return catalogue.format_measure(key, value)


def ranking_row(partner: Partner) -> RankingRow:
    """One line of the ranking from the partner's selected score row (no query)."""
    score = score_of(partner)
    if score is None or score.score is None:
        return RankingRow(partner, score, None, "", "", "", "")
    worst = score.worst_measure if score.worst_measure in catalogue.MEASURES else ""
    value = (score.figures.get(worst) or {}).get("value") if worst else None
    return RankingRow(
        partner=partner,
        score=score,
        score_12=score_of_figures(score.figures_12),
        worst_label=catalogue.MEASURES[worst].label if worst else "",
        worst_value=figure_text(worst, value) if worst else "",
        trend_arrow=TREND_ARROWS.get(score.trend, "→"),
        trend_words=TREND_WORDS.get(score.trend, "steady"),
        trend_label=str(TREND_LABELS.get(score.trend, TREND_LABELS[0])),
    )


class ScorecardRankingView(TenantViewMixin, ListView):
    """Worst score first (see ``selectors.SORTS``), partners without data after; 25 a page."""

    template_name = "quality/scorecard_ranking.html"
    context_object_name = "partners"
    paginate_by = 25
    allowed_roles = SCORECARD_STAFF
    nav_key = NAV_KEY

    def filters(self) -> RankingFilters:
        get = self.request.GET
        standing = get.get("standing", "")
        if standing != NO_STANDING and not (standing.isascii() and standing.isdigit() and len(standing) <= 9):
            standing = ""  # a filter that is no standing filters nothing
        sort = get.get("sort", "worst")
        return RankingFilters(
            standing=standing,
            category=get.get("category", "").strip()[:80],
            buyer=get.get("buyer", "").strip()[:120],
            q=get.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "worst",
        )

    def get_queryset(self):
        return scorecard_ranking(self.membership, self.filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [ranking_row(p) for p in context["page_obj"].object_list]
        context["filters"] = self.filters()
        context.update(ranking_choices(self.membership))
        context["no_standing"] = NO_STANDING
        context["sorts"] = (
            ("worst", _("Worst score first")),
            ("best", _("Best score first")),
            ("name", _("Name")),
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context
