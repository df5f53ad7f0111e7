"""Products, mirrored from Odoo (product.product)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from portal.models import TenantOwnedModel


class Product(TenantOwnedModel):
    """A product of the tenant's Odoo, as the portal last pulled it."""

    class Tracking(models.TextChoices):
        NONE = "none", gettext_lazy("Not tracked")
        LOT = "lot", gettext_lazy("By lot")
        SERIAL = "serial", gettext_lazy("By serial number")

    scope_partner_path = None  # product names are not secret among a tenant's members

    odoo_id = models.PositiveIntegerField()
    default_code = models.CharField(gettext_lazy("internal reference"), max_length=120, blank=True)
    name = models.CharField(max_length=255)
    tracking = models.CharField(max_length=8, choices=Tracking.choices, default=Tracking.NONE)
    uom_name = models.CharField(gettext_lazy("unit"), max_length=64, blank=True)
    uses_expiry = models.BooleanField(
        gettext_lazy("lots expire"),
        default=False,
        help_text=gettext_lazy("Odoo tracks expiry dates for its lots (product_expiry)."),
    )
    odoo_write_date = models.CharField(
        max_length=19, blank=True, help_text=gettext_lazy("write_date as Odoo returned it (UTC).")
    )
    odoo_fingerprint = models.CharField(
        max_length=40, blank=True, help_text=gettext_lazy("Digest of the row as last pulled.")
    )

    class Meta:
        ordering = ["default_code", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "odoo_id"], name="product_unique_odoo_id")]

    def __str__(self) -> str:
        return f"[{self.default_code}] {self.name}" if self.default_code else self.name
