"""Exception queue from the command line: list, replay or cancel events of a tenant."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from integrations.models import EventStatus, OutboxEvent
from integrations.services.exceptions import outbox_cancel, outbox_replay
from portal.context import bound


class Command(BaseCommand):
    help = "List, replay or cancel outbox events (e.g. `outbox replay --tenant acme --all-dead`). Audited."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["list", "replay", "cancel"])
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--topic", default="")
        parser.add_argument("--ids", nargs="*", default=[], help="event ids")
        parser.add_argument("--all-dead", action="store_true", help="every dead event (of --topic, if given)")
        parser.add_argument("--reason", default="", help="why (required to cancel)")

    def handle(
        self, *args, action: str, tenant: str, topic: str, ids: list[str], all_dead: bool, reason: str, **options
    ) -> None:
        events = OutboxEvent.objects.filter(tenant__slug=tenant)
        if topic:
            events = events.filter(topic=topic)
        if action == "list":
            for event in events.filter(status=EventStatus.DEAD).order_by("updated_at"):
                self.stdout.write(
                    f"{event.pk}  {event.topic:<24} {event.aggregate_type}#{event.aggregate_id:<8} "
                    f"{event.last_error_class}: {event.last_error[:100]}"
                )
            return
        if all_dead:
            ids = [str(pk) for pk in events.filter(status=EventStatus.DEAD).values_list("pk", flat=True)]
        elif ids:
            import uuid

            try:
                wanted = [uuid.UUID(value) for value in ids]
            except ValueError as exc:
                raise CommandError(f"not an event id: {exc}") from exc
            ids = [str(pk) for pk in events.filter(pk__in=wanted).values_list("pk", flat=True)]
        if not ids:
            raise CommandError("no matching events: give --ids or --all-dead")
        with bound(source="system"):
            if action == "replay":
                count = outbox_replay(actor=None, event_ids=ids)
            else:
                if not reason:
                    raise CommandError("--reason is required to cancel")
                count = outbox_cancel(actor=None, event_ids=ids, reason=reason)
        self.stdout.write(self.style.SUCCESS(f"{action}: {count} event(s)"))
