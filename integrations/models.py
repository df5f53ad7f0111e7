"""Sync bookkeeping: where each pull stopped."""

from __future__ import annotations

from django.db import models


class PullCursor(models.Model):
    """The newest Odoo ``write_date`` pulled for one tenant and model."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=64)
    write_date = models.CharField(max_length=19, blank=True, help_text="Odoo's UTC 'YYYY-MM-DD HH:MM:SS'.")
    reached_at = models.DateTimeField(
        null=True, blank=True, help_text="When a pull first saw this write_date (the portal's clock)."
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_calls = models.PositiveIntegerField(default=0, help_text="RPC calls the last pull made.")
    last_rows = models.PositiveIntegerField(default=0, help_text="Rows the last pull upserted.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "model"], name="pull_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.model} @ {self.write_date or 'start'}"


class Lane(models.TextChoices):
    REALTIME = "realtime", "Realtime"
    BATCH = "batch", "Batch"


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"
    DEAD = "dead", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboxEvent(models.Model):
    """A change the portal owes Odoo, written in the same transaction as the change itself.

    Its id is the idempotency key; one aggregate's events are delivered in
    ``sequence`` order.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    tenant = models.ForeignKey("portal.Tenant", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=64)
    aggregate_type = models.CharField(max_length=64, help_text="app_label.model of the record it belongs to")
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
    last_error_class = models.CharField(max_length=120, blank=True, help_text="transient|permanent: Odoo's name")
    correlation_id = models.CharField(max_length=64, blank=True)
    odoo_result = models.JSONField(default=dict, blank=True, help_text="What the delivery created or changed in Odoo.")
    verify = models.BooleanField(
        default=False, help_text="An earlier delivery may have reached Odoo: the handler looks for its marker first."
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
    probe_until = models.DateTimeField(null=True, blank=True, help_text="a half-open probe is in flight until then")
    opened_count = models.PositiveIntegerField(default=0)
    reconciled_until = models.DateTimeField(null=True, blank=True, help_text="Deliveries checked up to here.")

    def __str__(self) -> str:
        return f"breaker of {self.tenant_id}"


class SyncDrift(models.Model):
    """Reconciliation found Odoo out of step with what the portal delivered."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="drifts")
    topic = models.CharField(max_length=64)
    message = models.TextField(help_text="What differs, in plain words.")
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
