"""The ISO 2859-1 switching state of each partner + product, kept with its history.

The rules themselves are pure functions in ``quality.sampling.switching``; these rows hold where
each partner + product stands between lots (``as_state``/``state_set``) and why it moved.
"""

from __future__ import annotations

from django.db import models

from portal.models import TenantOwnedModel
from quality.sampling import switching as rules

from .defects import Severity


class SwitchingState(TenantOwnedModel):
    """Where one partner + product stands in the switching scheme (normal inspection until a lot says otherwise).

    ``severity`` is ``discontinued`` while inspection is discontinued (ISO 2859-1 9.4); the
    counters are those of ``quality.sampling.switching.SwitchingState``: ``score`` the switching
    score, ``recent`` the last 5 results under normal inspection (oldest first, true = accepted).
    """

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=12, choices=Severity.choices, default=Severity.NORMAL)
    score = models.PositiveIntegerField(default=0)
    recent = models.JSONField(default=list, blank=True)
    not_accepted_since_tightened = models.PositiveSmallIntegerField(default=0)
    consecutive_accepted = models.PositiveSmallIntegerField(default=0)
    # Skip-lot (the idea of ISO 2859-3): 0 is off; N inspects one lot in N once the engineer qualifies the pair.
    skip_every = models.PositiveSmallIntegerField(default=0)
    skipped_since_inspected = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner", "product"], name="switching_state_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.partner} / {self.product}: {self.get_severity_display()}"

    def as_state(self) -> rules.SwitchingState:
        """The pure state the switching rules take."""
        # Discontinuation only ever comes from tightened inspection, and reinstatement resumes there.
        discontinued = self.severity == Severity.DISCONTINUED
        return rules.SwitchingState(
            severity=Severity.TIGHTENED if discontinued else self.severity,
            score=self.score,
            recent=tuple(bool(r) for r in self.recent),
            not_accepted_since_tightened=self.not_accepted_since_tightened,
            consecutive_accepted=self.consecutive_accepted,
            discontinued=discontinued,
        )

    def state_set(self, state: rules.SwitchingState) -> None:
        """Copy a pure state onto the row (the caller saves it)."""
        self.severity = Severity.DISCONTINUED if state.discontinued else state.severity
        self.score = state.score
        self.recent = list(state.recent)
        self.not_accepted_since_tightened = state.not_accepted_since_tightened
        self.consecutive_accepted = state.consecutive_accepted


class SwitchingEvent(TenantOwnedModel):
    """One move of a partner + product between severities, with the rule's reason and the lot that caused it."""

    state = models.ForeignKey(SwitchingState, on_delete=models.CASCADE, related_name="events")
    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="+")
    from_severity = models.CharField(max_length=12, choices=Severity.choices)
    to_severity = models.CharField(max_length=12, choices=Severity.choices)
    reason = models.TextField()
    inspection = models.ForeignKey(
        "quality.Inspection", on_delete=models.SET_NULL, null=True, blank=True, related_name="switching_events"
    )
    lot_name = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_severity} -> {self.to_severity}"
