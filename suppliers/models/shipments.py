"""Advance shipment notices (ASNs): what a supplier ships, in which packages, with which lots.

The portal owns all of it and pushes it to the PO's incoming receipt in Odoo.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy

from portal.lifecycle import Lifecycle, Transition
from portal.models import TenantOwnedModel
from suppliers.quantities import plain, quantity_field, weight_field


class TenantCounter(models.Model):
    """Numbers that must be unique per tenant (ASN numbers, SSCC serials), taken under a row lock."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=32)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="counter_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class Asn(TenantOwnedModel):
    """A shipment a supplier announces: header, lines of its POs, packages, lots and certificates."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        IN_TRANSIT = "in_transit", gettext_lazy("In transit")
        PARTIAL = "partial", gettext_lazy("Partly received")
        RECEIVED = "received", gettext_lazy("Received")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    OPEN_STATUSES = (Status.SUBMITTED, Status.IN_TRANSIT, Status.PARTIAL)
    # Every status change goes through this table (portal.lifecycle): it refuses any other, and
    # writes the audit entry. A submission is guarded by everything that stops a draft.
    lifecycle = Lifecycle(
        transitions=[
            Transition(
                "submit",
                sources=(Status.DRAFT,),
                targets=(Status.SUBMITTED, Status.IN_TRANSIT),  # in transit at once when it ships today
                action="asn.submitted",
                guard="suppliers.services.asn_checks.asn_problems",
            ),
            Transition("ship", sources=(Status.SUBMITTED,), targets=(Status.IN_TRANSIT,), action="asn.shipped"),
            Transition(
                "receive_part",
                sources=(Status.SUBMITTED, Status.IN_TRANSIT),
                targets=(Status.PARTIAL,),
                action="asn.partly_received",
            ),
            Transition("receive", sources=OPEN_STATUSES, targets=(Status.RECEIVED,), action="asn.received"),
            Transition(
                "cancel",
                sources=(Status.DRAFT, *OPEN_STATUSES),  # what a receipt brought stays received
                targets=(Status.CANCELLED,),
                action="asn.cancelled",
            ),
        ]
    )

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="asns")
    number = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    orders = models.ManyToManyField("suppliers.PurchaseOrder", related_name="asns")
    ship_date = models.DateField(null=True, blank=True)
    eta = models.DateTimeField(gettext_lazy("expected arrival"), null=True, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    odoo_mismatches = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("What Odoo's receipt did not match.")
    )
    order_changes = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy(
            "What changed on its orders in Odoo after it was announced (cancelled, lines removed or cut)."
        ),
    )
    receipts = models.ManyToManyField(
        "suppliers.Receipt",
        blank=True,
        related_name="asns",
        help_text=gettext_lazy("Receipts done in Odoo that brought its goods."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="asn_unique_number")]
        indexes = [models.Index(fields=["tenant", "partner", "status"], name="asn_partner_status_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        """Its page (the tenant's slug is in the URL: load ``tenant`` with it when listing many)."""
        from django.urls import reverse

        return reverse("asn_detail", args=[self.tenant.slug, self.pk])

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def cancellable(self) -> bool:
        return self.lifecycle.allows(self, "cancel")


class AsnLine(TenantOwnedModel):
    """A quantity of one PO line in the shipment."""

    scope_partner_path = "asn__partner"

    asn = models.ForeignKey(Asn, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("suppliers.PurchaseOrderLine", on_delete=models.PROTECT, related_name="asn_lines")
    quantity = quantity_field()
    uom_name = models.CharField(max_length=64, blank=True)
    received_before = quantity_field(
        default=0,
        help_text=gettext_lazy("What the PO line had received when the ASN was submitted."),
    )
    quantity_received = quantity_field(
        default=0,
        help_text=gettext_lazy(
            "What receipts done in Odoo brought of this line (decided from their lots and quantities)."
        ),
    )

    class Meta:
        ordering = ["asn", "id"]
        constraints = [models.UniqueConstraint(fields=["asn", "order_line"], name="asn_line_once_per_po_line")]

    def __str__(self) -> str:
        return f"{self.asn} / {self.order_line.description[:40]}"

    @property
    def tracking(self) -> str:
        product = self.order_line.product
        return product.tracking if product else "none"

    @property
    def quantity_open(self):
        """What is still on its way (announced, not yet on a done receipt)."""
        return max(self.quantity - self.quantity_received, Decimal(0))


class Package(TenantOwnedModel):
    """A handling unit (carton, pallet) with its SSCC-18, unique in the tenant, numbered once it holds something."""

    class Kind(models.TextChoices):
        CARTON = "carton", gettext_lazy("Carton")
        PALLET = "pallet", gettext_lazy("Pallet")
        CRATE = "crate", gettext_lazy("Crate")

    scope_partner_path = "asn__partner"

    asn = models.ForeignKey(Asn, on_delete=models.CASCADE, related_name="packages")
    sscc = models.CharField(
        gettext_lazy("SSCC"), max_length=18, blank=True, help_text=gettext_lazy("Given when it first holds something.")
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CARTON)
    weight_kg = weight_field("gross weight (kg)", null=True, blank=True)

    class Meta:
        ordering = ["asn", "id"]
        # An empty package has no SSCC yet (""): it is numbered once it holds something.
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sscc"], condition=~models.Q(sscc=""), name="package_unique_sscc")
        ]

    def __str__(self) -> str:
        return self.sscc


class AsnItem(TenantOwnedModel):
    """What a package holds of a line: a lot or serial (for tracked products) and its quantity."""

    scope_partner_path = "asn__partner"

    asn = models.ForeignKey(Asn, on_delete=models.CASCADE, related_name="items")
    line = models.ForeignKey(AsnLine, on_delete=models.CASCADE, related_name="items")
    package = models.ForeignKey(Package, on_delete=models.SET_NULL, null=True, blank=True, related_name="items")
    lot_name = models.CharField(gettext_lazy("lot or serial"), max_length=80, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    quantity = quantity_field()
    quantity_received = quantity_field(
        default=0, help_text=gettext_lazy("What done receipts brought of this lot or serial.")
    )

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line} {self.lot_name or ''} x {self.quantity}"


def certificate_path(instance: Certificate, filename: str) -> str:
    return f"tenants/{instance.tenant_id}/asn/{instance.asn_id}/{instance.sha256[:16]}-{filename}"


class Certificate(TenantOwnedModel):
    """A certificate of conformance or analysis, for a line or one of its lots."""

    class Kind(models.TextChoices):
        COC = "coc", gettext_lazy("Certificate of conformance")
        COA = "coa", gettext_lazy("Certificate of analysis")
        OTHER = "other", gettext_lazy("Other document")

    scope_partner_path = "asn__partner"

    asn = models.ForeignKey(Asn, on_delete=models.CASCADE, related_name="certificates")
    # PROTECT: a certificate has a life of its own; editing the lines never takes it away (removing it is
    # an explicit, audited action: asn_remove_certificate).
    line = models.ForeignKey(AsnLine, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates")
    lot_name = models.CharField(max_length=80, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.COC)
    file = models.FileField(upload_to=certificate_path)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asn", "id"]

    def __str__(self) -> str:
        return self.filename


VALUE_DIGITS = 18  # a certificate value: 12 digits before the point, 6 after (a measurement, not a quantity)
VALUE_PLACES = 6


class AsnItemValue(TenantOwnedModel):
    """A value the supplier's certificate gives for one lot (an ``AsnItem``): "Hardness 42.5 HRC".

    ``name`` is the characteristic as the supplier calls it; quality matches it to its plan's
    characteristics by name, case-insensitively (one value per name and lot).
    """

    scope_partner_path = "item__asn__partner"

    item = models.ForeignKey(AsnItem, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=80)
    value = models.DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES)
    unit = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["item", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), "item", name="asn_item_value_once_per_name")]

    def __str__(self) -> str:
        return f"{self.name} = {self.value} {self.unit}".strip()

    @property
    def value_text(self) -> str:
        """The value as people write it (no trailing zeros), in the active language's decimal mark."""
        return plain(self.value).replace(".", get_format("DECIMAL_SEPARATOR"))
