"""Emails about purchase orders: to the supplier's people and to the buyers who follow them.

Sent by a worker after the change commits, so a slow mail server never holds a page
or a pull.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from portal.models import Membership, Role
from portal.services.mail import readers, send_localized
from suppliers.models import Acknowledgement, PurchaseOrder

# Rendered in each reader's language when the email is (portal.services.mail.send_localized).
SUBJECTS = {
    "po_published": gettext_lazy("New purchase order %(po)s"),
    "po_changed": gettext_lazy("Purchase order %(po)s changed"),
    "po_cancelled": gettext_lazy("Purchase order %(po)s cancelled"),
    "ack_submitted": gettext_lazy("%(po)s: %(partner)s acknowledged with changes"),
    "ack_approved": gettext_lazy("%(po)s: your changes were approved"),
    "ack_declined": gettext_lazy("%(po)s: your changes were declined"),
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
    subject = SUBJECTS[f"ack_{verdict}" if kind == "ack_decided" else kind]
    names = {"po": po.name, "partner": po.partner.name}
    return send_localized(
        readers(to, po.tenant),
        subject=lambda: str(subject) % names,
        template="emails/po_notification.txt",
        context=context,
    )
