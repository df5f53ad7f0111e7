"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.context import current_correlation_id, current_source
from portal.models import AuditEntry, Tenant, User


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [before, after]}."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    tenant: Tenant,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, list[Any]] | None = None,
    source: str | None = None,
) -> AuditEntry | None:
    """Append one audit entry; call it inside the transaction that makes the change.

    ``changes`` is ``{field: [before, after]}``. Left out (``None``), the entry records an event
    that has no fields to show (a certificate added, a token rotated). Given but empty (``{}``, a
    diff that found nothing, e.g. a form saved unchanged), nothing happened: no entry, ``None``.
    Creations and transitions always name at least one field, so they are never skipped.
    """
    if changes is not None and not changes:
        return None
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor,
        actor_label=actor.email if actor else "system",
        source=source or current_source(),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        correlation_id=current_correlation_id(),
    )
