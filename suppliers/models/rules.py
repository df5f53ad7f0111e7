"""A tenant's rules for working with its suppliers (one row per tenant, kept by the order desk)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from portal.models import Tenant


class CollaborationRules(models.Model):
    """How far a supplier's acknowledgement or ASN may differ from the order before a buyer decides,
    and the GS1 company prefix that numbers the tenant's packages (SSCC).

    A tenant has no row until its admin saves the rules page; until then the defaults apply
    (``rules_for``).
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="collaboration_rules")
    # Changes beyond these wait for a buyer.
    ack_days_early = models.PositiveSmallIntegerField(
        gettext_lazy("days early accepted"),
        default=3,
        help_text=gettext_lazy("A promised date this many days before the requested one goes through."),
    )
    ack_days_late = models.PositiveSmallIntegerField(
        gettext_lazy("days late accepted"),
        default=1,
        help_text=gettext_lazy("A promised date this many days after the requested one goes through."),
    )
    ack_qty_over_pct = models.DecimalField(
        gettext_lazy("quantity over accepted (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=gettext_lazy("A promised quantity up to this much above the ordered one goes through."),
    )
    ack_qty_under_pct = models.DecimalField(
        gettext_lazy("quantity under accepted (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=gettext_lazy("A promised quantity up to this much below the ordered one goes through."),
    )
    asn_qty_over_pct = models.DecimalField(
        gettext_lazy("over-shipment accepted (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        help_text=gettext_lazy("An ASN may ship this much more than is still open on a line."),
    )
    gs1_company_prefix = models.CharField(
        gettext_lazy("GS1 company prefix"),
        max_length=11,
        blank=True,
        # [0-9], not \d: \d takes any script's digits, which no GS1 barcode encodes.
        validators=[RegexValidator(r"^[0-9]{6,11}$", gettext_lazy("A GS1 company prefix has 6 to 11 digits (0-9)."))],
        help_text=gettext_lazy("Used to number packages (SSCC-18)."),
    )

    class Meta:
        verbose_name = gettext_lazy("supplier collaboration rules")
        verbose_name_plural = gettext_lazy("supplier collaboration rules")

    def __str__(self) -> str:
        return gettext("Supplier collaboration rules of %(tenant)s") % {"tenant": self.tenant}


def rules_for(tenant: Tenant | int) -> CollaborationRules:
    """The tenant's collaboration rules (a ``Tenant`` or its id): its row, or, while it has none,
    the defaults (an unsaved row; saving it stores them).

    Given a ``Tenant``, the answer is kept on it (one query per tenant object, none after), and
    a change made to the answer is what later calls see.
    """
    if isinstance(tenant, Tenant):
        try:
            return tenant.collaboration_rules
        except CollaborationRules.DoesNotExist:
            return CollaborationRules(tenant=tenant)  # also kept on the tenant as its rules
    return CollaborationRules.objects.filter(tenant_id=tenant).first() or CollaborationRules(tenant_id=tenant)
