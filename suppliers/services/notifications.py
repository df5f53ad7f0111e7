"""Emails about purchase orders: to the supplier's people and to the buyers who follow them.

Sent by a worker after the change commits, so a slow mail server never holds a page
or a pull.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portal.models import Membership, Role
from suppliers.models import Acknowledgement, PurchaseOrder

SUBJECTS = {
    "po_published": "New purchase order {po}",
    "po_changed": "Purchase order {po} changed",
    "po_cancelled": "Purchase order {po} cancelled",
    "ack_submitted": "{po}: {partner} acknowledged with changes",
    "ack_decided": "{po}: your changes were {verdict}",
}


def notify_on_commit(kind: str, object_id: int) -> None:
    from suppliers.tasks import notify_task

    transaction.on_commit(lambda: notify_task.delay(kind, object_id))


def supplier_recipients(po: PurchaseOrder) -> list[str]:
    return sorted(
        Membership.objects.active()
        .filter(tenant=po.tenant, partner=po.partner, role__in=[Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER])
        .exclude(user__is_api_client=True)
        .values_list("user__email", flat=True)
    )


def buyer_recipients(po: PurchaseOrder) -> list[str]:
    staff = Membership.objects.active().filter(tenant=po.tenant, role=Role.BUYER).select_related("user")
    return sorted(m.user.email for m in staff if po.partner_id in _partner_ids(m))


def _partner_ids(membership: Membership) -> set[int]:
    from portal.models import Partner

    return set(Partner.objects.visible_to(membership).values_list("pk", flat=True))


def send(kind: str, object_id: int) -> int:
    """Render and send one notification; answers how many people it went to."""
    if kind.startswith("ack_"):
        ack = Acknowledgement.objects.select_related("order__partner", "order__tenant").filter(pk=object_id).first()
        if ack is None:
            return 0
        po = ack.order
    else:
        ack, po = None, PurchaseOrder.objects.select_related("partner", "tenant").filter(pk=object_id).first()
        if po is None:
            return 0
    to = buyer_recipients(po) if kind == "ack_submitted" else supplier_recipients(po)
    if not to:
        return 0
    verdict = ""
    if ack is not None and kind == "ack_decided":
        verdict = "approved" if ack.status == Acknowledgement.Status.APPROVED else "declined"
    context = {
        "kind": kind,
        "po": po,
        "ack": ack,
        "verdict": verdict,
        "tenant": po.tenant,
        "url": settings.PORTAL_BASE_URL + reverse("po_detail", args=[po.tenant.slug, po.pk]),
    }
    subject = SUBJECTS[kind].format(po=po.name, partner=po.partner.name, verdict=verdict)
    send_mail(
        subject=subject,
        message=render_to_string("emails/po_notification.txt", context),
        from_email=None,
        recipient_list=to,
    )
    return len(to)
