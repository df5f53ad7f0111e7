"""Saving the tenant's quality rules for NCRs and SCARs (tenant admins only; audited)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import l10n
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import DefectClass, QualityRules
from quality.models.rules import SCAR_DUE_DAYS

NCR_SCAR_FIELDS = (
    "approval_severity",
    "approval_value",
    "handling_charge",
    "share_costs",
    "scar_due_days",
    "scar_escalate_after_days",
    "scar_mark_after_days",
    "scar_verify_lots",
    "scar_verify_days",
)
MAX_DAYS = 365
MAX_MONEY = Decimal("99999999999999.99")


def _check(values: dict) -> None:
    errors = {}
    if values["approval_severity"] not in ("", *DefectClass.values):
        errors["approval_severity"] = _("Choose a defect class, or never by severity.")
    for name in ("approval_value", "handling_charge"):
        amount = values[name]
        if amount is None or not Decimal(0) <= amount <= MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
            errors[name] = _("Give an amount from 0 to %(max)s with at most 2 decimals (got %(value)s).") % {
                "max": l10n.num(MAX_MONEY),
                "value": amount,
            }
    days = values["scar_due_days"]
    if set(days) != set(SCAR_DUE_DAYS):
        errors["scar_due_days"] = _("Give a number of days for each step %(steps)s.") % {
            "steps": ", ".join(SCAR_DUE_DAYS)
        }
    for code, n in days.items():
        if not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
            errors[f"scar_due_days.{code}"] = _("%(step)s: give 0 to %(max)s days (got %(value)s).") % {
                "step": code,
                "max": MAX_DAYS,
                "value": n,
            }
    for name in ("scar_escalate_after_days", "scar_mark_after_days", "scar_verify_days", "scar_verify_lots"):
        n = values[name]
        if not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
            errors[name] = _("Give a whole number from 0 to %(max)s (got %(value)s).") % {"max": MAX_DAYS, "value": n}
    if not errors and values["scar_mark_after_days"] < values["scar_escalate_after_days"]:
        errors["scar_mark_after_days"] = _(
            "The partner is marked after the second reminder: give at least %(days)s days (the escalation's)."
        ) % {"days": values["scar_escalate_after_days"]}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def quality_rules_save(*, membership: Membership, values: dict) -> QualityRules:
    """Save the NCR and SCAR rules: ``values`` holds every name of ``NCR_SCAR_FIELDS`` (typed: Decimal
    amounts in the PO's currency, int days, ``scar_due_days`` as ``{"D1": int, ..., "D8": int}``).

    Tenant admins only (``NotInScope`` otherwise); ``ValidationError`` keyed by field (a step's days
    as ``scar_due_days.D3``). Saving unchanged values writes nothing; a change is one audit entry.
    """
    if membership is None or not membership.has_access or membership.role != Role.TENANT_ADMIN:
        raise NotInScope()
    values = {name: values[name] for name in NCR_SCAR_FIELDS}
    _check(values)
    tenant = Tenant.objects.select_for_update().get(pk=membership.tenant_id)
    # A tenant has no row until its rules are first saved; the tenant's lock keeps it to one.
    QualityRules.objects.get_or_create(tenant=tenant)
    rules = QualityRules.objects.select_for_update().get(tenant=tenant)
    changes = field_changes({name: getattr(rules, name) for name in NCR_SCAR_FIELDS}, values)
    if changes:
        for name, value in values.items():
            setattr(rules, name, value)
        rules.save(update_fields=list(NCR_SCAR_FIELDS))
        audit_record(tenant=tenant, actor=membership.user, action="quality.rules_saved", obj=tenant, changes=changes)
    return rules
