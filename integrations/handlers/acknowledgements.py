"""Acknowledgements to Odoo (reference flow 2).

``po.acknowledged``: the supplier reference, the promised dates and the approved
quantities on the PO (one write), Odoo's own record that the vendor acknowledged (18:
``confirm_reminder_mail`` with the confirmed date, which sets ``mail_reminder_confirmed``;
19: ``action_acknowledge()``, which sets ``acknowledged``), and a chatter note with the
summary that names the supplier who acknowledged and the buyer who approved.
``po.ack_review_requested``: a To-Do activity for the PO's buyer.

The promised dates go to the lines' ``date_planned``: neither 18 nor 19 has a
separate promised date (``odoo19/DIFF.md``), and writing it moves the receipt
moves' deadline (flow 2). An approved quantity goes to the line's ``product_qty``:
on a confirmed order Odoo itself then adds to or takes from the open receipt
(``purchase_stock``'s ``_create_or_update_picking``), and refuses to go below what
was received, which the handler checks first so the reason reads plainly.

18's ``confirm_reminder_mail`` acts once per order: a later version (a change
approved after an earlier acknowledgement) clears ``mail_reminder_confirmed`` in
the same write, so Odoo's note carries this version's date, not the first one's.
19's ``action_acknowledge`` carries no date; the portal's note says it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from integrations import topics
from integrations.odoo import OdooGateway

from . import BatchResult, HandlerError, batch_handler, handler
from .batches import BatchRun, aggregate_of, one_of, stops_the_batch
from .notes import NoteDraft, already_there, isolated, marked, marker, note_result, notes_post, render_note

PROMISED_DATE_FIELD = "date_planned"


def _po_id(event) -> int:
    try:
        return int(event.payload["po_odoo_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc


def _wanted(event) -> dict[int, Decimal]:
    """The approved quantities of an event by Odoo line id; ``HandlerError`` for a bad one."""
    try:
        return {int(line_id): Decimal(str(qty)) for line_id, qty in (event.payload.get("line_qtys") or {}).items()}
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has a bad quantity: {exc}") from exc


def _quantities(wanted: dict[int, Decimal], rows: dict[int, dict]) -> dict[int, float]:
    """Approved quantities by Odoo line id, refused (permanently, with the line) where Odoo received more;
    ``rows``: the lines as read (``name``, ``qty_received``) by id."""
    for line_id, qty in sorted(wanted.items()):
        row = rows.get(line_id)
        if row is None:
            raise HandlerError(f"purchase.order.line {line_id} no longer exists in Odoo")
        received = Decimal(str(row.get("qty_received") or 0))
        if qty < received:
            raise HandlerError(
                f"{row.get('name') or f'Line {line_id}'}: {received.normalize():f} received in Odoo, more than the "
                f"approved {qty.normalize():f}; Odoo orders no less than it received (return the surplus first, "
                "or ask the supplier to acknowledge again)."
            )
    return {line_id: float(qty) for line_id, qty in wanted.items()}


def _lines_read(gw: OdooGateway, events: list, run: BatchRun) -> dict[str, dict[int, float]]:
    """The approved quantities of each open event that has some, by event id, checked against the lines read
    in one call for the whole batch (one read of many ids; a read Odoo refuses for good is made again per
    event). Failures go to ``run``."""
    wanted = {}
    for event in events:
        if run.is_open(event) and event.payload.get("line_qtys"):
            try:
                wanted[str(event.id)] = (event, _wanted(event))
            except HandlerError as exc:
                run.fail(event, exc)
    if not wanted:
        return {}

    def read(line_ids) -> dict[int, dict]:
        return {row["id"]: row for row in gw.read("purchase.order.line", sorted(line_ids), ["name", "qty_received"])}

    rows = None
    try:
        rows = read({line for _, lines in wanted.values() for line in lines})
    except Exception as exc:
        if stops_the_batch(exc):
            for event, _ in wanted.values():
                run.fail(event, exc)
            return {}
    quantities = {}
    for event_id, (event, lines) in wanted.items():
        if run.is_open(event):
            try:
                quantities[event_id] = _quantities(lines, rows if rows is not None else read(lines))
            except Exception as exc:
                run.fail(event, exc)
    return quantities


def _title(payload: dict) -> str:
    """Who did what: the supplier acknowledged; a buyer approved the changes (v1 payloads named one author)."""
    version = payload.get("version")
    if "acknowledged_by" not in payload:  # v1
        if payload.get("approved"):
            text = _("Acknowledged on the supplier portal, version %(version)s; changes approved by %(author)s")
            return text % {"version": version, "author": isolated(payload.get("author") or _("the buyer"))}
        text = _("Acknowledged on the supplier portal, version %(version)s, by %(author)s")
        return text % {"version": version, "author": isolated(payload.get("author") or _("the supplier"))}
    # Each name in its own bidi isolate: an override in a person's name cannot reverse the title after it.
    buyer = payload.get("approved_by")
    who = {"by": isolated(payload["acknowledged_by"]), "version": version, "buyer": isolated(buyer) if buyer else buyer}
    if payload.get("via_api"):
        if who["buyer"]:
            text = _(
                "Acknowledged by the supplier %(by)s over the supplier portal's API, version %(version)s; "
                "changes approved by the buyer %(buyer)s"
            )
        else:
            text = _(
                "Acknowledged by the supplier %(by)s over the supplier portal's API, version %(version)s; "
                "within the agreed tolerances"
            )
    elif who["buyer"]:
        text = _(
            "Acknowledged by the supplier %(by)s on the supplier portal, version %(version)s; changes approved "
            "by the buyer %(buyer)s"
        )
    else:
        text = _(
            "Acknowledged by the supplier %(by)s on the supplier portal, version %(version)s; within the agreed "
            "tolerances"
        )
    return text % who


def _values(payload: dict, line_qtys: dict[int, float]) -> dict[str, Any]:
    """What one write puts on the PO: the vendor reference, and the promised dates and approved
    quantities of its lines (``order_line`` update commands)."""
    values: dict[str, Any] = {}
    if payload.get("supplier_ref"):
        values["partner_ref"] = payload["supplier_ref"]
    per_line: dict[int, dict[str, Any]] = {}
    for line_id, when in (payload.get("line_dates") or {}).items():
        per_line.setdefault(int(line_id), {})[PROMISED_DATE_FIELD] = when
    for line_id, qty in line_qtys.items():
        per_line.setdefault(line_id, {})["product_qty"] = qty
    if per_line:
        values["order_line"] = [[1, line_id, vals] for line_id, vals in sorted(per_line.items())]
    return values


def _odoo_record(gw: OdooGateway, event, line_qtys: dict[int, float]) -> dict[str, Any]:
    """Write one acknowledgement's values on its PO and Odoo's own acknowledgement; the result without the
    note. Raises the gateway's errors."""
    po_id, payload, dialect = _po_id(event), event.payload, gw.dialect
    values = _values(payload, line_qtys)
    first_try = event.attempts <= 1 and not event.verify
    rearm = bool(payload.get("confirmed_date")) and dialect.acknowledge_takes_date and (payload.get("version") or 1) > 1
    if rearm and first_try:
        # A later version clears 18's flag in the same write, so that Odoo's note carries this version's date.
        # A retry must not clear it again: the first attempt may have confirmed (and noted) already.
        values[dialect.po_acknowledged] = False
    # Writes set values: repeating them on a redelivery changes nothing.
    if values:
        gw.write("purchase.order", [po_id], values)
    if payload.get("confirmed_date"):
        # Odoo's own record of a vendor confirming; it acts once per order and ignores repeats.
        extra = {"confirmed_date": payload["confirmed_date"]} if dialect.acknowledge_takes_date else {}
        gw.call("purchase.order", dialect.acknowledge_method, [po_id], **extra)
    return {
        "date_field": PROMISED_DATE_FIELD,
        "lines_written": len(payload.get("line_dates") or {}),
        "quantities_written": len(line_qtys),
    }


def _note_draft(gw: OdooGateway, event, line_qtys: dict[int, float]) -> NoteDraft:
    payload = event.payload
    body = render_note(
        "po_acknowledged.html",
        title=_title(payload),
        summary=payload.get("summary") or [],
        supplier_ref=payload.get("supplier_ref"),
        # 18 notes the confirmed date itself (confirm_reminder_mail); 19's action_acknowledge does not.
        confirmed_date=None if gw.dialect.acknowledge_takes_date else payload.get("confirmed_date"),
        quantities=bool(line_qtys),
        comment=payload.get("comment"),
        decision_note=payload.get("decision_note"),
    )
    return NoteDraft(event, "purchase.order", _po_id(event), body)


@batch_handler(topics.PO_ACKNOWLEDGED)
def po_acknowledgements(gw: OdooGateway, events: list) -> BatchResult:
    """Each event -> ``{"model": "mail.message", "id", "already_there"?, "date_field", "lines_written",
    "quantities_written"}`` or its failure (``HandlerError`` for a bad payload or a quantity below what Odoo
    received, the gateway's errors).

    Shared: one read of the lines whose quantities the batch approves, and the notes (one message per PO for
    its acknowledgement of each round, ``notes.notes_post``). Each PO's write and Odoo's acknowledgement stay
    its own calls, in sequence (the vendor reference and the line commands differ per PO; confirm_reminder_mail
    and action_acknowledge are recorded on one order per call). An event whose writes were made always gets an
    outcome: when the batch stops before its note, it fails as the batch did (its retry looks for its marker
    and does not clear 18's flag again).
    """
    run = BatchRun()
    quantities = _lines_read(gw, events, run)
    # Rounds of one event per PO: a PO's next acknowledgement is written only once the one before it, note
    # included, got through (its writes must never reach Odoo after an earlier one of the PO failed).
    rounds: dict[int, list] = defaultdict(list)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        rounds[seen[aggregate_of(event)]].append(event)
        seen[aggregate_of(event)] += 1
    for round_events in rounds.values():
        _ack_round(gw, round_events, quantities, run)
    return run.results


def _ack_round(gw: OdooGateway, events: list, quantities: dict, run: BatchRun) -> None:
    """Each open event's writes, then the notes of the round (one per PO); outcomes recorded on ``run``."""
    written, drafts = {}, []
    for event in events:
        line_qtys = quantities.get(str(event.id), {})
        if run.is_open(event):
            try:
                written[str(event.id)] = (event, _odoo_record(gw, event, line_qtys))
                drafts.append(_note_draft(gw, event, line_qtys))
            except Exception as exc:
                run.fail(event, exc)
    notes = notes_post(gw, drafts, run)
    for event_id, (event, result) in written.items():
        if event_id in notes:
            run.done(event, {**note_result(notes[event_id]), **result})
        elif event_id not in run.results:  # the batch stopped before its note
            run.fail(event, run.stopped_by or HandlerError(f"the note of event {event_id} was not posted"))


po_acknowledged = handler(topics.PO_ACKNOWLEDGED)(one_of(po_acknowledgements))


@handler(topics.PO_ACK_REVIEW_REQUESTED)
def po_ack_review_requested(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    tag = marker(str(event.id))
    found = already_there(
        gw,
        event,
        "mail.activity",
        [["res_model", "=", "purchase.order"], ["res_id", "=", po_id], ["note", "ilike", tag]],
    )
    if found:
        return {"model": "mail.activity", "id": found, "already_there": True}
    rows = gw.read("purchase.order", [po_id], ["user_id"])
    if not rows:
        raise HandlerError(f"purchase.order {po_id} no longer exists in Odoo")
    buyer = rows[0]["user_id"][0] if rows[0].get("user_id") else None
    note = render_note(
        "po_ack_review.html",
        supplier=payload.get("supplier") or _("The supplier"),
        version=payload.get("version"),
        summary=payload.get("summary") or [],
    )
    activity_id = gw.activity_schedule(
        "purchase.order",
        po_id,
        act_type_xmlid="mail.mail_activity_data_todo",
        summary=_("Supplier acknowledgement to review"),
        note=marked(note, event),
        **({"user_id": buyer} if buyer else {}),
    )
    return {"model": "mail.activity", "id": activity_id}
