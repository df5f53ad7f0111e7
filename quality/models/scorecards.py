"""Supplier scorecards: the tenant's rules, the figures stored per partner and month, the partner's
current score and standing, its changes, and the purchase warning the portal keeps on the partner in Odoo.

What each measure's inputs hold and how a figure, a score and a standing follow from them is in
``quality.scorecards.catalogue``; the batch run that fills these tables is ``quality.scorecards.engine``.
Pages only read them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from portal.models import Tenant, TenantOwnedModel


class ScorecardRules(models.Model):
    """A tenant's scorecard settings; read through ``scorecard_rules_for`` (defaults while no row exists).

    ``measures`` holds the tenant's weight and target per measure key, e.g. ``{"otd": {"weight": 25,
    "target": 95}}``; a key left out takes the catalogue's default.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="scorecard_rules")
    on_time_days_early = models.PositiveSmallIntegerField(
        default=2, help_text=gettext_lazy("A delivery this many days before the promised date is still on time.")
    )
    on_time_days_late = models.PositiveSmallIntegerField(
        default=0, help_text=gettext_lazy("A delivery this many days after the promised date is still on time.")
    )
    quantity_over_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=5,
        # "%" is a percent sign here, not a placeholder (msgfmt must not check it as one).
        # xgettext:no-python-format
        help_text=gettext_lazy("Received above ordered by up to this % is accurate."),
    )
    quantity_under_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=5,
        # "%" is a percent sign here, not a placeholder (msgfmt must not check it as one).
        # xgettext:no-python-format
        help_text=gettext_lazy("Received below ordered by up to this % is accurate."),
    )
    ack_target_hours = models.PositiveSmallIntegerField(
        default=48, help_text=gettext_lazy("A PO acknowledged within this many hours of its publication is on time.")
    )
    standing_months = models.PositiveSmallIntegerField(
        default=3,
        help_text=gettext_lazy("The score and standing are taken over this many months, the current one included."),
    )
    measures = models.JSONField(default=dict, blank=True)
    push_purchase_warning = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Show a warning standing on the partner in Odoo (purchase warning and a chatter note)."),
    )
    allow_block = models.BooleanField(
        default=False,
        help_text=gettext_lazy("A blocking standing blocks new POs in Odoo (Odoo 18; 19 has no blocking warning)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("scorecard rules")
        verbose_name_plural = gettext_lazy("scorecard rules")

    def __str__(self) -> str:
        return f"scorecard rules of {self.tenant}"


def scorecard_rules_for(tenant: Tenant) -> ScorecardRules:
    """The tenant's saved rules, or unsaved defaults."""
    return ScorecardRules.objects.filter(tenant=tenant).first() or ScorecardRules(tenant=tenant)


class Standing(TenantOwnedModel):
    """One of the tenant's named standings, best first by ``rank``.

    A partner takes the best standing whose ``min_score`` its score reaches. ``warns``: a partner in it
    gets the purchase warning in Odoo (when the tenant pushes them); ``blocks``: the warning blocks new POs
    (only when the tenant allows blocking, and only on Odoo 18).
    """

    scope_partner_path = None  # the tenant's own vocabulary; partners see only their own standing's name

    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(help_text=gettext_lazy("1 is the best standing."))
    min_score = models.DecimalField(max_digits=5, decimal_places=2)
    warns = models.BooleanField(default=False)
    blocks = models.BooleanField(default=False)

    class Meta:
        ordering = ["tenant", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rank"], name="standing_rank_once"),
            models.UniqueConstraint(fields=["tenant", "name"], name="standing_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ScorecardPeriod(TenantOwnedModel):
    """One partner's inputs for one calendar month (in the tenant's time zone), as the batch run stored them.

    ``inputs``: ``{measure key: {count or sum name: number}}`` as ``catalogue.MEASURES`` describes; a measure
    with no input rows in the month is absent (no data). ``figures``: ``{measure key: value or null}``, derived
    from ``inputs`` when stored so the ranking reads them without arithmetic. ``digest``: SHA-1 of the inputs,
    how the run tells a changed period from an unchanged one.
    """

    partner = models.ForeignKey("portal.Partner", on_delete=models.CASCADE, related_name="scorecard_periods")
    month = models.DateField(help_text=gettext_lazy("The first day of the month."))
    inputs = models.JSONField(default=dict)
    figures = models.JSONField(default=dict)
    digest = models.CharField(max_length=40)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["partner", "month"]
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="scorecard_period_once")]
        indexes = [models.Index(fields=["tenant", "month"], name="scorecard_period_month_idx")]

    def __str__(self) -> str:
        return f"{self.partner} {self.month:%Y-%m}"


class PartnerScore(TenantOwnedModel):
    """A partner's current scorecard: its score over the tenant's standing window, the 12-month figures,
    its trend and standing.

    ``figures``: ``{measure key: {"value", "score", "target", "weight"}}`` over the standing window (values
    as strings of decimals, null for no data); ``figures_12``: the same over 12 months. ``score`` is null
    when no scored measure has data. ``trend``: -1, 0 or 1 against the window before.
    """

    partner = models.OneToOneField("portal.Partner", on_delete=models.CASCADE, related_name="score")
    as_of = models.DateField(help_text=gettext_lazy("The last month of the window."))
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    trend = models.SmallIntegerField(default=0)
    figures = models.JSONField(default=dict)
    figures_12 = models.JSONField(default=dict)
    worst_measure = models.CharField(max_length=16, blank=True)
    standing = models.ForeignKey(Standing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    standing_since = models.DateTimeField(null=True, blank=True)
    category = models.CharField(
        max_length=80,
        blank=True,
        help_text=gettext_lazy("The tenant's category for the partner, to filter the ranking."),
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["partner"]
        indexes = [models.Index(fields=["tenant", "score"], name="partner_score_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.score}"


class StandingChange(TenantOwnedModel):
    """A partner moved from one standing to another; ``reasons`` are the measures below target, in words."""

    partner = models.ForeignKey("portal.Partner", on_delete=models.CASCADE, related_name="standing_changes")
    from_name = models.CharField(max_length=60, blank=True)
    to_name = models.CharField(max_length=60, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    changed_at = models.DateTimeField()
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["partner", "-changed_at"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_name or '-'} -> {self.to_name or '-'}"


class PurchaseWarning(TenantOwnedModel):
    """What the portal wrote on the partner's purchase warning in Odoo, and what was there before.

    ``kept_level`` / ``kept_message``: ``purchase_warn`` (Odoo 18 only; empty on 19) and
    ``purchase_warn_msg`` as they were before the portal wrote, restored when the standing is good again.
    ``written_message``: what the portal wrote; a warning found different from it was changed by a person
    and is never overwritten or cleared by the portal. ``active``: the portal's warning is on the partner.
    """

    partner = models.OneToOneField("portal.Partner", on_delete=models.CASCADE, related_name="purchase_warning")
    active = models.BooleanField(default=False)
    kept_level = models.CharField(max_length=16, blank=True)
    kept_message = models.TextField(blank=True)
    written_level = models.CharField(max_length=16, blank=True)
    written_message = models.TextField(blank=True)
    set_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    left_alone = models.TextField(
        blank=True, help_text=gettext_lazy("Why the portal last left Odoo's warning as it was.")
    )

    def __str__(self) -> str:
        return f"purchase warning of {self.partner}"
