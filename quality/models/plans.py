"""Inspection plans: what to check on a product's lots and how many items to sample, versioned.

A plan applies to a product, or to a product from one partner (the more specific plan wins; see
``quality.services.plans.plan_for``). Products carry no category in the portal's mirror of Odoo
(``suppliers.Product``), so plans per product category wait until the pull brings one.

Each change is a new ``InspectionPlanVersion``: an inspection keeps the version it used, and a
version is frozen (``frozen_at``) once an inspection uses it, so what an inspection was measured
against never changes under it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import TenantOwnedModel, TenantScopedQuerySet
from portal.models.scoping import visible_partner_ids
from quality.sampling.plans import SamplingInputError, normalize_aql
from quality.sampling.tables import LEVELS

from .defects import DefectClass


class PlanScopedQuerySet(TenantScopedQuerySet):
    """Plans and their parts: a plan for a product (no partner) is read by every member of the
    tenant, since suppliers need to know what will be checked; a partner's own plan only by that
    partner's people and the staff who see the partner."""

    def visible_to(self, membership):
        if membership is None or not membership.has_access:
            return self.none()
        qs = self.filter(tenant_id=membership.tenant_id)
        if membership.sees_all_partners:
            return qs
        path = self.model.scope_partner_path
        return qs.filter(Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": visible_partner_ids(membership)}))


class InspectionPlan(TenantOwnedModel):
    """What is inspected on the lots of one product (from one partner, or from any)."""

    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="inspection_plans")
    partner = models.ForeignKey(
        "portal.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_plans",
        help_text=_("Only this partner's lots of the product; empty: every partner's."),
    )
    name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True, help_text=_("An inactive plan is not used for new inspections."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["product", "partner"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product"], condition=Q(partner__isnull=True), name="plan_unique_product"
            ),
            models.UniqueConstraint(
                fields=["tenant", "product", "partner"],
                condition=Q(partner__isnull=False),
                name="plan_unique_partner_product",
            ),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.partner_id:
            return _("Plan for %(product)s from %(partner)s") % {"product": self.product, "partner": self.partner}
        return _("Plan for %(product)s") % {"product": self.product}

    def current_version(self) -> InspectionPlanVersion | None:
        """The newest version: the one new inspections use (None before the first)."""
        return self.versions.order_by("-number").first()


class InspectionPlanVersion(TenantOwnedModel):
    """One version of a plan: its characteristics, its sampling rules and its first-article rule.

    ``first_article_lots``: the first N lots of a partner + product new to inspection are
    inspected as ``first_article_mode`` says (every item, or tightened sampling), whatever the
    rules say; 0 turns it off.
    """

    class FirstArticle(models.TextChoices):
        HUNDRED_PERCENT = "hundred_percent", _("Every item (100 %)")
        TIGHTENED = "tightened", _("Tightened sampling")

    scope_partner_path = "plan__partner"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.TextField(blank=True, help_text=_("What changed from the version before."))
    first_article_lots = models.PositiveSmallIntegerField(default=0)
    first_article_mode = models.CharField(
        max_length=16, choices=FirstArticle.choices, default=FirstArticle.HUNDRED_PERCENT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    frozen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When an inspection first used it; it cannot change after.")
    )

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Characteristic(TenantOwnedModel):
    """One thing checked on each sample unit: a measurement, a pass/fail attribute or a visual check."""

    class Kind(models.TextChoices):
        MEASURED = "measured", _("Measured")
        ATTRIBUTE = "attribute", _("Attribute (pass/fail)")
        VISUAL = "visual", _("Visual (pass/fail)")

    scope_partner_path = "version__plan__partner"

    version = models.ForeignKey(InspectionPlanVersion, on_delete=models.CASCADE, related_name="characteristics")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    defect_class = models.CharField(max_length=8, choices=DefectClass.choices, default=DefectClass.MAJOR)
    # Measured only. Tolerances are deviations from nominal (lower <= 0 <= upper): 10 -0.1/+0.2.
    nominal = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    lower_tolerance = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    upper_tolerance = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    unit = models.CharField(max_length=32, blank=True)
    decimals = models.PositiveSmallIntegerField(default=2, help_text=_("Decimals a measurement is recorded with."))
    gauge = models.CharField(max_length=120, blank=True, help_text=_("The instrument to measure with."))
    # Visual only.
    photo_required_on_fail = models.BooleanField(default=False)
    # The catalogue's name for this characteristic's nonconformity: an NCR opened from a lot where it failed
    # is coded with it, so the SCAR effectiveness check sees a repeat without anyone coding the NCR by hand.
    defect_code = models.ForeignKey(
        "quality.DefectCode", on_delete=models.PROTECT, null=True, blank=True, related_name="characteristics"
    )

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def lower_limit(self) -> Decimal | None:
        """Lowest acceptable measurement (None: no lower limit)."""
        if self.nominal is None or self.lower_tolerance is None:
            return None
        return self.nominal + self.lower_tolerance

    @property
    def upper_limit(self) -> Decimal | None:
        """Highest acceptable measurement (None: no upper limit)."""
        if self.nominal is None or self.upper_tolerance is None:
            return None
        return self.nominal + self.upper_tolerance

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.MEASURED:
            if self.nominal is None:
                errors["nominal"] = _("A measured characteristic needs a nominal value.")
            if self.lower_tolerance is not None and self.lower_tolerance > 0:
                errors["lower_tolerance"] = _("The lower tolerance is a deviation below nominal: 0 or less.")
            if self.upper_tolerance is not None and self.upper_tolerance < 0:
                errors["upper_tolerance"] = _("The upper tolerance is a deviation above nominal: 0 or more.")
        if errors:
            raise ValidationError(errors)


class SamplingRule(TenantOwnedModel):
    """How many items of a lot are checked for one defect class, and how many may fail.

    ``aql``: ISO 2859-1 tables at ``level`` and ``aql`` (percent), at the severity the switching
    state gives. ``fixed``: ``sample_size`` items, acceptance number ``accept``. ``hundred_percent``:
    every item, acceptance number ``accept`` (0 is the "100 % / zero" of critical characteristics).
    """

    class Mode(models.TextChoices):
        AQL = "aql", _("Level and AQL (ISO 2859-1)")
        FIXED = "fixed", _("Fixed sample size")
        HUNDRED_PERCENT = "hundred_percent", _("Every item (100 %)")

    scope_partner_path = "version__plan__partner"

    version = models.ForeignKey(InspectionPlanVersion, on_delete=models.CASCADE, related_name="sampling_rules")
    defect_class = models.CharField(max_length=8, choices=DefectClass.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.AQL)
    level = models.CharField(max_length=4, choices=[(level, level) for level in LEVELS], default="II", blank=True)
    aql = models.DecimalField(
        _("AQL (%)"), max_digits=7, decimal_places=3, null=True, blank=True, help_text=_("One of the 26 table AQLs.")
    )
    sample_size = models.PositiveIntegerField(null=True, blank=True, help_text=_("Fixed mode: items to check."))
    accept = models.PositiveIntegerField(default=0, help_text=_("Fixed and 100 % modes: acceptance number Ac."))

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["version", "defect_class"]
        constraints = [
            models.UniqueConstraint(fields=["version", "defect_class"], name="sampling_rule_unique_class"),
        ]

    def __str__(self) -> str:
        return f"{self.get_defect_class_display()}: {self.get_mode_display()}"

    def clean(self) -> None:
        errors = {}
        if self.mode == self.Mode.AQL:
            if self.aql is None:
                errors["aql"] = _("Choose an AQL.")
            else:
                try:
                    normalize_aql(self.aql)
                except SamplingInputError as exc:
                    errors["aql"] = str(exc)
            if not self.level:
                errors["level"] = _("Choose an inspection level.")
        if self.mode == self.Mode.FIXED and not self.sample_size:
            errors["sample_size"] = _("A fixed plan needs a sample size of at least 1.")
        if errors:
            raise ValidationError(errors)
