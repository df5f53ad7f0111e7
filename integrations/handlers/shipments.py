"""ASNs to the incoming receipts in Odoo (reference flows 3 and 4).

``asn.submitted``: the expected arrival as the receipt's scheduled date, the
carrier's tracking reference when the field exists, lots and quantities on the
move lines, certificates as attachments and a chatter note. Move lines are
brought to the announced state (found by lot name, reused, or created), so a
redelivery converges instead of adding lines twice. What does not match the
receipt (no open receipt, another product, more than expected) is reported on
the ASN and in the note, never forced.

Several ASNs of one PO line add up: each delivery converges the receipt's move
to what every open ASN of that line still announces, read when it runs (truck A
600 and truck B 200 of an untracked line: 800; lots of one ASN are never taken
as another's, and one lot shipped twice is one line with both quantities).
After a partial receipt the same event, written again with what is still
expected, puts the open ASNs' lots on the backorder.

``asn.cancelled``: the move converges to what the other open ASNs announce
(back to Odoo's own expectation when none is left) and a note says why.
"""

from __future__ import annotations

import base64
import contextlib
from collections import defaultdict
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from integrations import topics
from integrations.odoo import OdooGateway
from portal import dates, l10n

from . import BatchResult, HandlerError, batch_handler, handler
from .batches import BatchRun, one_of, stops_the_batch
from .notes import already_there, isolated, post_note_once, render_note

MOVE_FIELDS = [
    "picking_id",
    "product_id",
    "purchase_line_id",
    "product_uom_qty",
    "product_uom",
    "move_line_ids",
    "location_id",
    "location_dest_id",
    "state",
]
LINE_FIELDS = ["move_id", "lot_id", "lot_name", "quantity"]


def _open_receipts(gw: OdooGateway, po_ids: list[int]) -> dict[int, list[dict]]:
    orders = gw.read("purchase.order", po_ids, ["picking_ids"])
    picking_ids = sorted({p for order in orders for p in order["picking_ids"]})
    pickings = (
        gw.read("stock.picking", picking_ids, ["name", "state", "picking_type_code", "move_ids"]) if picking_ids else []
    )
    by_po: dict[int, list[dict]] = defaultdict(list)
    owner = {p: order["id"] for order in orders for p in order["picking_ids"]}
    for picking in pickings:
        if picking["picking_type_code"] == "incoming" and picking["state"] not in ("done", "cancel"):
            by_po[owner[picking["id"]]].append(picking)
    return by_po


def _plan(
    gw: OdooGateway, payload: dict, read: dict[int, list[dict]] | None = None
) -> tuple[list[dict], dict[int, dict], list[str]]:
    """Match each ASN line to a move of an open receipt; answers pickings, moves by ASN line index, mismatches.
    ``read``: the open receipts by PO as the batch read them (``_open_receipts``) when it did, else read here.
    The moves are read here in any case: an earlier ASN of the batch may have changed their lines."""
    po_ids = sorted({line["po_odoo_id"] for line in payload["lines"]})
    receipts = _open_receipts(gw, po_ids) if read is None else {po: read[po] for po in po_ids if po in read}
    pickings = [p for ps in receipts.values() for p in ps]
    move_ids = sorted({m for p in pickings for m in p["move_ids"]})
    moves = gw.read("stock.move", move_ids, MOVE_FIELDS) if move_ids else []
    by_po_line = defaultdict(list)
    for move in moves:
        if move["purchase_line_id"] and move["state"] not in ("done", "cancel"):
            by_po_line[move["purchase_line_id"][0]].append(move)
    matched, mismatches = {}, []
    for index, line in enumerate(payload["lines"]):
        if not receipts.get(line["po_odoo_id"]):
            mismatches.append(_("%(po_name)s: no open receipt in Odoo for %(product)s.") % line)
            continue
        candidates = by_po_line.get(line["po_line_odoo_id"], [])
        if not candidates:
            mismatches.append(_("%(po_name)s: the receipt has nothing open for %(product)s.") % line)
            continue
        move = candidates[0]
        if line.get("product_odoo_id") and move["product_id"][0] != line["product_odoo_id"]:
            said = {**line, "expected": move["product_id"][1]}
            mismatches.append(_("%(po_name)s: the receipt expects %(expected)s, the ASN ships %(product)s.") % said)
            continue
        matched[index] = move
    return pickings, matched, mismatches


def _lot_of(line: dict) -> str:
    return line["lot_name"] or (line["lot_id"][1] if line["lot_id"] else "")


def _converge_move_lines(
    gw: OdooGateway,
    move: dict,
    lots: dict[str, tuple[float, str | None]],
    loose: float,
    existing: list[dict],
    ours: set[str],
    expiry_field: str | None = None,
) -> int:
    """Make the move's lines hold exactly ``lots`` (name -> quantity, expiry as an Odoo datetime) and
    ``loose`` without a lot; answers the lines removed.

    Lines are found by lot name and reused (a spare line without a lot takes a name), created when
    missing, and a lot found twice keeps one line, so a redelivery or a race converges. Lines of lots
    the portal announced (``ours``) that no open shipment still announces go; lots nobody in the portal
    named (typed at the dock) are left as they are.
    """
    by_lot: dict[str, list[dict]] = defaultdict(list)
    spare: list[dict] = []
    for line in sorted(existing, key=lambda row: row["id"]):
        (by_lot[_lot_of(line)] if _lot_of(line) else spare).append(line)
    drop: list[int] = []
    wanted = [(lot, quantity, expiry) for lot, (quantity, expiry) in lots.items()]
    if loose > 1e-9:
        wanted.append(("", loose, None))
    for lot, quantity, expiry in wanted:
        dated = {expiry_field: expiry} if expiry_field and expiry else {}
        found = by_lot.pop(lot, []) if lot else []
        drop += [row["id"] for row in found[1:]]
        line = found[0] if found else (spare.pop(0) if spare else None)
        if line is not None:
            values: dict[str, Any] = {}
            if lot and _lot_of(line) != lot:
                values.update(lot_name=lot, **dated)
            if abs((line["quantity"] or 0) - quantity) > 1e-9:
                values["quantity"] = quantity
            if values:
                gw.write("stock.move.line", [line["id"]], values)
            continue
        gw.create(
            "stock.move.line",
            {
                "move_id": move["id"],
                "picking_id": move["picking_id"][0],
                "product_id": move["product_id"][0],
                "product_uom_id": move["product_uom"][0],
                "location_id": move["location_id"][0],
                "location_dest_id": move["location_dest_id"][0],
                "lot_name": lot or False,
                "quantity": quantity,
                **dated,
            },
        )
    # What is left without a lot is the reservation Odoo made before the lots were known (it would
    # count twice), and lines of the portal's lots that no open shipment still announces.
    drop += [row["id"] for row in spare]
    drop += [row["id"] for lot, rows in by_lot.items() if lot in ours for row in rows if not row["lot_id"]]
    if drop:
        gw.unlink("stock.move.line", sorted(drop))
    return len(drop)


def _announced(event, po_line_ids: list[int], *, announcing: bool) -> tuple[dict[int, dict], dict[int, set[str]]]:
    """What every open shipment of these PO lines still announces, read when the event runs, and the
    lot names the portal ever announced on them.

    Answers ``{po line: {"lots": {name: [quantity, expiry day]}, "loose": quantity}}`` and ``{po line:
    lot names}``. Several ASNs of one PO line add up (truck A 600 and truck B 200: the receipt
    expects 800); what a done receipt brought no longer counts. An ASN the portal does not hold (the
    contract suite's) counts as its payload says when ``announcing`` (submitted, not cancelled).
    """
    from suppliers.models import Asn, AsnItem, AsnLine

    announced: dict[int, dict] = {}
    ours: dict[int, set[str]] = defaultdict(set)
    lines = (
        AsnLine.objects.filter(
            tenant_id=event.tenant_id, order_line__odoo_id__in=po_line_ids, asn__status__in=Asn.OPEN_STATUSES
        )
        .select_related("order_line")
        .prefetch_related("items")
    )
    for line in lines:
        entry = announced.setdefault(line.order_line.odoo_id, {"lots": {}, "loose": Decimal(0)})
        named = Decimal(0)
        for item in line.items.all():
            rest = item.quantity - item.quantity_received
            if item.lot_name and rest > 0:
                lot = entry["lots"].setdefault(item.lot_name, [Decimal(0), None])
                lot[0] += rest
                lot[1] = lot[1] or item.expiry_date
                named += rest
        entry["loose"] += max(line.quantity_open - named, Decimal(0))
    held = Asn.objects.filter(pk=event.payload.get("asn_id") or 0, tenant_id=event.tenant_id).exists()
    for line in event.payload.get("lines", []):
        ours[line["po_line_odoo_id"]].update(lot["name"] for lot in line["lots"] if lot.get("name"))
        if held or not announcing or line["po_line_odoo_id"] not in po_line_ids:
            continue
        entry = announced.setdefault(line["po_line_odoo_id"], {"lots": {}, "loose": Decimal(0)})
        named = Decimal(0)
        for item in line["lots"]:
            lot = entry["lots"].setdefault(item["name"], [Decimal(0), None])
            lot[0] += Decimal(str(item["quantity"]))
            lot[1] = lot[1] or item.get("expiry_date")
            named += Decimal(str(item["quantity"]))
        entry["loose"] += max(Decimal(str(line["quantity"])) - named, Decimal(0))
    for po_line, name in (
        AsnItem.objects.filter(tenant_id=event.tenant_id, line__order_line__odoo_id__in=po_line_ids)
        .exclude(lot_name="")
        .values_list("line__order_line__odoo_id", "lot_name")
        .distinct()
    ):
        ours[po_line].add(name)
    return announced, ours


def _tolerance(event) -> float:
    from suppliers.models import rules_for

    return 1 + float(rules_for(event.tenant_id).asn_qty_over_pct) / 100


def _converge(gw: OdooGateway, event, matched: dict[int, dict], *, announcing: bool) -> tuple[int, list[str]]:
    """Bring each matched receipt move to what every open ASN of its PO line announces; answers the
    lines removed and, for this event's ASN, what could not be put on the receipt (more than it expects)."""
    payload = event.payload
    moves = {move["id"]: move for move in matched.values()}
    po_line_of = {move["id"]: move["purchase_line_id"][0] for move in moves.values()}
    announced, ours = _announced(event, sorted(set(po_line_of.values())), announcing=announcing)
    line_ids = sorted({lid for move in moves.values() for lid in move["move_line_ids"]})
    existing = defaultdict(list)
    for row in gw.read("stock.move.line", line_ids, LINE_FIELDS) if line_ids else []:
        existing[row["move_id"][0]].append(row)
    # product_expiry puts the lot's expiry on the move line; without the module there is none to set.
    expiry_field = "expiration_date" if gw.has_field("stock.move.line", "expiration_date") else None
    zone = payload.get("time_zone") or "UTC"  # events queued before the payload named it: UTC
    tolerance = _tolerance(event)
    mine = {line["po_line_odoo_id"]: line for line in payload["lines"]}
    removed, mismatches = 0, []
    for move_id, move in moves.items():
        po_line = po_line_of[move_id]
        entry = announced.get(po_line)
        demand = move["product_uom_qty"]
        if entry is None:
            # No open shipment announces this line any more: back to what Odoo expects by itself, the
            # ordered quantity without lots (beside lots typed at the dock).
            typed = sum(r["quantity"] or 0 for r in existing[move_id] if _lot_of(r) and _lot_of(r) not in ours[po_line])
            removed += _converge_move_lines(
                gw, move, {}, max(demand - typed, 0.0), existing[move_id], ours[po_line], expiry_field
            )
            continue
        total = float(entry["loose"] + sum((q for q, _ in entry["lots"].values()), Decimal(0)))
        if total > demand * tolerance + 1e-9:
            line = mine.get(po_line)
            if line is not None and announcing:
                others = total - line["quantity"]
                mismatches.append(_too_much(line, total if others > 1e-9 else None, demand))
            continue
        # An expiry is a day where the tenant is: noon there, as Odoo holds a day in a datetime field.
        lots = {
            name: (float(quantity), dates.odoo_noon(expiry, zone) if expiry else None)
            for name, (quantity, expiry) in sorted(entry["lots"].items())
        }
        removed += _converge_move_lines(
            gw, move, lots, float(entry["loose"]), existing[move_id], ours[po_line], expiry_field
        )
    return removed, mismatches


@contextlib.contextmanager
def _one_at_a_time(event, po_ids: list[int]):
    """Two shipments of one PO delivered at once would each converge the same receipt lines: on
    PostgreSQL the PO rows are locked while one runs. SQLite (the embedded setup) takes no lock here,
    since it would hold its only writer during Odoo's calls; a race there can leave one lot on two
    lines, which the next delivery of any shipment of that line merges back into one."""
    from suppliers.models import PurchaseOrder

    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        list(
            PurchaseOrder.objects.select_for_update()
            .filter(tenant_id=event.tenant_id, odoo_id__in=po_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        yield


def _attachments(gw: OdooGateway, event, picking_id: int, certificates: list[dict], number: str) -> list[int]:
    from suppliers.models import Certificate

    ids = []
    for cert in certificates:
        name = f"{number} - {cert['name']}"
        found = already_there(
            gw,
            event,
            "ir.attachment",
            [["res_model", "=", "stock.picking"], ["res_id", "=", picking_id], ["name", "=", name]],
        )
        if found:
            ids.append(found)
            continue
        record = Certificate.objects.filter(pk=cert["id"], tenant_id=event.tenant_id).first()
        if record is None:
            continue
        try:
            with record.file.open("rb") as fh:
                data = base64.b64encode(fh.read()).decode()
        except OSError:  # the record is there, its file is not: nothing to send until it is uploaded again
            raise HandlerError(
                f"certificate {record.filename} of {number}: its file is missing from the portal's storage; "
                "remove it from the shipment and upload it again"
            ) from None
        ids.append(
            gw.create(
                "ir.attachment",
                {"name": name, "res_model": "stock.picking", "res_id": picking_id, "type": "binary", "datas": data},
            )
        )
    return ids


def _record_mismatches(event, mismatches: list[str]) -> None:
    from suppliers.models import Asn

    Asn.objects.filter(pk=event.payload.get("asn_id"), tenant_id=event.tenant_id).update(odoo_mismatches=mismatches)


@batch_handler(topics.ASN_SUBMITTED)
def asns_submitted(gw: OdooGateway, events: list) -> BatchResult:
    """Each event -> ``{"pickings", "moves", "mismatches", "notes"}`` or its failure. The open receipts of
    every PO the batch's ASNs name are read once for the batch (one read of the orders, one of their
    pickings); a shared read Odoo refuses for good is made again per ASN, one that fails otherwise fails every
    ASN of the batch. The rest of each ASN (its moves, lines, note) is its own, in turn, one PO at a time."""
    run, shipping = BatchRun(), []
    for event in events:
        if run.is_open(event):
            lines = event.payload.get("lines")
            if lines and all(isinstance(line, dict) and isinstance(line.get("po_odoo_id"), int) for line in lines):
                shipping.append(event)
            else:  # a payload without lines, or a line without its PO: this event alone fails
                run.fail(event, HandlerError(f"payload of {event.topic} v{event.payload_version} has no usable lines"))
    po_ids = sorted({line["po_odoo_id"] for event in shipping for line in event.payload["lines"]})
    receipts = None
    if len(shipping) > 1:
        try:
            receipts = _open_receipts(gw, po_ids)
        except Exception as exc:
            if stops_the_batch(exc):
                for event in shipping:
                    run.fail(event, exc)
    for event in shipping:
        run.attempt(event, partial(_submitted_one, gw, event, receipts))
    return run.results


def _submitted_one(gw: OdooGateway, event, receipts: dict[int, list[dict]] | None) -> dict[str, Any]:
    with _one_at_a_time(event, sorted({line["po_odoo_id"] for line in event.payload["lines"]})):
        return _submitted(gw, event, receipts)


asn_submitted = handler(topics.ASN_SUBMITTED)(one_of(asns_submitted))


def _too_much(line: dict, total: float | None, demand: float) -> str:
    """The mismatch of an ASN line that ships more than the receipt expects (``total``: with the other open
    shipments, when they add to it), in the active language (the tenant's, during a delivery)."""
    said = {**line, "ships": l10n.qty(line["quantity"]), "total": l10n.qty(total), "demand": l10n.qty(demand)}
    # The product's name in a bidi isolate: an override in it cannot reverse the sentence after it.
    said["product"] = isolated(str(line.get("product") or ""))
    if total is not None:
        text = _(
            "%(po_name)s: the ASN ships %(ships)s %(uom)s of %(product)s (%(total)s with the other open "
            "shipments), the receipt expects %(demand)s; left for the dock to decide."
        )
    else:
        text = _(
            "%(po_name)s: the ASN ships %(ships)s %(uom)s of %(product)s, the receipt expects "
            "%(demand)s; left for the dock to decide."
        )
    return text % said


def _submitted_note(payload: dict, mismatches: list[str]) -> str:
    """The note on the receipt: when the shipment comes and what it brings, and what does not match."""
    zone = payload.get("time_zone") or "UTC"  # events queued before the payload named it: UTC
    return render_note(
        "asn_submitted.html",
        number=payload["number"],
        partner=payload["partner"],
        after_receipt=payload.get("after_receipt"),
        ship_date=payload.get("ship_date"),
        expected=l10n.instant(dates.from_odoo(payload.get("eta")), dates.tenant_zone(zone)) or "—",
        carrier=payload.get("carrier"),
        tracking_number=payload.get("tracking_number"),
        packages=payload.get("packages") or [],
        lines=[
            {
                "po_name": line["po_name"],
                "quantity": line["quantity"],
                "uom": line["uom"],
                "product": line["product"],
                "lots": [lot["name"] for lot in line["lots"]],
            }
            for line in payload["lines"]
        ],
        mismatches=mismatches,
    )


def _submitted(gw: OdooGateway, event, receipts: dict[int, list[dict]] | None = None) -> dict[str, Any]:
    payload = event.payload
    pickings, matched, mismatches = _plan(gw, payload, receipts)
    touched = sorted({matched[i]["picking_id"][0] for i in matched})
    if touched:
        values: dict[str, Any] = {}
        if payload.get("eta"):
            values["scheduled_date"] = payload["eta"]
        if payload.get("tracking_number") and gw.has_field("stock.picking", "carrier_tracking_ref"):
            values["carrier_tracking_ref"] = payload["tracking_number"]
        if values:
            gw.write("stock.picking", touched, values)  # one call: the values are the same for all
    _, over = _converge(gw, event, matched, announcing=True)
    mismatches += over
    body = _submitted_note(payload, mismatches)
    notes = {}
    for picking_id in touched or [p["id"] for p in pickings][:1]:
        attachments = _attachments(gw, event, picking_id, payload.get("certificates") or [], payload["number"])
        notes[picking_id] = post_note_once(gw, event, "stock.picking", picking_id, body, attachment_ids=attachments).id
    _record_mismatches(event, mismatches)
    return {"pickings": touched, "moves": len(matched), "mismatches": mismatches, "notes": notes}


@handler(topics.ASN_CANCELLED)
def asn_cancelled(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    with _one_at_a_time(event, sorted({line["po_odoo_id"] for line in payload["lines"]})):
        pickings, matched, _ = _plan(gw, payload)
        # The receipt keeps what the other open shipments of its lines announce (B cancelled: A's 600).
        removed, _ = _converge(gw, event, matched, announcing=False)
        touched = sorted({matched[i]["picking_id"][0] for i in matched}) or [p["id"] for p in pickings][:1]
        body = render_note(
            "asn_cancelled.html",
            partner=payload["partner"],
            number=payload["number"],
            reason=payload.get("reason") or "",
        )
        for picking_id in touched:
            post_note_once(gw, event, "stock.picking", picking_id, body, attachment_ids=[])
    return {"pickings": touched, "move_lines_removed": removed}
