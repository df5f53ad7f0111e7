"""Scoped reads of the scorecards: the staff's ranking, one partner's scorecard (for staff, and for a
supplier's own partner), its standing history and the choices of the ranking's filters.

Everything reads what the batch run stored (``PartnerScore``, ``ScorecardPeriod``, ``StandingChange``)
through ``visible_to``: a buyer or engineer limited to some partners sees only theirs, a supplier only its
own partner. Nothing here reads a measure's sources or runs the engine; a partner outside the scope raises
``NotInScope`` (404, nothing told).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy

from portal.models import Membership, Partner
from portal.services.errors import NotInScope
from quality.models import PartnerScore, Standing, StandingChange, scorecard_rules_for
from quality.scorecards import catalogue
from quality.scorecards.months import KEPT_MONTHS, add_months, current_month, months_back

# How the ranking sorts; "worst" (the default) puts the lowest score first: a buyer opens the ranking to
# find the suppliers that need a conversation, and the good ones need none.
SORTS = {
    "worst": ("has_no_score", "score__score", "name", "pk"),
    "best": ("has_no_score", "-score__score", "name", "pk"),
    "name": ("name", "pk"),
}
NO_STANDING = "none"  # the standing filter's value for partners with no standing (no data yet)
HISTORY_MAX = 50
# One wording of the trend for staff and suppliers (the ranking, both scorecard pages, the PDF).
TREND_WORDS = {1: "improving", 0: "steady", -1: "declining"}
TREND_ARROWS = {1: "↑", 0: "→", -1: "↓"}
# What the trend words say to people (TREND_WORDS stay English: CSS classes and stored codes read them).
TREND_LABELS = {1: gettext_lazy("improving"), 0: gettext_lazy("steady"), -1: gettext_lazy("declining")}


@dataclass(frozen=True)
class RankingFilters:
    """The ranking's filters, already cleaned: ``standing`` a Standing id or ``NO_STANDING`` or "";
    ``category`` and ``buyer`` exact values or ""; ``q`` part of the partner's name or reference."""

    standing: str = ""
    category: str = ""
    buyer: str = ""
    q: str = ""
    sort: str = "worst"

    @property
    def active(self) -> bool:
        return bool(self.standing or self.category or self.buyer or self.q)


def scorecard_ranking(membership: Membership, filters: RankingFilters) -> QuerySet[Partner]:
    """The active partners ``membership`` sees, each with its ``score`` (PartnerScore, or none yet) and
    standing joined in one query; partners without a score ("no data") after the scored ones whatever the
    sort. Filters: standing, category (``PartnerScore.category``), buyer (partners with a PO whose
    ``buyer_name`` is that buyer), name or reference contains ``q``."""
    from suppliers.models import PurchaseOrder

    qs = (
        Partner.objects.visible_to(membership)
        .filter(is_active=True)
        .select_related("score", "score__standing")
        .annotate(
            has_no_score=Case(
                When(score__score__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
    )
    if filters.standing == NO_STANDING:
        qs = qs.filter(Q(score__isnull=True) | Q(score__standing__isnull=True))
    elif filters.standing:
        qs = qs.filter(score__standing_id=int(filters.standing))
    if filters.category:
        qs = qs.filter(score__category=filters.category)
    if filters.buyer:
        orders = PurchaseOrder.objects.visible_to(membership).filter(buyer_name=filters.buyer)
        qs = qs.filter(pk__in=orders.values("partner_id"))
    if filters.q:
        text = filters.q.strip()[:100]
        qs = qs.filter(Q(name__icontains=text) | Q(ref__icontains=text))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["worst"]))


def ranking_choices(membership: Membership) -> dict:
    """The filters' choices: the tenant's standings (best first), the categories in use and the buyers
    named on the member's partners' POs (each sorted, at most 200)."""
    from suppliers.models import PurchaseOrder

    buyers = (
        PurchaseOrder.objects.visible_to(membership)
        .exclude(buyer_name="")
        .order_by("buyer_name")
        .values_list("buyer_name", flat=True)
        .distinct()
    )
    return {
        "standings": list(Standing.objects.visible_to(membership).order_by("rank")),
        "categories": category_choices(membership),
        "buyers": list(buyers[:200]),
    }


def category_choices(membership: Membership) -> list[str]:
    """The categories the member's partners are in (sorted, at most 200)."""
    categories = (
        PartnerScore.objects.visible_to(membership)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    return list(categories[:200])


def scorecard_partner(membership: Membership, partner_pk: int) -> Partner:
    """A partner the member sees, with its score and standing; ``NotInScope`` otherwise (another tenant's,
    one a scoped buyer does not work with, or a supplier asking for another partner)."""
    partner = (
        Partner.objects.visible_to(membership).select_related("score", "score__standing").filter(pk=partner_pk).first()
    )
    if partner is None:
        raise NotInScope()
    return partner


def own_scorecard_partner(membership: Membership) -> Partner:
    """A supplier member's own partner, with its score and standing; ``NotInScope`` for staff."""
    if membership is None or not membership.is_supplier_role or membership.partner_id is None:
        raise NotInScope()
    return scorecard_partner(membership, membership.partner_id)


def score_of(partner: Partner) -> PartnerScore | None:
    """The partner's stored score row, or None before the first run (no query when selected)."""
    try:
        return partner.score
    except PartnerScore.DoesNotExist:
        return None


def window_months(membership: Membership, score: PartnerScore | None, n: int | None = None) -> list[date]:
    """The ``n`` months (the tenant's standing window when not given) ending with the score's last month,
    or with the current month before any score: first days, oldest first."""
    if n is None:
        n = scorecard_rules_for(membership.tenant).standing_months or 1
    last = score.as_of if score is not None else current_month(membership.tenant)
    return months_back(last, n)


def standing_history(membership: Membership, partner: Partner) -> list[StandingChange]:
    """The partner's standing changes, newest first (at most ``HISTORY_MAX``)."""
    return list(
        StandingChange.objects.visible_to(membership)
        .filter(partner=partner)
        .order_by("-changed_at", "-id")[:HISTORY_MAX]
    )


def _dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def score_of_figures(detail: dict) -> Decimal | None:
    """The weighted score of stored per-measure figures (``PartnerScore.figures_12``): the weight-average
    of the measures' scores that have data, as ``catalogue.weighted_score`` takes it; None without any."""
    total = weights = Decimal(0)
    for item in (detail or {}).values():
        score, weight = _dec(item.get("score")), _dec(item.get("weight")) or Decimal(0)
        if score is not None and weight > 0:
            total += score * weight
            weights += weight
    return None if weights == 0 else (total / weights).quantize(Decimal("0.01"), ROUND_HALF_UP)


# What pulls the score down: one rule for pages, PDF, emails and Odoo (``catalogue.points_lost``).
points_lost = catalogue.points_lost


def report_months(tenant) -> list[date]:
    """The months a scorecard PDF can be asked for (``?month=YYYY-MM`` of the report views): the months
    the batch run keeps (``months.KEPT_MONTHS``) up to the tenant's current one, newest first."""
    current = current_month(tenant)
    return [add_months(current, -n) for n in range(KEPT_MONTHS)]
