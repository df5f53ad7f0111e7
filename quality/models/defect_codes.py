"""The tenant's catalogue of defect codes, named on NCRs and matched by the SCAR effectiveness check."""

from __future__ import annotations

from django.db import models

from portal.models import TenantOwnedModel

from .defects import DefectClass


class DefectCode(TenantOwnedModel):
    """One kind of nonconformity the tenant names the same way every time ("BURR", "DIM-HOLE").

    ``code`` is what NCRs, SCARs and scorecards count by; an inactive code stays on the records
    that name it and is no longer offered for new ones.
    """

    scope_partner_path = None

    code = models.CharField(max_length=24)
    description = models.CharField(max_length=200)
    defect_class = models.CharField(max_length=8, choices=DefectClass.choices, default=DefectClass.MAJOR)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="defect_code_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"
