"""Quality dispositions to Odoo's stock (reference flow 4, odoo18 and odoo19): ``inspection.disposed``.

The payload carries the summed decisions of every decided lot of a PO (``quality.services.dispositions.
disposition_payload``): released R, returned T, scrapped S per (receipt, product, lot). The handler
converges Odoo's reception chain to those sums, never to a delta, so a redelivery, a replay or a late
event changes nothing, and partial decisions of one lot add up. In order:

1. returns: T less what already went back from that receipt leaves WH/Input through the return wizard
   (flow 4 calls 5-16, the lot forced on the return's lines as in call 13), then the waiting transfer
   is reserved again (call 19: creating a return unreserved it);
2. three steps only: R + S less what is already in quality control goes Input -> QC (calls 19-23), a
   backorder kept when undecided goods stay at Input;
3. scraps: S less what the portal's scraps of the lot (origin ``<receipt> quality <lot>``) took, from
   WH/Quality Control (WH/Input on two steps), on the open storage transfer (calls 28-32);
4. release: R less what is already stored goes to WH/Stock on the storage transfer (calls 35-37).

A one-step warehouse (goods in WH/Stock at receipt: no recorded way to move them), returns or scraps of
serial-tracked products (no recording) and goods no longer where a step needs them are refused with a
``HandlerError`` that says what to do; nothing is forced. One chatter note on the receipt says who
decided what.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from integrations import topics
from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .dispositions_stock import (
    EPS,
    PICKING_FIELDS,
    Chain,
    Key,
    chain_read,
    check_there,
    fmt,
    lines_converge,
    lot_ids_read,
    validate,
)
from .notes import isolated, post_note_once, render_note
from .shipments import _one_at_a_time


def lot_key(lot: dict) -> Key:
    return (lot["product_odoo_id"], lot["lot_name"] or "")


def scrap_mark(lot: dict) -> str:
    """The origin of the portal's scraps of a lot: how a replay finds what it already scrapped."""
    what = lot["lot_name"] or f"product #{lot['product_odoo_id']}"
    return f"{lot['receipt_name']} quality {what}"


def _label(lot: dict) -> str:
    return f"lot {lot['lot_name']} of {lot['product']}" if lot["lot_name"] else lot["product"]


@handler(topics.INSPECTION_DISPOSED)
def inspection_disposed(gw: OdooGateway, event) -> dict[str, Any]:
    """Answers ``{"returns": [picking ids], "scraps": [scrap ids], "validated": [QC/storage picking ids],
    "note": mail.message id}``; raises ``HandlerError`` for what cannot be done without a person."""
    payload = event.payload
    lots = payload.get("lots") or []
    if not lots:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has no lots")
    serial = [_label(lot) for lot in lots if lot.get("tracking") == "serial" and (lot["returned"] or lot["scrapped"])]
    if serial:
        raise HandlerError(
            f"Returning or scrapping serial-numbered goods ({', '.join(serial)}) is not automated: return or "
            "scrap those serial numbers by hand in Odoo from the receipt's Input location."
        )
    with _one_at_a_time(event, [payload["po_odoo_id"]] if payload.get("po_odoo_id") else []):
        return _disposed(gw, event)


def _disposed(gw: OdooGateway, event) -> dict[str, Any]:
    lots = event.payload["lots"]
    receipt_ids = sorted({lot["receipt_odoo_id"] for lot in lots})
    # Only lots with something scrapped can have the portal's scraps in Odoo (the sums never go down).
    marks = sorted({scrap_mark(lot) for lot in lots if lot["scrapped"] > 0})
    lot_ids = lot_ids_read(gw, {lot_key(lot) for lot in lots})
    chain = None

    def read() -> Chain:
        fresh = chain_read(gw, receipt_ids, marks, known=chain)
        fresh.lot_ids = lot_ids
        return fresh

    chain = read()
    if chain.steps not in ("two_steps", "three_steps"):
        raise HandlerError(
            f"Warehouse {chain.warehouse['name']} does its reception in one step: the goods are in stock as soon "
            "as they are received, and the portal does not move them from there. Configure two or three steps "
            "in Odoo (Inventory > Configuration > Warehouses), or apply this decision by hand."
        )
    names = {lot_key(lot): _label(lot) for lot in lots}
    done: dict[str, list[int]] = {"returns": [], "scraps": [], "validated": []}
    for receipt_id in receipt_ids:  # returns go back receipt by receipt, each seeing the one before
        if _returns(gw, chain, receipt_id, [lot for lot in lots if lot["receipt_odoo_id"] == receipt_id], names, done):
            chain = read()
    for step in (_to_qc, _scraps, _release):
        if step(gw, chain, lots, names, done):
            chain = read()
    note = post_note_once(gw, event, "stock.picking", event.payload["receipt_odoo_id"], _note(event.payload))
    return {**done, "note": note.id}


def _returns(gw: OdooGateway, chain: Chain, receipt_id: int, lots: list[dict], names: dict, done: dict) -> bool:
    """Step 1: what must go back to the vendor from this receipt and has not."""
    wanted: Counter = Counter()
    for lot in lots:
        wanted[lot_key(lot)] += lot["returned"]
    already = chain.returned({receipt_id})
    missing = {key: qty - already[key] for key, qty in wanted.items() if qty - already[key] > EPS}
    if not missing:
        return False
    input_name = chain.warehouse["wh_input_stock_loc_id"][1]
    check_there(chain, chain.at_input(), missing, input_name, "return to the vendor", names)
    returning = chain.open_return(receipt_id) or _return_create(gw, chain.pickings[receipt_id], missing)
    lines_converge(gw, returning, missing, chain.lot_ids)
    validate(gw, returning, backorder=False)
    done["returns"].append(returning["id"])
    waiting = chain.open_of("qc_type_id" if chain.steps == "three_steps" else "store_type_id")
    if waiting:
        gw.call("stock.picking", "action_assign", [waiting["id"]])
    return True


def _return_create(gw: OdooGateway, receipt: dict, missing: dict[Key, float]) -> dict:
    """The return wizard on the receipt with each product's quantity (flow 4 calls 5-8); answers the return."""
    context = {"active_id": receipt["id"], "active_ids": [receipt["id"]], "active_model": "stock.picking"}
    wizard = gw.create("stock.return.picking", {"picking_id": receipt["id"]}, context=context)
    rows = gw.search_read("stock.return.picking.line", [["wizard_id", "=", wizard]], ["product_id", "quantity"])
    per_product: Counter = Counter()
    for (product, _lot), qty in missing.items():
        per_product[product] += qty
    for product, qty in sorted(per_product.items()):
        row = next((r for r in rows if r["product_id"] and r["product_id"][0] == product), None)
        if row is None:
            raise HandlerError(f"{receipt['name']} brought nothing of product #{product} that could go back")
        gw.write("stock.return.picking.line", [row["id"]], {"quantity": qty})
    action = gw.call("stock.return.picking", "action_create_returns", [wizard], context=context)
    return gw.read("stock.picking", [action["res_id"]], PICKING_FIELDS)[0]


def _to_qc(gw: OdooGateway, chain: Chain, lots: list[dict], names: dict, done: dict) -> bool:
    """Step 2 (three steps): released and scrapped goods go Input -> Quality Control."""
    if chain.steps != "three_steps":
        return False
    wanted: Counter = Counter()
    for lot in lots:
        wanted[lot_key(lot)] += lot["released"] + lot["scrapped"]
    already = chain.qc_in()
    missing = {key: qty - already[key] for key, qty in wanted.items() if qty - already[key] > EPS}
    if not missing:
        return False
    waiting = chain.at_input()
    check_there(chain, waiting, missing, chain.warehouse["wh_input_stock_loc_id"][1], "inspect in QC", names)
    transfer = chain.open_of("qc_type_id")
    if transfer is None:
        raise HandlerError("Odoo has no open quality-control transfer for this PO's receipts: check its route.")
    lines_converge(gw, transfer, missing, chain.lot_ids)
    # Undecided goods stay at Input on a QC backorder; without any, only returned units are missing.
    stays = any(qty - missing.get(key, 0) > EPS for key, qty in waiting.items())
    validate(gw, transfer, backorder=stays)
    done["validated"].append(transfer["id"])
    return True


def _scraps(gw: OdooGateway, chain: Chain, lots: list[dict], names: dict, done: dict) -> bool:
    """Step 3: the scrapped quantities leave QC (Input on two steps), each lot under its own mark."""
    three = chain.steps == "three_steps"
    source = chain.warehouse["wh_qc_stock_loc_id" if three else "wh_input_stock_loc_id"]
    have = chain.at_qc() if three else chain.at_input()
    storage = chain.open_of("store_type_id")
    changed = False
    for lot in lots:
        key, mark = lot_key(lot), scrap_mark(lot)
        missing = lot["scrapped"] - chain.scrapped(mark)[key]
        if missing <= EPS:
            continue
        check_there(chain, have, {key: missing}, source[1], "scrap", names)
        have[key] -= missing
        draft = next((s for s in chain.scraps if s["origin"] == mark and s["state"] != "done"), None)
        if draft:
            gw.write("stock.scrap", [draft["id"]], {"scrap_qty": missing})
            scrap = draft["id"]
        else:
            scrap = gw.create(
                "stock.scrap",
                {
                    "product_id": key[0],
                    "lot_id": chain.lot_ids.get(key, False),
                    "scrap_qty": missing,
                    "location_id": source[0],
                    "picking_id": storage["id"] if storage else False,
                    "origin": mark,
                },
            )
        answer = gw.call("stock.scrap", "action_validate", [scrap])
        if answer is not True:
            raise HandlerError(
                f"{names[key]}: Odoo does not find {fmt(missing)} in {source[1]} to scrap "
                f"({(answer or {}).get('name', answer)}); the PO's goods: {chain.whereabouts(key)}."
            )
        done["scraps"].append(scrap)
        changed = True
    return changed


def _release(gw: OdooGateway, chain: Chain, lots: list[dict], names: dict, done: dict) -> bool:
    """Step 4: released goods go to WH/Stock on the storage transfer."""
    wanted: Counter = Counter()
    for lot in lots:
        wanted[lot_key(lot)] += lot["released"]
    already = chain.stored()
    missing = {key: qty - already[key] for key, qty in wanted.items() if qty - already[key] > EPS}
    if not missing:
        return False
    three = chain.steps == "three_steps"
    have = chain.at_qc() if three else chain.at_input()
    where = chain.warehouse["wh_qc_stock_loc_id" if three else "wh_input_stock_loc_id"][1]
    check_there(chain, have, missing, where, "release to stock", names)
    transfer = chain.open_of("store_type_id")
    if transfer is None:
        raise HandlerError("Odoo has no open storage transfer for this PO's receipts: check its route.")
    lines_converge(gw, transfer, missing, chain.lot_ids)
    stays = any(qty - missing.get(key, 0) > EPS for key, qty in have.items())
    validate(gw, transfer, backorder=stays)
    done["validated"].append(transfer["id"])
    return True


def _kind_label(kind: str | None) -> str:
    """The decision's kind (a code in the payload) as the active language names it (the tenant's, during a
    delivery); a code the portal does not know, as it is."""
    from quality.models import Disposition

    try:
        return str(Disposition.Kind(kind).label)
    except ValueError:
        return kind or ""


def _note(payload: dict) -> str:
    """The note on the receipt: who decided, and the lot's totals so far (released / returned / scrapped)."""
    lots = [
        {
            "label": _("lot %(lot)s of %(product)s")
            % {"lot": isolated(lot["lot_name"]), "product": isolated(lot["product"])}
            if lot["lot_name"]
            else lot["product"],
            "released": fmt(lot["released"]),
            "returned": fmt(lot["returned"]),
            "scrapped": fmt(lot["scrapped"]),
            "held": fmt(max(lot["lot_size"] - lot["released"] - lot["returned"] - lot["scrapped"], 0)),
        }
        for lot in payload["lots"]
        if lot["receipt_odoo_id"] == payload["receipt_odoo_id"]
    ]
    return render_note(
        "inspection_disposed.html",
        receipt=payload["receipt_name"],
        kind=_kind_label(payload.get("kind")),
        decided_by=payload.get("decided_by") or "",
        reason=payload.get("reason") or "",
        lots=lots,
    )
