"""Scoped reads of a supplier's own scorecard: its stored score, periods and what it can act on.

Every read starts from the membership's own partner (``membership.partner_id``) through ``visible_to``,
so another partner's figures cannot be reached from here whatever the caller passes. Nothing here
computes a figure: the batch run (``quality.scorecards.engine``) stored them; pages and the API only read.

What a supplier sees of the measures: every one of ``catalogue.MEASURES`` except the cost of poor quality,
which it sees only when the tenant shares costs with suppliers (``QualityRules.share_costs``, the same
switch as the NCR costs on its corrective action pages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from portal.dates import tenant_today, tenant_zone
from portal.models import Membership
from quality.models import PartnerScore, ScorecardPeriod, ScorecardRules, quality_rules_for
from quality.models.scars import Scar, ScarStep

from . import catalogue
from .months import months_back

COST_MEASURES = ("copq",)
DEFAULT_LIMIT = 10


def supplier_measures(membership: Membership) -> list[str]:
    """The measure keys this supplier may see, in catalogue order: all but ``copq`` unless costs are shared."""
    shared = quality_rules_for(membership.tenant).share_costs
    return [key for key in catalogue.MEASURES if shared or key not in COST_MEASURES]


def supplier_score(membership: Membership) -> PartnerScore | None:
    """The membership's own partner's current ``PartnerScore`` (standing loaded), or None before its first run."""
    if not membership.partner_id:
        return None
    return (
        PartnerScore.objects.visible_to(membership)
        .filter(partner_id=membership.partner_id)
        .select_related("standing")
        .first()
    )


def supplier_periods(membership: Membership, months: list[dt.date]) -> QuerySet[ScorecardPeriod]:
    """The partner's stored periods among ``months`` (first days), oldest first; a month without a row had no data."""
    if not membership.partner_id:
        return ScorecardPeriod.objects.none()
    return (
        ScorecardPeriod.objects.visible_to(membership)
        .filter(partner_id=membership.partner_id, month__in=months)
        .order_by("month")
    )


def supplier_period(membership: Membership, month: dt.date) -> ScorecardPeriod | None:
    """One month's stored period of the partner (``month`` a first day), or None (no data that month)."""
    return supplier_periods(membership, [month]).first()


def window_months(rules: ScorecardRules, as_of: dt.date) -> list[dt.date]:
    """The standing window ending with ``as_of``'s month, oldest first: as many months as the engine
    scored over (``engine.window_length`` of ``rules.standing_months``)."""
    from .engine import window_length

    return months_back(as_of, window_length(rules.standing_months))


def last_12_months(as_of: dt.date) -> list[dt.date]:
    return months_back(as_of, 12)


@dataclass
class MeasureRow:
    """One measure as the supplier's page shows it; values are the stored strings (None: no data), ``detail``
    and ``detail_12`` the stored items of ``PartnerScore.figures`` / ``figures_12`` ({} before any run)."""

    key: str
    label: str
    unit: str
    help: str
    higher_is_better: bool
    value: str | None
    value_12: str | None
    target: str | None
    score: str | None
    weight: str | None
    scored: bool
    below_target: bool = False  # misses its target (below it, or above it where lower is better)
    detail: dict = field(default_factory=dict)
    detail_12: dict = field(default_factory=dict)
    points: Decimal | None = None  # points of the score it costs, when it pulls the score down

    @property
    def value_text(self) -> str:
        """The window's figure as every page writes it (``catalogue.format_detail``): the cost per currency
        for ``copq``, NCRs with their severities, ASN accuracy with the receipts announced before arrival."""
        return catalogue.format_detail(self.key, self.detail)

    @property
    def value_12_text(self) -> str:
        return catalogue.format_detail(self.key, self.detail_12)

    @property
    def parts(self) -> tuple[str, str]:
        """The window's ``(figure, note)`` for the table, the note on a line of its own (``detail_parts``)."""
        return catalogue.detail_parts(self.key, self.detail)

    @property
    def parts_12(self) -> tuple[str, str]:
        return catalogue.detail_parts(self.key, self.detail_12)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        figure = {"figure": shown(self.target, self.unit)}
        return (gettext("at least %(figure)s") if self.higher_is_better else gettext("at most %(figure)s")) % figure


def shown(value: str | None, unit: str) -> str:
    """A stored figure in words with its unit: ``"93.5 %"``, ``"1,250 PPM"``, ``"2"``; "no data" for None
    (``catalogue.format_figure``)."""
    return catalogue.format_figure(None if value in (None, "") else Decimal(str(value)), unit)


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _below(detail: dict) -> bool:
    score = detail.get("score")
    return score is not None and _dec(score) < catalogue.HUNDRED


def measure_rows(score: PartnerScore | None, keys: list[str]) -> list[MeasureRow]:
    """The rows of ``keys`` from the stored window and 12-month figures (all "no data" before the first run,
    ``score`` None); the cost of poor quality per currency is stored beside them (``catalogue.details``)."""
    rows = []
    for key in keys:
        m = catalogue.MEASURES[key]
        window = ((score.figures if score else None) or {}).get(key) or {}
        twelve = ((score.figures_12 if score else None) or {}).get(key) or {}
        rows.append(
            MeasureRow(
                key=key,
                label=m.label,
                unit=m.unit,
                help=m.help,
                higher_is_better=m.higher_is_better,
                value=window.get("value"),
                value_12=twelve.get("value"),
                target=window.get("target") if m.scored else None,
                score=window.get("score"),
                weight=window.get("weight"),
                scored=m.scored,
                below_target=m.scored and _below(window),
                detail=window,
                detail_12=twelve,
            )
        )
    return rows


def pulling_down(
    score: PartnerScore, rows: list[MeasureRow], limit: int = catalogue.PULLING_DOWN_MAX
) -> list[MeasureRow]:
    """The shown measures that miss their target and cost the score most points (``catalogue.points_lost``,
    the same order as the staff's scorecard and the emails), at most ``limit``; each row gets ``points``."""
    by_key = {row.key: row for row in rows}
    out = []
    for key, points in catalogue.points_lost(score.figures or {}):
        if key in by_key and points > 0:
            by_key[key].points = points
            out.append(by_key[key])
    return out[:limit]


def open_scar_steps(membership: Membership, limit: int = DEFAULT_LIMIT) -> tuple[list[ScarStep], int]:
    """The partner's 8D steps waiting for its answer on open SCARs, due first; and how many there are.

    Each step carries ``overdue`` (its due day, in the tenant's calendar, has passed)."""
    if not membership.partner_id:
        return [], 0
    steps = ScarStep.objects.visible_to(membership).filter(
        scar__partner_id=membership.partner_id, scar__status=Scar.Status.OPEN, status__in=ScarStep.WAITING_SUPPLIER
    )
    today = tenant_today(membership.tenant)
    rows = list(steps.select_related("scar").order_by("due_date", "scar_id", "code")[:limit])
    for step in rows:
        step.overdue = step.due_date < today
    return rows, steps.count()


def late_po_lines(membership: Membership, limit: int = DEFAULT_LIMIT) -> tuple[list, int]:
    """The partner's open PO lines (goods still to come) past their promised day; latest first-due first.

    The promised day is the one of the newest acknowledgement that went to Odoo (accepted or approved),
    else the line's expected date as a day in the tenant's calendar; lines the supplier rejected are left
    out. Rows are ``PurchaseOrderLine`` with ``promised`` (a date) and ``order`` loaded; and the count.
    """
    from suppliers.models import Acknowledgement, AcknowledgementLine, PurchaseOrderLine

    if not membership.partner_id:
        return [], 0
    answers = AcknowledgementLine.objects.filter(
        order_line=OuterRef("pk"),
        acknowledgement__status__in=[Acknowledgement.Status.ACCEPTED, Acknowledgement.Status.APPROVED],
    ).order_by("-acknowledgement__version", "-id")
    tz = tenant_zone(membership.tenant)
    lines = (
        PurchaseOrderLine.objects.visible_to(membership)
        .filter(order__partner_id=membership.partner_id, order__state__in=["purchase", "done"])
        .filter(qty_received__lt=F("quantity"))
        .annotate(
            decision=Subquery(answers.values("decision")[:1]),
            promised=Coalesce(Subquery(answers.values("promised_date")[:1]), TruncDate("date_planned", tzinfo=tz)),
        )
        .filter(promised__lt=tenant_today(membership.tenant))
        # Not ``exclude``: the decision is NULL for a line no acknowledgement answered, and NULL <> 'reject'
        # is not true in SQL.
        .filter(Q(decision__isnull=True) | ~Q(decision__in=[AcknowledgementLine.Decision.REJECT]))
    )
    rows = list(lines.select_related("order", "product").order_by("promised", "order_id", "sequence", "id")[:limit])
    return rows, lines.count()


def asns_to_correct(membership: Membership, limit: int = DEFAULT_LIMIT) -> tuple[list, int]:
    """The partner's shipments that need its hand: drafts not yet announced (an ASN sent after the goods
    arrive counts against "ASN before arrival"), and open ones whose receipt in Odoo did not match them or
    whose orders changed after they were announced. Rows are ``Asn`` with ``reason`` (words); and the count."""
    from suppliers.models import Asn

    if not membership.partner_id:
        return [], 0
    mismatched = ~Q(odoo_mismatches=[]) | ~Q(order_changes=[])
    asns = Asn.objects.visible_to(membership).filter(partner_id=membership.partner_id)
    asns = asns.filter(Q(status=Asn.Status.DRAFT) | (Q(status__in=Asn.OPEN_STATUSES) & mismatched))
    rows = list(asns.order_by("created_at", "id")[:limit])
    for asn in rows:
        if asn.status == Asn.Status.DRAFT:
            asn.reason = _("Draft: submit it before the goods arrive.")
        elif asn.odoo_mismatches:
            asn.reason = _("The receipt in Odoo differs from what it announced.")
        else:
            asn.reason = _("Its orders changed after it was announced.")
    return rows, asns.count()


def month_of(text: str) -> dt.date | None:
    """``YYYY-MM`` as the month's first day, or None when it is not one (month 1-12, year 2000-2099)."""
    if not (text.isascii() and len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)
