"""The quality half's tenant settings, one row per tenant (next to the order desk's ``CollaborationRules``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant


class QualityRules(models.Model):
    """A tenant's quality settings; read through ``quality_rules_for`` (defaults while no row exists).

    ``reduced_allowed``: ISO 2859-1 9.3.3 lets normal inspection switch to reduced only when the
    responsible authority approves it; off by default.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="quality_rules")
    reduced_allowed = models.BooleanField(
        default=False, help_text=_("Allow normal -> reduced inspection when the switching score reaches 30.")
    )

    # NCR material review: a disposition needs a second person's signature when the NCR's severity
    # is at least ``approval_severity`` (empty: never by severity) or its value reaches
    # ``approval_value`` (0: never by value), in the PO's currency.
    approval_severity = models.CharField(max_length=8, blank=True, default="critical")
    approval_value = models.DecimalField(max_digits=16, decimal_places=2, default=1000)
    handling_charge = models.DecimalField(
        max_digits=16, decimal_places=2, default=0, help_text=_("Added to each NCR's cost of poor quality.")
    )
    share_costs = models.BooleanField(default=False, help_text=_("Show NCR costs to the supplier."))
    # SCAR: days from issue to each step's due date, and the escalation ladder after a due date.
    scar_due_days = models.JSONField(default=dict, blank=True, help_text=_('e.g. {"D3": 2, "D4": 10}'))
    scar_escalate_after_days = models.PositiveSmallIntegerField(default=3)
    scar_mark_after_days = models.PositiveSmallIntegerField(default=7)
    scar_verify_lots = models.PositiveSmallIntegerField(default=3)
    scar_verify_days = models.PositiveSmallIntegerField(default=90)

    class Meta:
        verbose_name = _("quality rules")
        verbose_name_plural = _("quality rules")

    def __str__(self) -> str:
        return _("Quality rules of %(tenant)s") % {"tenant": self.tenant}


SCAR_DUE_DAYS = {"D1": 2, "D2": 2, "D3": 2, "D4": 10, "D5": 30, "D6": 30, "D7": 60, "D8": 60}


def scar_due_days(rules: QualityRules) -> dict[str, int]:
    """Days from issue to each step's due date: the tenant's, else the defaults above."""
    return {**SCAR_DUE_DAYS, **{k: int(v) for k, v in (rules.scar_due_days or {}).items() if k in SCAR_DUE_DAYS}}


def quality_rules_for(tenant: Tenant) -> QualityRules:
    """The tenant's saved rules, or unsaved defaults."""
    return QualityRules.objects.filter(tenant=tenant).first() or QualityRules(tenant=tenant)
