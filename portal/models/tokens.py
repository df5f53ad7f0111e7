"""API tokens of partners' systems, and the answers kept for Idempotency-Key replays."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A partner's token: hashed, scoped, expiring; acts through its own API-client membership."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.CASCADE, related_name="api_tokens")
    partner = models.ForeignKey("portal.Partner", on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.OneToOneField("portal.Membership", on_delete=models.PROTECT, related_name="api_token")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown to tell tokens apart; not secret.")
    key_hash = models.CharField(max_length=64)
    # Names of registered scopes (portal.api.scopes), checked by token_create: no choices here, so an
    # app adding a scope changes no column.
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed for the same key and body."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_language = models.CharField(max_length=8, blank=True, help_text=_("The language the answer was in."))
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once_per_token")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
