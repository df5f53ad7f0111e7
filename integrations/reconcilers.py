"""Reconcilers, one per topic: does Odoo still show what each delivered event put there?

Each takes a batch of done events and answers the ones whose effect is gone or
different, with a readable reason; one or two calls per batch, never per event.
The ``UNFINISHED`` ones take events whose delivery started and did not finish
(failed, retrying, abandoned) and say what they left half-done in Odoo.
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


def _record_id(value: Any) -> int | None:
    """A result id as stored: an id, or a list of one (what an Odoo 19 ``message_post`` answered
    before the gateway normalised it)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@reconciler("po.message_posted")
def po_messages_still_there(gw: OdooGateway, events: list) -> list[Finding]:
    wanted = {mid: e for e in events if (mid := _record_id(e.odoo_result.get("id")))}
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
    field_name = "date_planned"  # where the handler wrote them, on 18 and 19 alike
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


# --- Deliveries that did not finish ------------------------------------------------------------------
# A handler makes several calls and JSON-2 commits each one on its own, so a delivery that failed
# (DEAD), is retrying (PENDING after an attempt) or lost its worker (IN_FLIGHT past its lease) may have
# left part of its change in Odoo. These reconcilers say what is there, so that an admin replays the
# event (the handlers converge: they reuse what they find) or undoes that part in Odoo. Same rules as
# above: a batch of events, one or two calls, one finding per event.

UNFINISHED: dict[str, Callable[[OdooGateway, list], list[Finding]]] = {}


def unfinished(topic: str) -> Callable:
    def register(fn: Callable) -> Callable:
        UNFINISHED[topic] = fn
        return fn

    return register


def _stopped(event) -> str:
    """How the delivery stopped, in words."""
    from integrations.models import EventStatus

    if event.status == EventStatus.DEAD:
        return "failed in Odoo"
    if event.status == EventStatus.IN_FLIGHT:
        return "stopped half-way (its worker was lost)"
    return f"is retrying (attempt {event.attempts} failed)"


def _to_finish(event) -> str:
    """What finishes it, in words."""
    from integrations.models import EventStatus

    if event.status == EventStatus.DEAD:
        return "replay it to finish"
    if event.status == EventStatus.IN_FLIGHT:
        return "the sweeper will send it again to finish; replay it if that fails"
    return "its next attempt should finish it; replay it if it fails for good"


def _qty(value: Any) -> str:
    return f"{float(value or 0):g}"


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _lots_text(lots: list[tuple[str, Any]]) -> str:
    """``lot A 300`` or ``lots A 300 and B 200``."""
    return ("lot " if len(lots) == 1 else "lots ") + _names([f"{name} {_qty(qty)}" for name, qty in lots])


@unfinished("asn.submitted")
def asn_half_on_receipt(gw: OdooGateway, events: list) -> list[Finding]:
    """Lots an unfinished ASN delivery already wrote to the open receipts of its POs, and lots on those
    receipts that no ASN of the portal announced (left by an earlier attempt, or typed in Odoo)."""
    from suppliers.models import AsnItem

    po_ids_of = {
        event.pk: {int(line["po_odoo_id"]) for line in event.payload.get("lines", []) if line.get("po_odoo_id")}
        for event in events
    }
    po_ids = sorted(set().union(*po_ids_of.values())) if events else []
    if not po_ids:
        return []
    receipts = gw.search_read(
        "stock.picking",
        [
            ["purchase_id", "in", po_ids],
            ["picking_type_code", "=", "incoming"],
            ["state", "not in", ["done", "cancel"]],
        ],
        ["name", "purchase_id"],
    )
    if not receipts:
        return []
    receipt_name = {r["id"]: r["name"] for r in receipts}
    po_of_receipt = {r["id"]: r["purchase_id"][0] for r in receipts if r.get("purchase_id")}
    rows = gw.search_read(
        "stock.move.line",
        [["picking_id", "in", sorted(receipt_name)], "|", ["lot_name", "!=", False], ["lot_id", "!=", False]],
        ["picking_id", "product_id", "lot_name", "lot_id", "quantity"],
        order="id",
    )
    # (receipt id, product id, lot name, quantity) of every lot line on those receipts
    lots = [
        (
            row["picking_id"][0],
            row["product_id"][0] if row.get("product_id") else None,
            row["lot_name"] or (row["lot_id"][1] if row.get("lot_id") else ""),
            row["quantity"],
        )
        for row in rows
        if row.get("picking_id")
    ]
    names = {name for _, _, name, _ in lots}
    announced = set(
        AsnItem.objects.filter(tenant_id=events[0].tenant_id, lot_name__in=names).values_list(
            "lot_name", "line__order_line__product__odoo_id"
        )
    )

    def known(pairs: set, name: str, product: int | None) -> bool:
        return (name, product) in pairs or (name, None) in pairs

    findings = []
    for event in events:
        payload = event.payload
        number = payload.get("number") or f"ASN #{payload.get('asn_id')}"
        shipped = [
            (lot["name"], line.get("product_odoo_id"), lot.get("quantity"))
            for line in payload.get("lines", [])
            for lot in line.get("lots", [])
            if lot.get("name")
        ]
        mine = {(name, product) for name, product, _ in shipped}
        on_receipts = [lot for lot in lots if po_of_receipt.get(lot[0]) in po_ids_of[event.pk]]
        written = [lot for lot in on_receipts if known(mine, lot[2], lot[1])]
        stray = [lot for lot in on_receipts if not known(announced, lot[2], lot[1])]
        if not written and not stray:
            continue
        sentences = []
        if written:
            where = _names(sorted({receipt_name[r] for r, *_ in written}))
            announced_qty = {(name, product): qty for name, product, qty in shipped}
            done_text = _names(
                [
                    f"{name} {_qty(qty)}" + (f" (announced {_qty(want)})" if abs((qty or 0) - want) > 1e-9 else "")
                    for _, product, name, qty in written
                    for want in [float(announced_qty.get((name, product), announced_qty.get((name, None))) or 0)]
                ]
            )
            missing = [(name, qty) for name, _, qty in shipped if name not in {lot[2] for lot in written}]
            sentences.append(
                f"{number} {_stopped(event)} after writing {'lot' if len(written) == 1 else 'lots'} {done_text} "
                f"to {where}"
                + (f", not yet {_lots_text(missing)}" if missing else "")
                + f"; {_to_finish(event)}, or cancel it and remove "
                + ("that lot" if len(written) == 1 else "those lots")
                + f" from {where} in Odoo."
            )
        if stray:
            stray_receipts = sorted({receipt_name[r] for r, *_ in stray})
            where, it = _names(stray_receipts), "them" if len(stray) > 1 else "it"
            holds = f"{'hold' if len(stray_receipts) > 1 else 'holds'} {_lots_text([(n, q) for _, _, n, q in stray])}"
            advice = (
                f"that no ASN of the portal announced: remove {it} in Odoo if an earlier attempt left {it}, "
                f"or accept {it} as is."
            )
            if written:
                sentences.append(f"{where} also {holds} {advice}")
            else:
                sentences.append(f"{number} {_stopped(event)}; {where}, where it ships to, {holds} {advice}")
        findings.append(
            Finding(
                event.pk,
                " ".join(sentences),
                expected={
                    "asn": number,
                    "lots": [{"lot": name, "product_id": product, "quantity": qty} for name, product, qty in shipped],
                },
                found={
                    "lots": [
                        {"receipt": receipt_name[r], "lot": name, "product_id": product, "quantity": qty}
                        for r, product, name, qty in written
                    ],
                    "unannounced": [
                        {"receipt": receipt_name[r], "lot": name, "product_id": product, "quantity": qty}
                        for r, product, name, qty in stray
                    ],
                },
            )
        )
    return findings


@unfinished("po.acknowledged")
def acknowledgement_half_in_odoo(gw: OdooGateway, events: list) -> list[Finding]:
    """An unfinished acknowledgement whose write (vendor reference, promised dates) shows in Odoo without
    its chatter note, or whose note is there without the write.

    The handler writes the reference and the dates in one call, so one of them tells whether the write
    landed: the dates when the event has some (they differ from Odoo's by construction), else the
    reference, unless the order's previous delivered acknowledgement already set the same one.
    """
    from integrations.handlers.po_messages import marker
    from integrations.models import EventStatus, OutboxEvent
    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    tenant_id = events[0].tenant_id
    orders = {
        str(pk): name
        for pk, name in PurchaseOrder.objects.filter(
            tenant_id=tenant_id, pk__in=[int(e.aggregate_id) for e in events if e.aggregate_id.isdigit()]
        ).values_list("pk", "name")
    }
    earlier_refs: dict[str, list[tuple[int, str]]] = {}
    earlier_acks: dict[str, list[int]] = {}  # sequences of delivered acknowledgements that set Odoo's flag
    for aggregate_id, sequence, payload in OutboxEvent.objects.filter(
        tenant_id=tenant_id,
        topic="po.acknowledged",
        status=EventStatus.DONE,
        aggregate_type=events[0].aggregate_type,
        aggregate_id__in={e.aggregate_id for e in events},
    ).values_list("aggregate_id", "sequence", "payload"):
        earlier_refs.setdefault(aggregate_id, []).append((sequence, (payload or {}).get("supplier_ref") or ""))
        if (payload or {}).get("confirmed_date"):
            earlier_acks.setdefault(aggregate_id, []).append(sequence)

    def previous_ref(event) -> str:
        before = [item for item in earlier_refs.get(event.aggregate_id, []) if item[0] < event.sequence]
        return max(before)[1] if before else ""

    checks = []  # (event, po id, {line id: promised}, reference to look for or "")
    for event in events:
        try:
            po_id = int(event.payload["po_odoo_id"])
        except (KeyError, TypeError, ValueError):
            continue
        dates = {int(line): when for line, when in (event.payload.get("line_dates") or {}).items()}
        ref = event.payload.get("supplier_ref") or ""
        checks.append((event, po_id, dates, "" if dates or ref == previous_ref(event) else ref))
    if not checks:
        return []
    # One read for both: the dated lines, and (through the order) the lines of orders that show the reference.
    dated = sorted({line for _, _, dates, _ in checks for line in dates})
    by_ref = [["&", ["order_id", "=", po_id], ["order_id.partner_ref", "=", ref]] for _, po_id, _, ref in checks if ref]
    leaves = ([[["id", "in", dated]]] if dated else []) + by_ref
    rows = []
    if leaves:
        domain = ["|"] * (len(leaves) - 1) + [token for leaf in leaves for token in leaf]
        rows = gw.search_read("purchase.order.line", domain, ["order_id", "date_planned"])
    planned = {row["id"]: row["date_planned"] for row in rows}
    # A line that came back without being asked for by id came through its order's reference. (Events of one
    # order are delivered in turn, so a batch holds at most one unfinished acknowledgement per order.)
    ref_shown = {row["order_id"][0] for row in rows if row.get("order_id") and row["id"] not in dated}
    # Odoo's own "the vendor acknowledged" (18 mail_reminder_confirmed, 19 acknowledged), set by the handler's
    # second call: on its own it shows the delivery got that far, unless an earlier acknowledgement set it.
    flag = gw.dialect.po_acknowledged
    asked = sorted(
        {
            po_id
            for event, po_id, _, _ in checks
            if event.payload.get("confirmed_date")
            and not any(seq < event.sequence for seq in earlier_acks.get(event.aggregate_id, []))
        }
    )
    flagged = {row["id"] for row in gw.read("purchase.order", asked, [flag]) if row.get(flag)} if asked else set()
    tags = {event.pk: marker(str(event.id)) for event, *_ in checks}
    notes = gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "in", sorted({po_id for _, po_id, _, _ in checks})]]
        + ["|"] * (len(tags) - 1)
        + [["body", "ilike", tag] for tag in tags.values()],
        ["res_id", "body"],
    )
    descriptions = dict(
        PurchaseOrderLine.objects.filter(tenant_id=tenant_id, odoo_id__in=dated).values_list("odoo_id", "description")
    )

    def line_label(line_id: int) -> str:
        text = (descriptions.get(line_id) or "").splitlines()
        return f"line {line_id} ({text[0][:50]})" if text and text[0] else f"line {line_id}"

    findings = []
    for event, po_id, dates, ref in checks:
        tag = tags[event.pk]
        noted = any(note["res_id"] == po_id and tag in (note["body"] or "") for note in notes)
        shown = {line: when for line, when in dates.items() if (planned.get(line) or "")[:10] == when[:10]}
        missing = {line: when for line, when in dates.items() if line not in shown}
        wrote = bool(shown) if dates else (po_id in ref_shown if ref else None)  # None: nothing to write
        acknowledged = po_id in flagged
        if not noted and not wrote and not acknowledged:
            continue  # nothing of it reached Odoo
        name = orders.get(event.aggregate_id) or f"purchase.order {po_id}"
        what = f"the acknowledgement of {name} (version {event.payload.get('version')})"
        written = [f"the promised date {when[:10]} of {line_label(line)}" for line, when in sorted(shown.items())]
        if wrote and (ref or event.payload.get("supplier_ref")):  # written in the same call as the dates
            written.append(f"the vendor reference {ref or event.payload['supplier_ref']}")
        if acknowledged:
            written.append(f"Odoo's own acknowledgement of the order ({flag})")
        expected = {
            "note": tag,
            "date_planned": {str(line): when for line, when in dates.items()},
            **({"partner_ref": ref} if ref else {}),
        }
        found = {
            "note": noted,
            "date_planned": {str(line): planned.get(line) or None for line in dates},
            **({"partner_ref": ref if wrote else None} if ref else {}),
        }
        if not noted:
            message = (
                f"{what[0].upper()}{what[1:]} {_stopped(event)} after writing {_names(written)}, without its chatter "
                f"note; {_to_finish(event)}, or cancel it and set the order back in Odoo."
            )
        elif missing or (ref and not wrote):
            absent = [
                f"its promised date {when[:10]} of {line_label(line)} (Odoo has {(planned.get(line) or 'none')[:10]})"
                for line, when in sorted(missing.items())
            ] + ([f"its vendor reference {ref}"] if ref and not wrote else [])
            message = (
                f"The chatter of {name} has the note of acknowledgement version {event.payload.get('version')}, "
                f"which {_stopped(event)}, but Odoo does not show "
                f"{_names(absent)}; {_to_finish(event)}, or accept Odoo's values."
            )
        else:
            message = (
                f"Odoo already shows all of {what}, values and chatter note, but the delivery {_stopped(event)}; "
                f"{_to_finish(event)}, which changes nothing in Odoo."
            )
        findings.append(Finding(event.pk, message, expected=expected, found=found))
    return findings
