"""Sync bookkeeping: where each pull stopped, the outbox, and the hand-offs the pull records for other apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PullCursor(models.Model):
    """The newest Odoo ``write_date`` pulled for one tenant and model."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=64)
    write_date = models.CharField(max_length=19, blank=True, help_text=_("Odoo's UTC 'YYYY-MM-DD HH:MM:SS'."))
    reached_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a pull first saw this write_date (the portal's clock).")
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_calls = models.PositiveIntegerField(default=0, help_text=_("RPC calls the last pull made."))
    last_rows = models.PositiveIntegerField(default=0, help_text=_("Rows the last pull upserted."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "model"], name="pull_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.model} @ {self.write_date or 'start'}"


class Lane(models.TextChoices):
    REALTIME = "realtime", _("Realtime")
    BATCH = "batch", _("Batch")


class EventStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("state", "Pending")
    IN_FLIGHT = "in_flight", _("In flight")
    DONE = "done", pgettext_lazy("state", "Done")
    DEAD = "dead", pgettext_lazy("state", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("state", "Cancelled")


class OutboxEvent(models.Model):
    """A change the portal owes Odoo, written in the same transaction as the change itself.

    Its id is the idempotency key; one aggregate's events are delivered in
    ``sequence`` order.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    tenant = models.ForeignKey("portal.Tenant", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=64)
    aggregate_type = models.CharField(max_length=64, help_text=_("app_label.model of the record it belongs to"))
    aggregate_id = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    payload_version = models.PositiveSmallIntegerField(default=1)
    lane = models.CharField(max_length=8, choices=Lane.choices, default=Lane.REALTIME)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_class = models.CharField(max_length=120, blank=True, help_text=_("transient|permanent: Odoo's name"))
    correlation_id = models.CharField(max_length=64, blank=True)
    odoo_result = models.JSONField(
        default=dict, blank=True, help_text=_("What the delivery created or changed in Odoo.")
    )
    verify = models.BooleanField(
        default=False, help_text=_("An earlier delivery may have reached Odoo: the handler looks for its marker first.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "aggregate_type", "aggregate_id", "sequence"], name="outbox_aggregate_sequence_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["tenant", "aggregate_type", "aggregate_id", "sequence"], name="outbox_aggregate_idx"),
            models.Index(fields=["tenant", "status", "lane"], name="outbox_backlog_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.aggregate_type}#{self.aggregate_id}/{self.sequence}"


class TenantSyncState(models.Model):
    """Per-tenant circuit breaker: consecutive transient failures open it for a while."""

    tenant = models.OneToOneField("portal.Tenant", on_delete=models.CASCADE, related_name="sync_state")
    consecutive_failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    probe_until = models.DateTimeField(null=True, blank=True, help_text=_("a half-open probe is in flight until then"))
    opened_count = models.PositiveIntegerField(default=0)
    reconciled_until = models.DateTimeField(null=True, blank=True, help_text=_("Deliveries checked up to here."))
    # Retention (integrations/services/retention.py): what its last run removed, for the monitor.
    purged_at = models.DateTimeField(null=True, blank=True, help_text=_("When retention last ran for the tenant."))
    purged_events = models.PositiveIntegerField(default=0, help_text=_("Delivered outbox events it removed."))
    purged_keys = models.PositiveIntegerField(default=0, help_text=_("Idempotency-Key answers it removed."))
    purged_handoffs = models.PositiveIntegerField(default=0, help_text=_("Done hand-offs it removed."))

    def __str__(self) -> str:
        return f"breaker of {self.tenant_id}"


class SyncDrift(models.Model):
    """Reconciliation found Odoo out of step with what the portal delivered."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="drifts")
    topic = models.CharField(max_length=64)
    message = models.TextField(help_text=_("What differs, in plain words."))
    expected = models.JSONField(default=dict, blank=True)
    found = models.JSONField(default=dict, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=models.Q(resolved_at__isnull=True), name="drift_one_open_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"drift on {self.topic}: {self.message[:60]}"


class Handoff(models.Model):
    """Something the pull found in Odoo for other apps to react to, written with the pulled rows."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64, help_text=_("integrations.handoffs: po.changed, receipt.done, ..."))
    aggregate_type = models.CharField(max_length=64, help_text=_("app_label.model of the record it is about"))
    aggregate_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True, help_text=_("Plain values the reactions need (ids, changes)."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["tenant", "aggregate_type", "aggregate_id"], name="handoff_aggregate_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.aggregate_type}#{self.aggregate_id}"


class ReactionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("state", "Pending")
    RUNNING = "running", _("Running")
    DONE = "done", pgettext_lazy("state", "Done")
    FAILED = "failed", pgettext_lazy("state", "Failed")


class HandoffReaction(models.Model):
    """One app's reaction to one hand-off: claimed, run, retried and failed on its own."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="reactions")
    # The hand-off's tenant, kept here too so the sweeper and the monitor filter without a join.
    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    reaction = models.CharField(max_length=100, help_text=_("The name it was registered under (app.what)."))
    status = models.CharField(max_length=10, choices=ReactionStatus.choices, default=ReactionStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True, help_text=_("A worker runs it until then."))
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["handoff", "reaction"], name="handoff_reaction_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="handoff_reaction_due_idx"),
            models.Index(fields=["tenant", "status"], name="handoff_reaction_tenant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reaction} on hand-off {self.handoff_id}"


class HoldDrift(models.Model):
    """Stock that an app holds (a lot quality has not released, or rejected) found in a usable location in Odoo.

    Filed by the hold check (``integrations.services.holds``) from what the apps declare held
    (``integrations.holds``); one open row per held record, resolved when the stock is back where
    the hold wants it or a person accepts it. ``activity_odoo_id`` is the warehouse's activity in Odoo.
    """

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=64, help_text=_("What holds it: app_label.model of the held record."))
    record_id = models.CharField(max_length=64)
    lot_name = models.CharField(max_length=128, blank=True)
    product_odoo_id = models.PositiveIntegerField()
    message = models.TextField(help_text=_("What is wrong, in plain words."))
    found = models.JSONField(default=dict, blank=True, help_text=_("Quantities per Odoo location found usable."))
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    activity_odoo_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source", "record_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="hold_drift_one_open_per_record",
            ),
        ]

    def __str__(self) -> str:
        return f"hold drift {self.source}#{self.record_id}: {self.message[:60]}"
