"""scorecard.standing_changed: does the partner's purchase warning in Odoo still hold what the portal wrote?"""

from __future__ import annotations

from integrations import topics
from integrations.odoo import OdooGateway
from quality.models import PurchaseWarning

from . import Finding, reconciler


@reconciler(topics.SCORECARD_STANDING_CHANGED)
def purchase_warnings_still_there(gw: OdooGateway, events: list) -> list[Finding]:
    """For the newest delivered event of each partner whose portal warning is active: Odoo's
    ``purchase_warn_msg`` (and 18's ``purchase_warn``) must be what the portal wrote. One read per batch.

    A difference is a person's change (or the warning removed): the drift says so; resending the event
    makes the handler leave the person's warning alone and mark the portal's inactive, so it is not
    filed again. A cleared warning is not checked: what is there then is the person's.
    """
    newest: dict[str, object] = {}
    for event in events:
        if event.aggregate_id not in newest or event.sequence > newest[event.aggregate_id].sequence:
            newest[event.aggregate_id] = event
    warnings = {
        str(w.partner_id): w
        for w in PurchaseWarning.objects.filter(
            tenant_id=events[0].tenant_id if events else None, partner_id__in=list(newest), active=True
        )
    }
    wanted = {e.payload.get("partner_odoo_id"): (e, warnings[key]) for key, e in newest.items() if key in warnings}
    wanted.pop(None, None)
    if not wanted:
        return []
    level = gw.dialect.partner_warn_level
    fields = ["purchase_warn_msg", *([level] if level else [])]
    found = {row["id"]: row for row in gw.read("res.partner", sorted(wanted), fields)}
    findings = []
    for odoo_id, (event, warning) in wanted.items():
        row = found.get(odoo_id)
        shown = {"level": (row.get(level) or "no-message") if row and level else "", "message": ""}
        shown["message"] = (row or {}).get("purchase_warn_msg") or ""
        expected = {"level": warning.written_level, "message": warning.written_message}
        if row is not None and shown == expected:
            continue
        what = "is gone from Odoo" if row is None else "was changed in Odoo"
        findings.append(
            Finding(
                event.pk,
                f"The purchase warning the portal set on {event.payload.get('partner') or 'the partner'} "
                f"(res.partner {odoo_id}) {what}; resend to leave a person's warning as it is and stop "
                "tracking it, or accept.",
                expected=expected,
                found=shown if row is not None else {"res.partner": None},
            )
        )
    return findings
