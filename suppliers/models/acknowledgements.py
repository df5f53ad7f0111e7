"""A supplier's acknowledgement of a purchase order: per line, accept, promise or reject."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from portal.lifecycle import Lifecycle, Transition
from portal.models import TenantOwnedModel
from suppliers.quantities import quantity_field


class Acknowledgement(TenantOwnedModel):
    """One version of a supplier's answer to a PO; every version is kept as history."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Awaiting buyer")
        ACCEPTED = "accepted", gettext_lazy("Within tolerance")
        APPROVED = "approved", gettext_lazy("Approved by buyer")
        DECLINED = "declined", gettext_lazy("Declined by buyer")
        SUPERSEDED = "superseded", gettext_lazy("Replaced by a newer version")

    # Every status change goes through this table (portal.lifecycle), which audits it. A version is
    # created accepted (within tolerance) or pending (for a buyer); a newer version supersedes a
    # pending one, its own entry saying so.
    lifecycle = Lifecycle(
        initial=(Status.ACCEPTED, Status.PENDING),
        transitions=[
            Transition("approve", sources=(Status.PENDING,), targets=(Status.APPROVED,), action="po.ack_approved"),
            Transition("decline", sources=(Status.PENDING,), targets=(Status.DECLINED,), action="po.ack_declined"),
            Transition("supersede", sources=(Status.PENDING,), targets=(Status.SUPERSEDED,)),
        ],
    )

    class Source(models.TextChoices):
        WEB = "web", gettext_lazy("Portal")
        API = "api", gettext_lazy("API")

    scope_partner_path = "order__partner"

    order = models.ForeignKey("suppliers.PurchaseOrder", on_delete=models.CASCADE, related_name="acknowledgements")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    supplier_ref = models.CharField(gettext_lazy("your order reference"), max_length=120, blank=True)
    comment = models.TextField(blank=True)
    has_changes = models.BooleanField(default=False)
    has_rejections = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    outdated_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When Odoo changed the PO after this answer.")
    )
    outdated_changes = models.JSONField(default=dict, blank=True)
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="ack_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.order} acknowledgement v{self.version}"

    @property
    def goes_to_odoo(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.APPROVED)


class AcknowledgementLine(TenantOwnedModel):
    """The supplier's answer for one PO line, with what the PO asked at that time."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", gettext_lazy("Accept")
        CHANGE = "change", gettext_lazy("Promise another date or quantity")
        REJECT = "reject", gettext_lazy("Reject")

    scope_partner_path = "acknowledgement__order__partner"

    acknowledgement = models.ForeignKey(Acknowledgement, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "suppliers.PurchaseOrderLine", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    line_odoo_id = models.PositiveIntegerField()
    description = models.TextField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    requested_qty = quantity_field()
    requested_date = models.DateField(null=True, blank=True)
    promised_qty = quantity_field(null=True, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    reason = models.CharField(gettext_lazy("reason"), max_length=500, blank=True)
    within_tolerance = models.BooleanField(default=True)
    uom_name = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["acknowledgement", "id"]

    def __str__(self) -> str:
        return f"{self.acknowledgement} / {self.description[:40]}"

    @property
    def date_delta_days(self) -> int | None:
        if self.promised_date and self.requested_date:
            return (self.promised_date - self.requested_date).days
        return None
