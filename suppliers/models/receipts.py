"""Incoming receipts, mirrored from Odoo (stock.picking of type incoming, with moves and lots)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy

from portal.models import TenantOwnedModel
from suppliers.quantities import quantity_field


class Receipt(TenantOwnedModel):
    """A receipt (or its backorder) of goods from a supplier, as Odoo holds it."""

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        WAITING = "waiting", gettext_lazy("Waiting another operation")
        CONFIRMED = "confirmed", gettext_lazy("Waiting")
        ASSIGNED = "assigned", gettext_lazy("Ready")
        DONE = "done", gettext_lazy("Done")
        CANCEL = "cancel", gettext_lazy("Cancelled")

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="receipts")
    order = models.ForeignKey(
        "suppliers.PurchaseOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    odoo_id = models.PositiveIntegerField()
    name = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices)
    scheduled_date = models.DateTimeField(null=True, blank=True)
    date_done = models.DateTimeField(null=True, blank=True)
    destination = models.CharField(max_length=200, blank=True)
    backorder_of_odoo_id = models.PositiveIntegerField(null=True, blank=True)
    odoo_write_date = models.CharField(max_length=19, blank=True)
    odoo_fingerprint = models.CharField(
        max_length=40, blank=True, help_text=gettext_lazy("Digest of the row as last pulled.")
    )

    class Meta:
        ordering = ["-scheduled_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "odoo_id"], name="receipt_unique_odoo_id")]
        # The dock's scan finds a receipt by its name as printed, in any case (quality.selectors.inspection_find).
        indexes = [models.Index(models.F("tenant"), Upper("name"), name="receipt_name_upper_idx")]

    def __str__(self) -> str:
        return self.name


class ReceiptMove(TenantOwnedModel):
    """One product of a receipt: what was expected and what arrived, by lot."""

    scope_partner_path = "receipt__partner"

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="moves")
    odoo_id = models.PositiveIntegerField()
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, null=True, blank=True)
    order_line = models.ForeignKey("suppliers.PurchaseOrderLine", on_delete=models.SET_NULL, null=True, blank=True)
    quantity_expected = quantity_field()
    quantity_done = quantity_field(default=0)
    state = models.CharField(max_length=24)
    lots = models.JSONField(default=list, blank=True, help_text='[{"lot": "LOT-A", "quantity": 6.0}]')

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "odoo_id"], name="receipt_move_unique_odoo_id")]

    def __str__(self) -> str:
        return f"{self.receipt} / {self.product}"
