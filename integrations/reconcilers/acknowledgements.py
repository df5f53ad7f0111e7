"""po.acknowledged: do the PO lines still show the promised dates, and what did an unfinished delivery
leave in Odoo?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations import topics
from integrations.handlers.notes import marker, marker_shown
from integrations.odoo import OdooGateway

from . import Finding, reconciler, unfinished
from .wording import names, stopped, to_finish

# Where the handler writes the promised dates, on 18 and 19 alike.
PROMISED = "date_planned"


@reconciler(topics.PO_ACKNOWLEDGED)
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
    found = {row["id"]: row[PROMISED] for row in gw.read("purchase.order.line", sorted(wanted), [PROMISED])}
    findings = []
    for line_id, (event, when) in wanted.items():
        if (found.get(line_id) or "")[:10] != when[:10]:
            findings.append(
                Finding(
                    event.pk,
                    f"Odoo's PO line {line_id} expects {found.get(line_id) or 'nothing'}, the acknowledgement "
                    f"promised {when[:10]}.",
                    expected={PROMISED: when},
                    found={PROMISED: found.get(line_id)},
                )
            )
    return findings


# --- Deliveries that did not finish ------------------------------------------------------------------


@dataclass
class _History:
    """What the portal knows of the events' orders: their names (by aggregate id), and of each order's
    delivered acknowledgements the vendor reference by sequence and the sequences that set Odoo's flag."""

    orders: dict[str, str] = field(default_factory=dict)
    refs: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    acks: dict[str, list[int]] = field(default_factory=dict)

    def previous_ref(self, event) -> str:
        """The vendor reference the order's last delivered acknowledgement before ``event`` set, or ""."""
        before = [item for item in self.refs.get(event.aggregate_id, []) if item[0] < event.sequence]
        return max(before)[1] if before else ""

    def flagged_before(self, event) -> bool:
        """Whether an earlier delivered acknowledgement of the order set Odoo's own flag."""
        return any(seq < event.sequence for seq in self.acks.get(event.aggregate_id, []))


@dataclass
class _Check:
    """One event to check: its PO in Odoo, the promised dates by line, the reference to look for (or "")."""

    event: Any
    po_id: int
    dates: dict[int, str]
    ref: str


@dataclass
class _Seen:
    """What Odoo shows for a batch of checks (three calls) and the lines' descriptions in the portal."""

    planned: dict[int, Any]  # line id -> date_planned, of the dated lines and of lines of orders showing the ref
    ref_shown: set[int]  # orders that show the reference looked for
    flag: str  # Odoo's own "the vendor acknowledged" field of this series
    flagged: set[int]  # orders whose flag this delivery set
    tags: dict[Any, str]  # event pk -> marker
    notes: list[dict]  # chatter messages that carry one of the markers
    descriptions: dict[int, str]

    def line_label(self, line_id: int) -> str:
        text = (self.descriptions.get(line_id) or "").splitlines()
        return f"line {line_id} ({text[0][:50]})" if text and text[0] else f"line {line_id}"


@unfinished(topics.PO_ACKNOWLEDGED)
def acknowledgement_half_in_odoo(gw: OdooGateway, events: list) -> list[Finding]:
    """An unfinished acknowledgement whose write (vendor reference, promised dates) shows in Odoo without
    its chatter note, or whose note is there without the write.

    The handler writes the reference and the dates in one call, so one of them tells whether the write
    landed: the dates when the event has some (they differ from Odoo's by construction), else the
    reference, unless the order's previous delivered acknowledgement already set the same one.
    """
    history = _history(events)
    checks = _checks(events, history)
    if not checks:
        return []
    seen = _seen(gw, checks, history, tenant_id=events[0].tenant_id)
    findings = []
    for check in checks:
        finding = _finding(check, seen, history)
        if finding is not None:
            findings.append(finding)
    return findings


def _history(events: list) -> _History:
    """Names of the events' orders, and what their delivered acknowledgements set (one query each)."""
    from integrations.models import EventStatus, OutboxEvent
    from suppliers.models import PurchaseOrder

    tenant_id = events[0].tenant_id
    history = _History()
    history.orders = {
        str(pk): name
        for pk, name in PurchaseOrder.objects.filter(
            tenant_id=tenant_id, pk__in=[int(e.aggregate_id) for e in events if e.aggregate_id.isdigit()]
        ).values_list("pk", "name")
    }
    for aggregate_id, sequence, payload in OutboxEvent.objects.filter(
        tenant_id=tenant_id,
        topic=topics.PO_ACKNOWLEDGED,
        status=EventStatus.DONE,
        aggregate_type=events[0].aggregate_type,
        aggregate_id__in={e.aggregate_id for e in events},
    ).values_list("aggregate_id", "sequence", "payload"):
        history.refs.setdefault(aggregate_id, []).append((sequence, (payload or {}).get("supplier_ref") or ""))
        if (payload or {}).get("confirmed_date"):
            history.acks.setdefault(aggregate_id, []).append(sequence)
    return history


def _checks(events: list, history: _History) -> list[_Check]:
    """The events that name their PO, with what tells whether their write landed."""
    checks = []
    for event in events:
        try:
            po_id = int(event.payload["po_odoo_id"])
        except (KeyError, TypeError, ValueError):
            continue
        dates = {int(line): when for line, when in (event.payload.get("line_dates") or {}).items()}
        ref = event.payload.get("supplier_ref") or ""
        checks.append(_Check(event, po_id, dates, "" if dates or ref == history.previous_ref(event) else ref))
    return checks


def _seen(gw: OdooGateway, checks: list[_Check], history: _History, *, tenant_id: int) -> _Seen:
    """Read what Odoo shows of the checks: the lines' dates and the orders' references (one call), Odoo's
    own flag (one call), the chatter notes with the events' markers (one call)."""
    from suppliers.models import PurchaseOrderLine

    # One read for both: the dated lines, and (through the order) the lines of orders that show the reference.
    dated = sorted({line for check in checks for line in check.dates})
    by_ref = [
        ["&", ["order_id", "=", check.po_id], ["order_id.partner_ref", "=", check.ref]] for check in checks if check.ref
    ]
    leaves = ([[["id", "in", dated]]] if dated else []) + by_ref
    rows = []
    if leaves:
        domain = ["|"] * (len(leaves) - 1) + [token for leaf in leaves for token in leaf]
        rows = gw.search_read("purchase.order.line", domain, ["order_id", PROMISED])
    # A line that came back without being asked for by id came through its order's reference. (Events of one
    # order are delivered in turn, so a batch holds at most one unfinished acknowledgement per order.)
    ref_shown = {row["order_id"][0] for row in rows if row.get("order_id") and row["id"] not in dated}
    # Odoo's own "the vendor acknowledged" (18 mail_reminder_confirmed, 19 acknowledged), set by the handler's
    # second call: on its own it shows the delivery got that far, unless an earlier acknowledgement set it.
    flag = gw.dialect.po_acknowledged
    asked = sorted(
        {
            check.po_id
            for check in checks
            if check.event.payload.get("confirmed_date") and not history.flagged_before(check.event)
        }
    )
    flagged = {row["id"] for row in gw.read("purchase.order", asked, [flag]) if row.get(flag)} if asked else set()
    tags = {check.event.pk: marker(str(check.event.id)) for check in checks}
    notes = gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "in", sorted({check.po_id for check in checks})]]
        + ["|"] * (len(tags) - 1)
        + [["body", "ilike", tag] for tag in tags.values()],
        ["res_id", "body"],
    )
    descriptions = dict(
        PurchaseOrderLine.objects.filter(tenant_id=tenant_id, odoo_id__in=dated).values_list("odoo_id", "description")
    )
    return _Seen(
        planned={row["id"]: row[PROMISED] for row in rows},
        ref_shown=ref_shown,
        flag=flag,
        flagged=flagged,
        tags=tags,
        notes=notes,
        descriptions=descriptions,
    )


def _finding(check: _Check, seen: _Seen, history: _History) -> Finding | None:
    """What one unfinished acknowledgement left in Odoo, or None when nothing of it reached Odoo."""
    event, po_id, dates, ref = check.event, check.po_id, check.dates, check.ref
    tag = seen.tags[event.pk]
    noted = any(note["res_id"] == po_id and marker_shown(note["body"], event.id) for note in seen.notes)
    shown = {line: when for line, when in dates.items() if (seen.planned.get(line) or "")[:10] == when[:10]}
    missing = {line: when for line, when in dates.items() if line not in shown}
    wrote = bool(shown) if dates else (po_id in seen.ref_shown if ref else None)  # None: nothing to write
    acknowledged = po_id in seen.flagged
    if not noted and not wrote and not acknowledged:
        return None
    name = history.orders.get(event.aggregate_id) or f"purchase.order {po_id}"
    expected = {
        "note": tag,
        PROMISED: {str(line): when for line, when in dates.items()},
        **({"partner_ref": ref} if ref else {}),
    }
    found = {
        "note": noted,
        PROMISED: {str(line): seen.planned.get(line) or None for line in dates},
        **({"partner_ref": ref if wrote else None} if ref else {}),
    }
    if not noted:
        written = [f"the promised date {when[:10]} of {seen.line_label(line)}" for line, when in sorted(shown.items())]
        if wrote and (ref or event.payload.get("supplier_ref")):  # written in the same call as the dates
            written.append(f"the vendor reference {ref or event.payload['supplier_ref']}")
        if acknowledged:
            written.append(f"Odoo's own acknowledgement of the order ({seen.flag})")
        what = f"the acknowledgement of {name} (version {event.payload.get('version')})"
        message = (
            f"{what[0].upper()}{what[1:]} {stopped(event)} after writing {names(written)}, without its chatter "
            f"note; {to_finish(event)}, or cancel it and set the order back in Odoo."
        )
    elif missing or (ref and not wrote):
        absent = [
            f"its promised date {when[:10]} of {seen.line_label(line)} (Odoo has {odoo_has[:10]})"
            for line, when in sorted(missing.items())
            for odoo_has in [seen.planned.get(line) or "none"]
        ] + ([f"its vendor reference {ref}"] if ref and not wrote else [])
        message = (
            f"The chatter of {name} has the note of acknowledgement version {event.payload.get('version')}, "
            f"which {stopped(event)}, but Odoo does not show "
            f"{names(absent)}; {to_finish(event)}, or accept Odoo's values."
        )
    else:
        message = (
            f"Odoo already shows all of the acknowledgement of {name} (version {event.payload.get('version')}), "
            f"values and chatter note, but the delivery {stopped(event)}; "
            f"{to_finish(event)}, which changes nothing in Odoo."
        )
    return Finding(event.pk, message, expected=expected, found=found)
