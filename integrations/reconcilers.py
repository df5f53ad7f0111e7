"""Reconcilers, one per topic: does Odoo still show what each delivered event put there?

Each takes a batch of done events and answers the ones whose effect is gone or
different, with a readable reason; one or two calls per batch, never per event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.odoo import OdooGateway


@dataclass
class Finding:
    event_id: Any
    message: str
    expected: dict = field(default_factory=dict)
    found: dict = field(default_factory=dict)


RECONCILERS: dict[str, Callable[[OdooGateway, list], list[Finding]]] = {}


def reconciler(topic: str) -> Callable:
    def register(fn: Callable) -> Callable:
        RECONCILERS[topic] = fn
        return fn

    return register


@reconciler("po.message_posted")
def po_messages_still_there(gw: OdooGateway, events: list) -> list[Finding]:
    wanted = {int(e.odoo_result["id"]): e for e in events if e.odoo_result.get("id")}
    present = set(gw.search("mail.message", [["id", "in", sorted(wanted)]])) if wanted else set()
    return [
        Finding(
            event.pk,
            f"The message is no longer in the chatter of the order in Odoo (mail.message {mid}).",
            expected={"mail.message": mid},
            found={"mail.message": None},
        )
        for mid, event in wanted.items()
        if mid not in present
    ]
