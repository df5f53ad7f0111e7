"""Purchase orders and their lines, mirrored from Odoo: Odoo owns every field here."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy

from portal.models import TenantOwnedModel, TenantScopedQuerySet
from suppliers.quantities import quantity_field


class PurchaseOrderQuerySet(TenantScopedQuerySet):
    def published(self) -> PurchaseOrderQuerySet:
        """What a supplier sees: not the buyer's drafts."""
        return self.exclude(state=PurchaseOrder.State.DRAFT)


class AckStatus(models.TextChoices):
    """Where the supplier's acknowledgement of a PO stands (portal-owned, kept on the PO for lists)."""

    NONE = "", gettext_lazy("To acknowledge")
    PENDING = "pending", gettext_lazy("Awaiting buyer")
    ACCEPTED = "accepted", gettext_lazy("Acknowledged")
    DECLINED = "declined", gettext_lazy("Changes declined")
    OUTDATED = "outdated", gettext_lazy("Changed since acknowledgement")
    REJECTED = "rejected", gettext_lazy("Rejected by supplier")


class PurchaseOrder(TenantOwnedModel):
    """A purchase order of the tenant's Odoo (purchase.order), as last pulled."""

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("RFQ")
        SENT = "sent", gettext_lazy("RFQ sent")
        TO_APPROVE = "to approve", gettext_lazy("To approve")
        PURCHASE = "purchase", gettext_lazy("Purchase order")
        DONE = "done", gettext_lazy("Locked")
        CANCEL = "cancel", gettext_lazy("Cancelled")

    class ReceiptStatus(models.TextChoices):
        NONE = "", gettext_lazy("Nothing to receive")
        PENDING = "pending", gettext_lazy("Not received")
        PARTIAL = "partial", gettext_lazy("Partly received")
        FULL = "full", gettext_lazy("Received")

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="purchase_orders")
    odoo_id = models.PositiveIntegerField()
    name = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices)
    partner_ref = models.CharField(gettext_lazy("supplier reference"), max_length=120, blank=True)
    date_order = models.DateTimeField(null=True, blank=True)
    date_approve = models.DateTimeField(gettext_lazy("confirmed"), null=True, blank=True)
    date_planned = models.DateTimeField(gettext_lazy("expected"), null=True, blank=True)
    amount_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    currency_code = models.CharField(max_length=3, blank=True)
    receipt_status = models.CharField(max_length=8, choices=ReceiptStatus.choices, blank=True)
    buyer_name = models.CharField(max_length=120, blank=True)
    ship_to = models.CharField(
        gettext_lazy("deliver to"), max_length=120, blank=True, help_text=gettext_lazy("Odoo's receipt operation type.")
    )
    ship_to_odoo_id = models.PositiveIntegerField(null=True, blank=True)
    ship_to_address = models.TextField(
        gettext_lazy("delivery address"),
        blank=True,
        help_text=gettext_lazy(
            "Where the goods go, one line each (name, street, zip and city, country), as pulled: the "
            "dropship address, else the address of the warehouse of the receipt's operation type."
        ),
    )
    odoo_write_date = models.CharField(
        max_length=19, blank=True, help_text=gettext_lazy("write_date as Odoo returned it (UTC).")
    )
    odoo_fingerprint = models.CharField(
        max_length=40, blank=True, help_text=gettext_lazy("Digest of the row as last pulled.")
    )
    pulled_at = models.DateTimeField(auto_now=True)
    # Derived at pull time from the lines: "late" is then one indexed comparison, not a subquery per order.
    open_due_date = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("Earliest expected date of a line with goods still to come.")
    )
    # Kept by save() from state, receipt and acknowledgement: "needs action first" is then an index
    # order (rank, then the earliest open date, so late orders lead their rank), not a sort of every row.
    action_rank = models.PositiveSmallIntegerField(default=3, editable=False)
    # Portal-owned: pulls never touch it (ARCHITECTURE section 5).
    supplier_seen_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When the supplier first opened it.")
    )
    ack_status = models.CharField(
        gettext_lazy("acknowledgement"), max_length=12, choices=AckStatus.choices, blank=True, default=AckStatus.NONE
    )

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-date_order", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "odoo_id"], name="po_unique_odoo_id")]
        indexes = [
            models.Index(fields=["tenant", "partner", "state"], name="po_partner_state_idx"),
            models.Index(fields=["tenant", "ack_status", "date_planned"], name="po_ack_status_idx"),
            models.Index(fields=["tenant", "open_due_date"], name="po_open_due_idx"),
            models.Index(fields=["tenant", "action_rank", "open_due_date", "id"], name="po_action_idx"),
            models.Index(fields=["partner", "action_rank", "open_due_date", "id"], name="po_partner_action_idx"),
            models.Index(fields=["partner", "id"], name="po_partner_id_idx"),
            # The dock's scan finds a PO by its name as printed, in any case (quality.selectors.inspection_find).
            models.Index(models.F("tenant"), Upper("name"), name="po_name_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """Its page (the tenant's slug is in the URL: load ``tenant`` with it when listing many)."""
        from django.urls import reverse

        return reverse("po_detail", args=[self.tenant.slug, self.pk])

    def save(self, *args, **kwargs) -> None:
        self.action_rank = self.compute_action_rank()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "action_rank"}
        super().save(*args, **kwargs)

    def compute_action_rank(self) -> int:
        if not self.is_open:
            return 3
        if self.ack_status in (AckStatus.NONE, AckStatus.DECLINED, AckStatus.OUTDATED):
            return 0
        return 1 if self.ack_status == AckStatus.PENDING else 2

    @property
    def is_open(self) -> bool:
        # A locked order (18: state "done"; 19: ``locked``, pulled as "done") still receives: with the
        # company's "lock confirmed orders" setting every order is locked at approval.
        return self.state in (self.State.PURCHASE, self.State.DONE) and self.receipt_status != self.ReceiptStatus.FULL

    @property
    def needs_acknowledgement(self) -> bool:
        return self.is_open and self.ack_status in (AckStatus.NONE, AckStatus.DECLINED, AckStatus.OUTDATED)


class PurchaseOrderLine(TenantOwnedModel):
    """A line of a purchase order (purchase.order.line), as last pulled."""

    scope_partner_path = "order__partner"

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    odoo_id = models.PositiveIntegerField()
    sequence = models.IntegerField(default=10)
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, null=True, blank=True)
    description = models.TextField()
    vendor_product_code = models.CharField(gettext_lazy("supplier's product code"), max_length=120, blank=True)
    quantity = quantity_field()
    uom_name = models.CharField(gettext_lazy("unit"), max_length=64, blank=True)
    price_unit = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    date_planned = models.DateTimeField(gettext_lazy("expected"), null=True, blank=True)
    qty_received = quantity_field(default=0)
    odoo_write_date = models.CharField(max_length=19, blank=True)

    class Meta:
        ordering = ["order", "sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "odoo_id"], name="po_line_unique_odoo_id")]

    def __str__(self) -> str:
        return f"{self.order} / {self.description[:40]}"

    @property
    def qty_open(self):
        return max(self.quantity - self.qty_received, 0)
