"""asn.submitted: are the lots of open shipments still on their receipts, and what did an unfinished
delivery leave there?"""

from __future__ import annotations

from typing import Any, NamedTuple

from integrations import topics
from integrations.odoo import OdooGateway

from . import Finding, reconciler, unfinished
from .wording import lots_text, names, qty, stopped, to_finish


@reconciler(topics.ASN_SUBMITTED)
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


class _Lot(NamedTuple):
    """A lot line on an open receipt."""

    receipt: int
    product: int | None
    name: str
    quantity: Any


class _Shipped(NamedTuple):
    """A lot the ASN announces."""

    name: str
    product: int | None
    quantity: Any


class _Receipts(NamedTuple):
    """The open receipts of some POs: their names, their POs, and every lot line on them."""

    name: dict[int, str]
    po_of: dict[int, int]
    lots: list[_Lot]


@unfinished(topics.ASN_SUBMITTED)
def asn_half_on_receipt(gw: OdooGateway, events: list) -> list[Finding]:
    """Lots an unfinished ASN delivery already wrote to the open receipts of its POs, and lots on those
    receipts that no ASN of the portal announced (left by an earlier attempt, or typed in Odoo)."""
    po_ids_of = {
        event.pk: {int(line["po_odoo_id"]) for line in event.payload.get("lines", []) if line.get("po_odoo_id")}
        for event in events
    }
    po_ids = sorted(set().union(*po_ids_of.values())) if events else []
    receipts = _open_receipts(gw, po_ids) if po_ids else None
    if receipts is None:
        return []
    announced = _announced(events[0].tenant_id, {lot.name for lot in receipts.lots})
    findings = []
    for event in events:
        on_receipts = [lot for lot in receipts.lots if receipts.po_of.get(lot.receipt) in po_ids_of[event.pk]]
        finding = _half_on_receipt(event, on_receipts, receipts.name, announced)
        if finding is not None:
            findings.append(finding)
    return findings


def _open_receipts(gw: OdooGateway, po_ids: list[int]) -> _Receipts | None:
    """The POs' open incoming receipts and their lot lines (two calls), or None when they have none."""
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
        return None
    receipt_name = {r["id"]: r["name"] for r in receipts}
    rows = gw.search_read(
        "stock.move.line",
        [["picking_id", "in", sorted(receipt_name)], "|", ["lot_name", "!=", False], ["lot_id", "!=", False]],
        ["picking_id", "product_id", "lot_name", "lot_id", "quantity"],
        order="id",
    )
    lots = [
        _Lot(
            row["picking_id"][0],
            row["product_id"][0] if row.get("product_id") else None,
            row["lot_name"] or (row["lot_id"][1] if row.get("lot_id") else ""),
            row["quantity"],
        )
        for row in rows
        if row.get("picking_id")
    ]
    return _Receipts(receipt_name, {r["id"]: r["purchase_id"][0] for r in receipts if r.get("purchase_id")}, lots)


def _announced(tenant_id: int, lot_names: set[str]) -> set[tuple[str, int | None]]:
    """(lot name, product's Odoo id) of every lot of these names any ASN of the portal announced."""
    from suppliers.models import AsnItem

    return set(
        AsnItem.objects.filter(tenant_id=tenant_id, lot_name__in=lot_names).values_list(
            "lot_name", "line__order_line__product__odoo_id"
        )
    )


def _known(pairs: set, name: str, product: int | None) -> bool:
    """Whether (lot, product) is among ``pairs``, a lot announced without a product matching any."""
    return (name, product) in pairs or (name, None) in pairs


def _half_on_receipt(event, on_receipts: list[_Lot], receipt_name: dict[int, str], announced: set) -> Finding | None:
    """What one unfinished ASN delivery left on the receipts it ships to, or None when they show nothing of it."""
    payload = event.payload
    number = payload.get("number") or f"ASN #{payload.get('asn_id')}"
    shipped = [
        _Shipped(lot["name"], line.get("product_odoo_id"), lot.get("quantity"))
        for line in payload.get("lines", [])
        for lot in line.get("lots", [])
        if lot.get("name")
    ]
    mine = {(lot.name, lot.product) for lot in shipped}
    written = [lot for lot in on_receipts if _known(mine, lot.name, lot.product)]
    stray = [lot for lot in on_receipts if not _known(announced, lot.name, lot.product)]
    if not written and not stray:
        return None
    sentences = []
    if written:
        sentences.append(_written_sentence(event, number, shipped, written, receipt_name))
    if stray:
        sentences.append(_stray_sentence(event, number, stray, receipt_name, also=bool(written)))

    def rows(lots: list[_Lot]) -> list[dict]:
        return [
            {"receipt": receipt_name[lot.receipt], "lot": lot.name, "product_id": lot.product, "quantity": lot.quantity}
            for lot in lots
        ]

    return Finding(
        event.pk,
        " ".join(sentences),
        expected={
            "asn": number,
            "lots": [{"lot": lot.name, "product_id": lot.product, "quantity": lot.quantity} for lot in shipped],
        },
        found={"lots": rows(written), "unannounced": rows(stray)},
    )


def _written_sentence(
    event, number: str, shipped: list[_Shipped], written: list[_Lot], receipt_name: dict[int, str]
) -> str:
    """``ASN-1 failed in Odoo after writing lot A 300 to WH/IN/1, not yet lot B 200; replay it ...``."""
    where = names(sorted({receipt_name[lot.receipt] for lot in written}))
    announced_qty = {(lot.name, lot.product): lot.quantity for lot in shipped}
    done = []
    for lot in written:
        want = float(announced_qty.get((lot.name, lot.product), announced_qty.get((lot.name, None))) or 0)
        differs = abs((lot.quantity or 0) - want) > 1e-9
        done.append(f"{lot.name} {qty(lot.quantity)}" + (f" (announced {qty(want)})" if differs else ""))
    missing = [(lot.name, lot.quantity) for lot in shipped if lot.name not in {w.name for w in written}]
    return (
        f"{number} {stopped(event)} after writing {'lot' if len(written) == 1 else 'lots'} {names(done)} "
        f"to {where}"
        + (f", not yet {lots_text(missing)}" if missing else "")
        + f"; {to_finish(event)}, or cancel it and remove "
        + ("that lot" if len(written) == 1 else "those lots")
        + f" from {where} in Odoo."
    )


def _stray_sentence(event, number: str, stray: list[_Lot], receipt_name: dict[int, str], *, also: bool) -> str:
    """Lots on the receipts that no ASN of the portal announced; ``also``: after a sentence on what it wrote."""
    stray_receipts = sorted({receipt_name[lot.receipt] for lot in stray})
    where, it = names(stray_receipts), "them" if len(stray) > 1 else "it"
    holds = f"{'hold' if len(stray_receipts) > 1 else 'holds'} {lots_text([(lot.name, lot.quantity) for lot in stray])}"
    advice = (
        f"that no ASN of the portal announced: remove {it} in Odoo if an earlier attempt left {it}, "
        f"or accept {it} as is."
    )
    if also:
        return f"{where} also {holds} {advice}"
    return f"{number} {stopped(event)}; {where}, where it ships to, {holds} {advice}"
