"""Sync bookkeeping: where each pull stopped."""

from __future__ import annotations

from django.db import models


class PullCursor(models.Model):
    """The newest Odoo ``write_date`` pulled for one tenant and model."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=64)
    write_date = models.CharField(max_length=19, blank=True, help_text="Odoo's UTC 'YYYY-MM-DD HH:MM:SS'.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_calls = models.PositiveIntegerField(default=0, help_text="RPC calls the last pull made.")
    last_rows = models.PositiveIntegerField(default=0, help_text="Rows the last pull upserted.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "model"], name="pull_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.model} @ {self.write_date or 'start'}"
