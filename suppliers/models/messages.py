"""Messages about a purchase order, written in the portal and sent to the PO's chatter in Odoo."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import TenantOwnedModel


class PurchaseOrderMessage(TenantOwnedModel):
    """A note from a supplier or buyer on a PO; the portal owns it and pushes it to Odoo."""

    scope_partner_path = "order__partner"

    order = models.ForeignKey("suppliers.PurchaseOrder", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message on {self.order} by {self.author_label}"
