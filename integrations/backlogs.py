"""What waits outside the outbox's queues, shown on the sync monitor: each app registers its own.

The sync monitor (``integrations.sync_views.SyncMonitorView``) draws integrations' own figures
(breaker, failures, lanes, pulls) and then, in ``order``, the cards the apps register here: the
order desk's shipments not yet on a receipt, its acknowledgements awaiting a buyer; quality's
inspections awaiting sync the same way, without touching integrations.

Registered from ``AppConfig.ready()``, keyed by ``name`` like ``portal.registry``'s entries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.models import Membership
from portal.registry import EVERY_ROLE, Registry


@dataclass(frozen=True)
class MonitorCard:
    """One card of the sync monitor's "Now" figures: a template and the counts it reads.

    ``counts(membership, now)`` answers the template's variables (a dict merged into the page's
    context); ``now`` is the monitor's one clock reading, for ages in seconds.
    """

    name: str
    template: str
    order: int
    counts: Callable[[Membership, datetime], dict[str, Any]] | None = None
    roles: Collection[str] = EVERY_ROLE

    def shown_to(self, membership: Membership) -> bool:
        return membership.role in self.roles


monitor = Registry()


def monitor_card_register(*cards: MonitorCard) -> None:
    """Add (or replace, by name) sync monitor cards; call from ``AppConfig.ready()``."""
    for card in cards:
        if not isinstance(card, MonitorCard):
            raise TypeError(f"{card!r} is not a MonitorCard")
    monitor.register(*cards)


def monitor_cards_for(membership: Membership, now: datetime) -> dict[str, Any]:
    """The cards this member sees on the monitor (``monitor_cards``, in order) and their counts."""
    cards = monitor.for_member(membership)
    context: dict[str, Any] = {"monitor_cards": cards}
    for card in cards:
        if card.counts is not None:
            context.update(card.counts(membership, now))
    return context
