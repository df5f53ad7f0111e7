"""Posting a message on a purchase order."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal.models import Membership
from portal.services.audit import audit_record
from suppliers.models import PurchaseOrder, PurchaseOrderMessage
from suppliers.selectors import po_get

MAX_LENGTH = 4000


def po_message_post(*, membership: Membership, po_id: int, body: str) -> PurchaseOrderMessage:
    """Save the message and, in the same transaction, the outbox event that takes it to Odoo."""
    body = (body or "").strip()
    # Format characters alone (zero-width space, joiners, BOM) show nothing: no message for a buyer to read.
    if not "".join(c for c in body if unicodedata.category(c) != "Cf").strip():
        raise ValidationError({"body": gettext("Write a message first.")})
    if len(body) > MAX_LENGTH:
        raise ValidationError(
            {
                "body": gettext("Keep it under %(limit)s characters (this one has %(count)s).")
                % {"limit": MAX_LENGTH, "count": len(body)}
            }
        )
    control = next((c for c in body if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
    if control is not None:
        # NUL cannot be stored by PostgreSQL, and no control character belongs in Odoo's chatter.
        raise ValidationError(
            {
                "body": gettext("The message holds a control character (%(char)s); type that part again.")
                % {"char": f"U+{ord(control):04X}"}
            }
        )
    po = po_get(membership=membership, pk=po_id)  # 404 outside the caller's scope
    user = membership.user
    company = membership.partner.name if membership.partner else membership.tenant.name
    label = f"{user.get_full_name() or user.email} ({company})"
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
        message = PurchaseOrderMessage.objects.create(
            tenant=po.tenant, order=po, author=user, author_label=label, body=body
        )
        event = outbox_emit(
            tenant=po.tenant,
            topic=topics.PO_MESSAGE_POSTED,
            aggregate=po,
            payload={"po_odoo_id": po.odoo_id, "body": body, "author": label, "message_id": message.pk},
        )
        message.outbox_event = event
        message.save(update_fields=["outbox_event"])
        audit_record(
            tenant=po.tenant, actor=user, action="po.message_posted", obj=message, changes={"body": [None, body[:200]]}
        )
    return message


def po_mark_seen(*, po: PurchaseOrder) -> None:
    """The supplier opened the order: it is no longer new to them (portal-owned, never pulled)."""
    from django.utils import timezone

    PurchaseOrder.objects.filter(pk=po.pk, supplier_seen_at__isnull=True).update(supplier_seen_at=timezone.now())
