"""The outbox topics: what the portal tells Odoo, one name per kind of change.

A topic is the contract between the app that emits it (``outbox_emit(topic=...)``)
and the sync engine that delivers it (``integrations.handlers``, one handler per
topic; ``integrations.reconcilers``, one reconciler per topic that changes Odoo's
state). Emit and handle by these constants, never by a literal, so a typo is an
import error instead of an event no handler takes.
"""

from __future__ import annotations

# A supplier (or a buyer approving) accepted a PO: partner_ref, promised dates, confirm_reminder_mail, a note.
PO_ACKNOWLEDGED = "po.acknowledged"
# An acknowledgement beyond the tenant's tolerances waits for a buyer: a To-Do activity on the PO.
PO_ACK_REVIEW_REQUESTED = "po.ack_review_requested"
# A message written in the portal (or over the API) on a PO: a chatter note.
PO_MESSAGE_POSTED = "po.message_posted"
# A submitted ASN: lots and quantities on the receipt's move lines, scheduled date, certificates, a note.
ASN_SUBMITTED = "asn.submitted"
# A cancelled ASN: what it announced is taken back off the receipt, and a note says so.
ASN_CANCELLED = "asn.cancelled"

# Quality decided what happens to inspected lots: released quantities to stock, returned ones back to the
# vendor, scrapped ones scrapped (reference flow 4); the payload carries every decided lot of the PO, summed.
INSPECTION_DISPOSED = "inspection.disposed"
# Held stock (a lot quality has not released, or rejected) found usable in Odoo by the hold check
# (integrations.services.holds): a To-Do activity for the warehouse on the receipt, naming the lot.
STOCK_HOLD_BREACHED = "stock.hold_breached"
# An NCR's dispositions were applied (its lots' stock moves go by inspection.disposed): a chatter note on the
# receipt and on the PO (who, what, how much, which disposition), a To-Do activity for the buyer when material
# goes back to the vendor, and one for the warehouse with the instructions of a rework.
NCR_DISPOSITIONED = "ncr.dispositioned"
# A SCAR was issued, one of its 8D steps accepted, or the SCAR closed (or reopened): a chatter note on the partner.
SCAR_NOTED = "scar.noted"
# A SCAR step is overdue past the last escalation: a To-Do activity for the buyer on the partner.
SCAR_OVERDUE = "scar.overdue"
# A partner's scorecard standing changed, and the tenant shows standings in Odoo: the partner's purchase
# warning set from the standing and its reasons (or restored to what was there before when the standing no
# longer warns), and a chatter note on the partner.
SCORECARD_STANDING_CHANGED = "scorecard.standing_changed"

ALL = (
    PO_ACKNOWLEDGED,
    PO_ACK_REVIEW_REQUESTED,
    PO_MESSAGE_POSTED,
    ASN_SUBMITTED,
    ASN_CANCELLED,
    INSPECTION_DISPOSED,
    STOCK_HOLD_BREACHED,
    NCR_DISPOSITIONED,
    SCAR_NOTED,
    SCAR_OVERDUE,
    SCORECARD_STANDING_CHANGED,
)

# Topics that change Odoo's state without a reconciler (integrations.reconcilers), and why. Every other
# topic has one; tests/integrations/test_topics.py holds the two lists to that.
UNRECONCILED = {
    PO_ACK_REVIEW_REQUESTED: (
        "a To-Do activity for the buyer, who marks it done or deletes it in Odoo as they like; the decision "
        "itself is taken in the portal, so Odoo holds nothing to compare"
    ),
    ASN_CANCELLED: (
        "it takes the shipment's lots back off the receipt: what the other open shipments announce is checked "
        "by asn.submitted's reconciler, and a lot of the cancelled one still on the receipt is the dock's to "
        "decide (it may have arrived after all)"
    ),
    STOCK_HOLD_BREACHED: (
        "a To-Do activity for the warehouse, done or deleted in Odoo as they like; the hold check that files "
        "the drift is itself the reconciliation: it reads the lot's quants every run and resolves the drift "
        "once the stock is out of the usable locations"
    ),
    NCR_DISPOSITIONED: (
        "chatter notes on the receipt and the PO, each found by its event marker before a redelivery posts it, "
        "and a To-Do activity (the buyer's for a return, the warehouse's for a rework) that they close in Odoo "
        "as they like; the stock the disposition moves is inspection.disposed's, which has its reconciler"
    ),
    SCAR_NOTED: (
        "a chatter note on the partner, found by its event marker before a redelivery posts it; the SCAR and "
        "its 8D steps live in the portal, so Odoo holds nothing else to compare"
    ),
    SCAR_OVERDUE: (
        "a To-Do activity on the partner for the buyer, done or deleted in Odoo as they like; the step's due "
        "date and answers live in the portal, whose escalation decides whether the step is still overdue"
    ),
}
