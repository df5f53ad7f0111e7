"""Re-inspections: another inspection of a lot already inspected, opened by a person.

A complaint from production about released goods, a rejected lot sorted and presented again, a doubt
about a signature: the inspector or engineer opens a new inspection of the same lot on the same receipt
line. It takes the next ``sequence`` and points at the lot's newest inspection (``reinspection_of``);
it is sampled from the plan in force now at the partner + product's current severity. ISO 2859-1 counts
lots on original inspection only, so a re-inspection never moves the switching state
(``quality.services.switching`` reads sequence 1 only). Its verdict and dispositions add up with the
lot's earlier ones (``quality.services.dispositions.lot_totals``).
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import l10n
from portal.models import Membership
from quality.models import Inspection, Severity
from quality.services.dispositions import ODOO_STEP, lot_totals, newest_of_lot
from quality.services.inspections import DUE_AFTER, samplings_save, switching_state_locked, version_freeze
from quality.services.plans import plan_for, sampling_for
from quality.services.recording import check_recorder

REASON_MAX = 2000


def _newest_of_lot(inspection: Inspection) -> Inspection:
    """The lot's newest inspection (``dispositions.newest_of_lot``), read after locking every inspection
    of the lot: two requests at once queue on those rows, and the second one sees the first one's
    re-inspection and is refused. Raises ``ValidationError`` when every inspection of it is cancelled."""
    list(
        Inspection.objects.select_for_update(of=("self",))
        .filter(
            receipt_id=inspection.receipt_id,
            receipt_move_id=inspection.receipt_move_id,
            lot_name=inspection.lot_name,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    newest = newest_of_lot(inspection)
    if newest is None:
        raise ValidationError(_("Every inspection of this lot is cancelled: there is nothing to inspect again."))
    return newest


def _check_request(newest: Inspection, reason: str, quantity: Decimal | None) -> None:
    errors = {}
    if newest.status in Inspection.OPEN_STATUSES:
        errors["__all__"] = _(
            "The lot's inspection #%(sequence)s is still “%(status)s”: finish or cancel it before inspecting the lot "
            "again."
        ) % {"sequence": newest.sequence, "status": newest.get_status_display()}
    if not reason or "\x00" in reason or len(reason) > REASON_MAX:
        errors["reason"] = _("Say why the lot is inspected again (at most %(max)s characters).") % {"max": REASON_MAX}
    if quantity is not None and (
        not isinstance(quantity, Decimal)
        or not quantity.is_finite()
        or not 0 < quantity <= newest.lot_size
        or quantity % ODOO_STEP
    ):
        errors["lot_size"] = _("Give the quantity presented: more than 0, at most the lot's %(size)s.") % {
            "size": l10n.qty(newest.lot_size)
        }
    if errors:
        raise ValidationError(errors)


def _sampled(again: Inspection, severity: str, version) -> list:
    """The unsaved re-inspection's samplings at ``severity`` (its status set to match); never first article."""
    if severity == Severity.DISCONTINUED:
        again.status = Inspection.Status.DISCONTINUED
        return []
    if version is None or not version.sampling_rules.exists():
        again.status = Inspection.Status.NO_PLAN
        return []
    again.severity, samplings = sampling_for(
        version=version, lot_items=max(1, math.ceil(again.lot_size)), severity=severity, first_article=False
    )
    again.status = Inspection.Status.WAITING
    return samplings


@transaction.atomic
def inspection_reinspect(
    *, membership: Membership, inspection: Inspection, reason: str, lot_size: Decimal | None = None
) -> Inspection:
    """Open a re-inspection of ``inspection``'s lot; answers the new inspection (waiting, or no_plan /
    discontinued like any lot of the pair).

    ``lot_size``: the quantity presented, in the product's unit (default: what is still held, or the
    whole lot when everything was decided, e.g. a complaint after release). Raises ``ValidationError``
    (``reason`` missing; ``lot_size`` out of range; the lot's newest inspection still open),
    ``NotInScope`` for anyone who may not record it.
    """
    check_recorder(membership, inspection)
    reason = (reason or "").strip()
    newest = _newest_of_lot(inspection)
    _check_request(newest, reason, lot_size)
    held = lot_totals(newest).held
    quantity = lot_size or (held if held > 0 else newest.lot_size)
    state = switching_state_locked(tenant=newest.tenant, partner=newest.partner, product=newest.product)
    version = plan_for(tenant=newest.tenant, partner=newest.partner, product=newest.product)
    last = Inspection.objects.filter(receipt_move_id=newest.receipt_move_id, lot_name=newest.lot_name).aggregate(
        m=Max("sequence")
    )["m"]
    again = Inspection(
        tenant=newest.tenant,
        partner=newest.partner,
        product=newest.product,
        receipt=newest.receipt,
        receipt_move=newest.receipt_move,
        lot_name=newest.lot_name,
        lot_size=quantity,
        sequence=(last or newest.sequence) + 1,
        reinspection_of=newest,
        plan_version=version,
        severity=state.severity,
        due_at=timezone.now() + DUE_AFTER,
        undecided=held > 0,
    )
    samplings = _sampled(again, state.severity, version)
    again.save()
    samplings_save(again, samplings)
    version_freeze(version)
    Inspection.lifecycle.start(
        again,
        actor=membership.user,
        action="inspection.reinspection_opened",
        changes={
            "reinspection_of": [None, newest.pk],
            "sequence": [None, again.sequence],
            "lot_size": [None, str(quantity)],
            "reason": [None, reason],
        },
    )
    return again
