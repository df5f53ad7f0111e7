"""inspection.disposed: is what quality released in WH/Stock, and nothing it held, returned or scrapped?
And what did an unfinished delivery leave half-done (a return not validated, a scrap left in draft)?"""

from __future__ import annotations

from collections import Counter
from typing import Any

from integrations import topics
from integrations.handlers.dispositions import scrap_mark
from integrations.odoo import OdooGateway

from . import Finding, reconciler, unfinished
from .wording import names, qty, stopped, to_finish

EPS = 1e-6


def _newest_per_po(events: list) -> list:
    """The newest event of each PO: its payload carries the sums of every decided lot of that PO."""
    newest: dict[Any, Any] = {}
    for event in events:
        payload = event.payload
        po = payload.get("po_odoo_id") or ("receipt", payload.get("receipt_odoo_id"))
        if po not in newest or event.sequence > newest[po].sequence:
            newest[po] = event
    return list(newest.values())


def _stock_names(gw: OdooGateway) -> list[str]:
    return [w["lot_stock_id"][1] for w in gw.search_read("stock.warehouse", [], ["lot_stock_id"]) if w["lot_stock_id"]]


def _in_stock(location: str, stocks: list[str]) -> bool:
    return any(location == name or location.startswith(f"{name}/") for name in stocks)


@reconciler(topics.INSPECTION_DISPOSED)
def dispositions_in_stock(gw: OdooGateway, events: list) -> list[Finding]:
    """Each decided lot's quantity in WH/Stock (and the locations under it) may not exceed what was
    released: more means goods not released (held, returned, scrapped) reached usable stock. Less is
    normal once released goods are consumed or shipped, so it is not a finding. Untracked goods are
    not told apart from other receipts' in stock: not checked."""
    newest = _newest_per_po(events)
    lot_names = sorted({lot["lot_name"] for e in newest for lot in e.payload.get("lots", []) if lot["lot_name"]})
    if not lot_names:
        return []
    stocks = _stock_names(gw)
    quants = gw.search_read(
        "stock.quant",
        [["lot_id.name", "in", lot_names], ["quantity", "!=", 0]],
        ["product_id", "location_id", "lot_id", "quantity"],
    )
    held: Counter = Counter()
    for quant in quants:
        if quant["lot_id"] and _in_stock(quant["location_id"][1], stocks):
            held[(quant["product_id"][0], quant["lot_id"][1])] += quant["quantity"]
    findings = []
    for event in newest:
        finding = _stock_finding(event, held, stocks)
        if finding is not None:
            findings.append(finding)
    return findings


def _stock_finding(event, held: Counter, stocks: list[str]) -> Finding | None:
    released: Counter = Counter()
    for lot in event.payload.get("lots", []):
        if lot["lot_name"]:
            released[(lot["product_odoo_id"], lot["lot_name"])] += lot["released"]
    where = names(stocks) if stocks else "stock"
    sentences, expected, found = [], {}, {}
    for (product, lot), wanted in sorted(released.items()):
        there = held[(product, lot)]
        expected[lot], found[lot] = wanted, there
        if there > wanted + EPS:
            sentences.append(
                f"Lot {lot}: {qty(there)} in {where} but only {qty(wanted)} released: held, returned or "
                "scrapped goods reached stock."
            )
    if not sentences:
        return None
    po = event.payload.get("po_name") or event.payload.get("receipt_name")
    message = f"{po}: " + " ".join(sentences)
    return Finding(event.pk, message, expected={"released": expected}, found={"in_stock": found})


@unfinished(topics.INSPECTION_DISPOSED)
def dispositions_half_done(gw: OdooGateway, events: list) -> list[Finding]:
    """Returns of the events' receipts created and not validated, and the portal's scraps left in draft."""
    receipts = sorted({lot["receipt_odoo_id"] for e in events for lot in e.payload.get("lots", [])})
    marks = sorted({scrap_mark(lot) for e in events for lot in e.payload.get("lots", [])})
    if not receipts:
        return []
    returns = gw.search_read(
        "stock.picking",
        [["return_id", "in", receipts], ["state", "not in", ["done", "cancel"]]],
        ["name", "return_id"],
    )
    drafts = gw.search_read("stock.scrap", [["origin", "in", marks], ["state", "!=", "done"]], ["origin"])
    findings = []
    for event in events:
        mine = {lot["receipt_odoo_id"] for lot in event.payload.get("lots", [])}
        marked = {scrap_mark(lot) for lot in event.payload.get("lots", [])}
        open_returns = [r["name"] for r in returns if r["return_id"] and r["return_id"][0] in mine]
        open_scraps = [s["origin"] for s in drafts if s["origin"] in marked]
        if not open_returns and not open_scraps:
            continue
        parts = []
        if open_returns:
            parts.append(f"return {names(open_returns)} created, not validated")
        if open_scraps:
            parts.append(f"scrap {names(open_scraps)} left in draft")
        findings.append(
            Finding(
                event.pk,
                f"The quality decision on {event.payload.get('receipt_name')} {stopped(event)} with "
                f"{' and '.join(parts)} in Odoo; {to_finish(event)} (the handler reuses them).",
                expected={},
                found={"open_returns": open_returns, "draft_scraps": open_scraps},
            )
        )
    return findings
