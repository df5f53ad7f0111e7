"""Scoped reads of NCRs for the tenant's staff (engineers, admins, inspectors, buyers); every one goes
through ``visible_to``. A supplier membership reads nothing here: suppliers see what an NCR says only
through their SCARs (``quality.scar_selectors``)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from portal.dates import tenant_today
from portal.models import Membership, Role
from portal.services.errors import NotInScope
from quality.models import Ncr, NcrContainment, NcrDisposition, NcrFile

SEARCH_MAX = 100
SIGNER_ROLES = (Role.QUALITY_ENGINEER, Role.TENANT_ADMIN)


def _staff(membership: Membership | None) -> QuerySet[Ncr]:
    if membership is None or not membership.is_staff_role:
        return Ncr.objects.none()
    return Ncr.objects.visible_to(membership)


def ncrs_for(
    membership: Membership,
    *,
    partner=None,
    product=None,
    defect_code=None,
    status: str | None = None,
    age_days: int | None = None,
    q: str = "",
) -> QuerySet[Ncr]:
    """NCRs ``membership`` may read, open ones first, newest first; each row with partner, product,
    defect codes and lots loaded (a page of them is four queries).

    Filters: ``partner``, ``product``, ``defect_code`` (models or ids); ``status`` (an ``Ncr.Status``
    value, or "active" for open, contained and dispositioned); ``age_days``: opened at least that many
    days ago; ``q``: part of the number, the title or a lot name (case-insensitive, at most 100 characters).
    """
    qs = _staff(membership)
    if partner is not None:
        qs = qs.filter(partner_id=getattr(partner, "pk", partner))
    if product is not None:
        qs = qs.filter(product_id=getattr(product, "pk", product))
    if defect_code is not None:
        qs = qs.filter(defect_codes=getattr(defect_code, "pk", defect_code))
    if status == "active":
        qs = qs.filter(status__in=Ncr.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if age_days is not None:
        qs = qs.filter(created_at__lte=timezone.now() - timedelta(days=age_days))
    q = (q or "").strip()[:SEARCH_MAX]
    if q:
        matching = Ncr.objects.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(lots__lot_name__icontains=q))
        qs = qs.filter(pk__in=matching.values("pk"))
    open_first = Case(When(status__in=Ncr.OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        qs.select_related("partner", "product")
        .prefetch_related("defect_codes", "lots")
        .annotate(closed_rank=open_first)
        .order_by("closed_rank", "-created_at", "-id")
    )


def ncr_get(membership: Membership, pk: int) -> Ncr:
    """One NCR with everything its page shows loaded; ``NotInScope`` (404) outside the member's scope."""
    ncr = (
        _staff(membership)
        .select_related("partner", "product", "inspection", "receipt", "order", "asn", "created_by")
        .prefetch_related(
            "defect_codes",
            "lots__inspection",
            Prefetch("containments", queryset=NcrContainment.objects.select_related("done_by")),
            Prefetch(
                "dispositions",
                queryset=NcrDisposition.objects.select_related(
                    "lot", "proposed_by", "sorted_from", "stock__outbox_event", "outbox_event"
                ).prefetch_related("approvals__signer"),
            ),
            Prefetch("files", queryset=NcrFile.objects.select_related("uploaded_by")),
        )
        .filter(pk=pk)
        .first()
    )
    if ncr is None:
        raise NotInScope()
    return ncr


def _awaiting_mine(membership: Membership) -> QuerySet[NcrDisposition]:
    """Dispositions awaiting a review that ``membership`` may sign (its role, not its own proposal)."""
    if membership is None or membership.role not in SIGNER_ROLES:
        return NcrDisposition.objects.none()
    return (
        NcrDisposition.objects.visible_to(membership)
        .filter(status=NcrDisposition.Status.AWAITING_APPROVAL)
        .exclude(proposed_by_id=membership.user_id)
    )


def ncrs_awaiting_approval(membership: Membership) -> QuerySet[Ncr]:
    """NCRs with a disposition awaiting a review the member may sign, oldest proposal first."""
    pending = _awaiting_mine(membership)
    return (
        _staff(membership)
        .filter(pk__in=pending.values("ncr_id"))
        .select_related("partner", "product")
        .order_by("created_at", "id")
    )


def ncr_counts(membership: Membership) -> dict[str, int]:
    """For the navigation and the dashboard: ``open`` (not closed or cancelled), ``awaiting_my_approval``
    (dispositions the member may sign), ``overdue_containment`` (actions not done past their due date)."""
    if membership is None or not membership.is_staff_role:
        return {"open": 0, "awaiting_my_approval": 0, "overdue_containment": 0}
    overdue = NcrContainment.objects.visible_to(membership).filter(
        ncr__status__in=Ncr.OPEN_STATUSES, done_at__isnull=True, due_date__lt=tenant_today(membership.tenant)
    )
    return {
        "open": _staff(membership).filter(status__in=Ncr.OPEN_STATUSES).count(),
        "awaiting_my_approval": _awaiting_mine(membership).count(),
        "overdue_containment": overdue.count(),
    }
