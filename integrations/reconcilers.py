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


@reconciler("po.acknowledged")
def acknowledged_dates_still_there(gw: OdooGateway, events: list) -> list[Finding]:
    """Promised dates the portal wrote, on acknowledgements that still stand (an outdated one is
    already back with the supplier)."""
    from suppliers.models import Acknowledgement, AckStatus

    current = set(
        Acknowledgement.objects.filter(
            pk__in=[e.payload.get("ack_id") for e in events], order__ack_status=AckStatus.ACCEPTED
        ).values_list("pk", flat=True)
    )
    wanted = {
        int(line_id): (event, when)
        for event in events
        if event.payload.get("ack_id") in current
        for line_id, when in (event.payload.get("line_dates") or {}).items()
    }
    if not wanted:
        return []
    field_name = next((f for f in ("date_promised",) if gw.has_field("purchase.order.line", f)), "date_planned")
    found = {row["id"]: row[field_name] for row in gw.read("purchase.order.line", sorted(wanted), [field_name])}
    findings = []
    for line_id, (event, when) in wanted.items():
        if (found.get(line_id) or "")[:10] != when[:10]:
            findings.append(
                Finding(
                    event.pk,
                    f"Odoo's PO line {line_id} expects {found.get(line_id) or 'nothing'}, the acknowledgement "
                    f"promised {when[:10]}.",
                    expected={field_name: when},
                    found={field_name: found.get(line_id)},
                )
            )
    return findings


@reconciler("asn.submitted")
def asn_lots_still_on_receipt(gw: OdooGateway, events: list) -> list[Finding]:
    """Lots of shipments not yet received should still be on the receipt's move lines."""
    from suppliers.models import Asn

    open_ids = set(
        Asn.objects.filter(pk__in=[e.payload.get("asn_id") for e in events], status__in=Asn.OPEN_STATUSES)
        .filter(odoo_mismatches=[])
        .values_list("pk", flat=True)
    )
    wanted = {
        (lot["name"], line["po_line_odoo_id"]): event
        for event in events
        if event.payload.get("asn_id") in open_ids
        for line in event.payload.get("lines", [])
        for lot in line.get("lots", [])
    }
    if not wanted:
        return []
    rows = gw.search_read(
        "stock.move.line", [["lot_name", "in", sorted({name for name, _ in wanted})]], ["lot_name", "move_id"]
    )
    moves = {row["move_id"][0] for row in rows if row.get("move_id")}
    purchase_line = {
        m["id"]: (m["purchase_line_id"] or [None])[0]
        for m in (gw.read("stock.move", sorted(moves), ["purchase_line_id"]) if moves else [])
    }
    present = {(row["lot_name"], purchase_line.get(row["move_id"][0])) for row in rows if row.get("move_id")}
    return [
        Finding(
            event.pk,
            f"Lot {name} of {event.payload.get('number')} is no longer on the receipt in Odoo.",
            expected={"lot_name": name, "purchase_line_id": po_line},
            found={},
        )
        for (name, po_line), event in wanted.items()
        if (name, po_line) not in present
    ]
