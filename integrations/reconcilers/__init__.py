"""Reconcilers, one per topic: does Odoo still show what each delivered event put there?

Each takes a batch of done events and answers the ones whose effect is gone or
different, with a readable reason; one or two calls per batch, never per event.
The ``UNFINISHED`` ones take events whose delivery started and did not finish
(failed, retrying, abandoned) and say what they left half-done in Odoo.

One module per area, beside the handlers of the same topics
(``integrations/handlers/``); a new area's module is imported at the end of
this file. ``integrations.topics.UNRECONCILED`` names the topics that have none,
and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.odoo import OdooGateway


@dataclass
class Finding:
    """What one event's check found: the event, a sentence for a person, and what was expected and found."""

    event_id: Any
    message: str
    expected: dict = field(default_factory=dict)
    found: dict = field(default_factory=dict)


RECONCILERS: dict[str, Callable[[OdooGateway, list], list[Finding]]] = {}

# A handler makes several calls and JSON-2 commits each one on its own, so a delivery that failed
# (DEAD), is retrying (PENDING after an attempt) or lost its worker (IN_FLIGHT past its lease) may have
# left part of its change in Odoo. These reconcilers say what is there, so that an admin replays the
# event (the handlers converge: they reuse what they find) or undoes that part in Odoo. Same rules as
# the others: a batch of events, one or two calls, one finding per event.
UNFINISHED: dict[str, Callable[[OdooGateway, list], list[Finding]]] = {}


def reconciler(topic: str) -> Callable:
    """Register the check of ``topic``'s delivered events."""

    def register(fn: Callable) -> Callable:
        RECONCILERS[topic] = fn
        return fn

    return register


def unfinished(topic: str) -> Callable:
    """Register the check of what ``topic``'s unfinished deliveries left in Odoo."""

    def register(fn: Callable) -> Callable:
        UNFINISHED[topic] = fn
        return fn

    return register


from . import po_messages, acknowledgements, shipments, dispositions, scorecards  # noqa: E402, F401, I001  (registers their topics)
