"""The append-only audit trail: one entry per state change, never edited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .scoping import TenantScopedQuerySet
from .tenancy import Membership


class AuditSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", "API"
    SYNC = "sync", _("Sync")
    SYSTEM = "system", _("System")


class AuditQuerySet(TenantScopedQuerySet):
    def visible_to(self, membership: Membership | None) -> AuditQuerySet:
        if membership is None or membership.role != Role.TENANT_ADMIN:
            return self.none()
        return self.filter(tenant_id=membership.tenant_id)


class AppendOnlyError(RuntimeError):
    pass


class AuditEntry(models.Model):
    """Who changed what, when and from where, with the fields before and after."""

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=254, help_text="The actor as it was named when it acted.")
    source = models.CharField(max_length=8, choices=AuditSource.choices)
    action = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["tenant", "actor"], name="audit_actor_idx"),
        ]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} by {self.actor_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Entries are evidence: once written they are never changed.
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")
