"""Scoped reads of purchase orders: every page and API view goes through these."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.models import Membership
from suppliers.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderMessage

PO_FILTERS = {
    "open": Q(state="purchase") & ~Q(receipt_status="full"),
    "rfq": Q(state__in=["sent", "to approve"]),
    "partial": Q(receipt_status="partial"),
    "received": Q(receipt_status="full") | Q(state="done"),
    "cancelled": Q(state="cancel"),
}


def po_list(*, membership: Membership, query: str = "", status: str = "") -> QuerySet[PurchaseOrder]:
    qs = PurchaseOrder.objects.visible_to(membership).published().select_related("partner")
    if status in PO_FILTERS:
        qs = qs.filter(PO_FILTERS[status])
    if query := query.strip():
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(partner_ref__icontains=query)
            | Q(partner__name__icontains=query)
            | Q(lines__product__default_code__icontains=query)
            | Q(lines__description__icontains=query)
        ).distinct()
    return qs.annotate(line_count=Count("lines")).order_by("-date_approve", "-date_order", "-id")


def po_counts(*, membership: Membership) -> dict[str, int]:
    qs = PurchaseOrder.objects.visible_to(membership).published()
    return qs.aggregate(**{key: Count("pk", filter=condition) for key, condition in PO_FILTERS.items()})


def po_get(*, membership: Membership, pk: int) -> PurchaseOrder:
    return get_object_or_404(PurchaseOrder.objects.visible_to(membership).published().select_related("partner"), pk=pk)


def po_lines(*, po: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    return po.lines.select_related("product").order_by("sequence", "id")


def po_messages(*, po: PurchaseOrder) -> QuerySet[PurchaseOrderMessage]:
    return po.messages.select_related("outbox_event").order_by("created_at", "id")
