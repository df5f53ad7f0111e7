"""The exception queue: replay dead events (after fixing the data) or cancel them, with audit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import EventStatus, OutboxEvent
from portal.models import Membership, Role
from portal.services.audit import audit_record
from portal.services.errors import NotInScope

MANAGERS = {Role.TENANT_ADMIN}


def _events(actor: Membership | None, event_ids: Iterable[str]) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.select_for_update(of=("self",)).filter(pk__in=list(event_ids))
    if actor is not None:
        if actor.role not in MANAGERS:
            raise NotInScope()
        qs = qs.filter(tenant_id=actor.tenant_id)
    return list(qs.select_related("tenant"))


def outbox_replay(*, actor: Membership | None, event_ids: Iterable[str], payload: dict[str, Any] | None = None) -> int:
    """Send dead events again from attempt zero; ``payload`` replaces a single event's payload (a fix)."""
    from integrations.services.outbox import enqueue, queued_until

    with transaction.atomic():
        events = _events(actor, event_ids)
        if payload is not None and len(events) != 1:
            raise ValidationError(_("A corrected payload applies to one event at a time."))
        replayed = []
        for event in events:
            if event.status != EventStatus.DEAD:
                continue
            changes: dict[str, list] = {
                "status": [event.status, EventStatus.PENDING],
                "last_error": [event.last_error[:200], ""],
            }
            if payload is not None:
                changes["payload"] = [event.payload, payload]
                event.payload = payload
            event.status, event.attempts, event.next_attempt_at = EventStatus.PENDING, 0, timezone.now()
            event.verify = True  # an earlier attempt may have reached Odoo
            event.leased_until, event.last_error, event.last_error_class = queued_until(), "", ""
            event.save()
            audit_record(
                tenant=event.tenant,
                actor=actor.user if actor else None,
                action="outbox.replayed",
                obj=event,
                changes=changes,
            )
            replayed.append(event)
        transaction.on_commit(lambda: [enqueue(e) for e in replayed])
    return len(replayed)


def outbox_cancel(*, actor: Membership | None, event_ids: Iterable[str], reason: str) -> int:
    """Give up on events that should never reach Odoo; the next event of the aggregate may go."""
    from integrations.services.delivery import _wake_next

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled; the audit trail keeps it.")})
    with transaction.atomic():
        events = _events(actor, event_ids)
        cancelled = 0
        for event in events:
            if event.status not in (EventStatus.DEAD, EventStatus.PENDING):
                continue
            before = event.status
            event.status, event.leased_until = EventStatus.CANCELLED, None
            event.last_error = f"cancelled: {reason}"
            event.save()
            audit_record(
                tenant=event.tenant,
                actor=actor.user if actor else None,
                action="outbox.cancelled",
                obj=event,
                changes={"status": [before, EventStatus.CANCELLED], "reason": [None, reason]},
            )
            _wake_next(event)
            cancelled += 1
    return cancelled
