"""What an inspector records on an inspection: one result per sample unit and characteristic, and
photos of the lot or of a unit.

Results are appended, never edited: typing a cell again before sign-off adds a row and marks the
one before ``superseded``, so the report can show what was corrected and a late resend of an
older value never overwrites a newer one (each row carries the ``client_key`` the tablet gave it;
a resend of a key finds its row). Only rows not superseded count for the verdict.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import TenantOwnedModel

# A phone or tablet camera's JPEG is 2-6 MB; more is not a photo of a part.
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def photo_storage() -> FileSystemStorage:
    """Photos live under the var dir, never under a public URL: they are served by a scoped view."""
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "media")


def photo_path(photo: InspectionPhoto, filename: str) -> str:
    # The name the tablet sent says nothing we keep: the content type decided the extension.
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(photo.content_type, "bin")
    return f"quality/{photo.tenant_id}/inspections/{photo.inspection_id}/{uuid.uuid4().hex}.{extension}"


class InspectionResult(TenantOwnedModel):
    """One check of one sample unit (1..n) against one characteristic.

    ``value``: the measurement in the characteristic's unit (measured characteristics);
    ``passed``: the pass/fail of an attribute or visual one. ``defect`` is computed when recorded
    (outside the tolerance limits, or failed), never typed.
    """

    scope_partner_path = "inspection__partner"

    inspection = models.ForeignKey("quality.Inspection", on_delete=models.CASCADE, related_name="results")
    unit = models.PositiveIntegerField(help_text=_("Sample unit number, 1..n."))
    characteristic = models.ForeignKey("quality.Characteristic", on_delete=models.PROTECT, related_name="results")
    value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    defect = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    superseded = models.BooleanField(default=False, help_text=_("Typed again later: the newer row counts."))
    client_key = models.CharField(max_length=64, help_text=_("The tablet's idempotency key for this entry."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "unit", "characteristic__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "client_key"], name="result_unique_client_key"),
            models.UniqueConstraint(
                fields=["inspection", "unit", "characteristic"],
                condition=Q(superseded=False),
                name="result_unique_current_cell",
            ),
        ]

    def __str__(self) -> str:
        shown = self.value if self.value is not None else ("pass" if self.passed else "fail")
        return f"Unit {self.unit}, {self.characteristic}: {shown}"


class InspectionPhoto(TenantOwnedModel):
    """A photo of the lot (no ``unit``) or of one sample unit, from the tablet's camera."""

    scope_partner_path = "inspection__partner"

    inspection = models.ForeignKey("quality.Inspection", on_delete=models.CASCADE, related_name="photos")
    unit = models.PositiveIntegerField(null=True, blank=True)
    characteristic = models.ForeignKey(
        "quality.Characteristic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to=photo_path, storage=photo_storage, max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(help_text=_("Bytes."))
    note = models.CharField(max_length=200, blank=True)
    shared_with_supplier = models.BooleanField(
        default=False, help_text=_("The engineer chose to show it to the supplier with the inspection's outcome.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "uploaded_at", "id"]

    def __str__(self) -> str:
        return _("Photo of unit %(unit)s") % {"unit": self.unit} if self.unit else str(_("Photo of the lot"))
