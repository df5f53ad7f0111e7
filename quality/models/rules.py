"""The quality half's tenant settings, one row per tenant (next to the order desk's ``CollaborationRules``)."""

from __future__ import annotations

from django.db import models

from portal.models import Tenant


class QualityRules(models.Model):
    """A tenant's quality settings; read through ``quality_rules_for`` (defaults while no row exists).

    ``reduced_allowed``: ISO 2859-1 9.3.3 lets normal inspection switch to reduced only when the
    responsible authority approves it; off by default.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="quality_rules")
    reduced_allowed = models.BooleanField(
        default=False, help_text="Allow normal -> reduced inspection when the switching score reaches 30."
    )

    class Meta:
        verbose_name = "quality rules"
        verbose_name_plural = "quality rules"

    def __str__(self) -> str:
        return f"Quality rules of {self.tenant}"


def quality_rules_for(tenant: Tenant) -> QualityRules:
    """The tenant's saved rules, or unsaved defaults."""
    return QualityRules.objects.filter(tenant=tenant).first() or QualityRules(tenant=tenant)
