"""The effectiveness check after D8: a SCAR in ``verifying`` closes when the fix held, and opens
again at D4 when the same defect comes back first.

``scar_after_ncr(ncr)`` (called by the NCR services when an NCR is opened or its defect codes
change): every verifying SCAR of the NCR's partner, about the NCR's product
(``scar_states.scar_product_ids``: its product, else its NCRs'), that shares a defect code with it
is reopened, when the NCR is a repeat: opened since the check started and not one of the SCAR's own
NCRs (editing the codes of the NCR the SCAR came from finds nothing again). D4..D8 wait for the
supplier again with new due dates counted from today, and ``reopen_reason`` says which NCR found what.
``scars_verify(today=None)`` (beat): closes the verifying SCARs whose check passed
(``quality.services.scar_states.verification_progress``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import l10n
from portal.dates import day_of, tenant_today
from quality.models import STEP_CODES, Ncr, Scar, ScarStep, quality_rules_for, scar_due_days
from quality.scar_notifications import scar_notify_on_commit
from quality.services.scar_states import scar_product_ids, verification_progress
from quality.services.scars import in_tenant_language, locked_scar, scar_note_emit

REOPEN_FROM = "D4"

__all__ = ["scar_after_ncr", "scars_verify", "verification_progress"]


def _reason(ncr: Ncr, codes: list[str]) -> str:
    """Why the SCAR opened again, in the tenant's language: it is kept (``reopen_reason``, the steps'
    ``review_comment``) and read later by the supplier's people and the tenant's, in emails, pages and PDFs,
    and the model keeps no code to render it from at display time."""
    lots = [lot.lot_name for lot in ncr.lots.all() if lot.lot_name]
    said = {"ncr": ncr.number, "codes": ", ".join(codes), "lots": ", ".join(lots)}
    with in_tenant_language(ncr.tenant):
        if lots:
            return (
                ngettext(
                    "%(ncr)s found %(codes)s again on lot %(lots)s before the effectiveness check passed.",
                    "%(ncr)s found %(codes)s again on lots %(lots)s before the effectiveness check passed.",
                    len(lots),
                )
                % said
            )
        return _("%(ncr)s found %(codes)s again before the effectiveness check passed.") % said


@transaction.atomic
def scar_after_ncr(ncr: Ncr) -> list[Scar]:
    """Reopen at D4 the verifying SCARs the NCR shows did not work; answers them (the system acts).

    An NCR cancelled, or without defect codes, reopens nothing.
    """
    if ncr.status == Ncr.Status.CANCELLED:
        return []
    codes = {c.pk: c.code for c in ncr.defect_codes.all()}
    if not codes:
        return []
    candidates = (
        Scar.objects.filter(
            tenant_id=ncr.tenant_id,
            partner_id=ncr.partner_id,
            status=Scar.Status.VERIFYING,
            defect_codes__in=list(codes),
            verifying_since__lte=ncr.created_at,  # an NCR from before the check is not a repeat
        )
        .exclude(ncrs=ncr)
        .values_list("pk", flat=True)
        .distinct()
    )
    reopened = []
    for scar_id in sorted(candidates):  # locks taken in pk order
        scar = locked_scar(scar_id)
        if scar.status != Scar.Status.VERIFYING:  # another run got there first
            continue
        products = scar_product_ids(scar)
        if products and ncr.product_id not in products:  # the same code on another product: another problem
            continue
        shared = sorted(codes[pk] for pk in scar.defect_codes.filter(pk__in=list(codes)).values_list("pk", flat=True))
        reopened.append(_reopen(scar, _reason(ncr, shared)))
        scar.ncrs.add(ncr)
    return reopened


def _reopen(scar: Scar, reason: str) -> Scar:
    today = tenant_today(scar.tenant)
    days = scar_due_days(quality_rules_for(scar.tenant))
    Scar.lifecycle.move(scar, "reopen", actor=None, changes={"reopen_reason": [scar.reopen_reason or None, reason]})
    scar.reopen_reason = reason
    scar.reopened_count += 1
    scar.verify_until, scar.verifying_since = None, None
    scar.save(update_fields=["status", "reopen_reason", "reopened_count", "verify_until", "verifying_since"])
    again = STEP_CODES[STEP_CODES.index(REOPEN_FROM) :]
    for step in ScarStep.objects.select_for_update().filter(scar=scar, code__in=again).order_by("code"):
        if step.status != ScarStep.Status.OPEN:
            ScarStep.lifecycle.move(step, "reopen", actor=None)
        step.due_date = today + dt.timedelta(days=days[step.code])  # the tenant's lead times, from today
        step.review_comment = reason
        step.save(update_fields=["status", "due_date", "review_comment", "updated_at"])
    with in_tenant_language(scar.tenant):
        summary = _("%(scar)s reopened at %(step)s: %(reason)s") % {
            "scar": scar.number,
            "step": REOPEN_FROM,
            "reason": reason,
        }
    scar_note_emit(scar, what="reopened", actor=None, summary=summary)
    scar_notify_on_commit("reopened", scar.pk)
    return scar


def scars_verify(*, today: dt.date | None = None) -> int:
    """Close every verifying SCAR whose effectiveness check passed on ``today`` (each tenant's
    today by default); emits ``scar.noted`` (closed) and emails the partner's people. Answers how
    many closed. Idempotent: a closed SCAR is not verifying any more."""
    closed = 0
    for scar_id in Scar.objects.filter(status=Scar.Status.VERIFYING).order_by("pk").values_list("pk", flat=True):
        closed += _verify_one(scar_id, today)
    return closed


@transaction.atomic
def _verify_one(scar_id: int, today: dt.date | None) -> int:
    scar = locked_scar(scar_id)
    if scar.status != Scar.Status.VERIFYING:
        return 0
    scar.verify_today = today or tenant_today(scar.tenant)  # what close_blockers judges on
    progress = verification_progress(scar, today=scar.verify_today)
    if not progress["passed"]:
        return 0
    Scar.lifecycle.move(scar, "close", actor=None, changes={"lots_clean": [None, progress["lots_clean"]]})
    scar.closed_at = timezone.now()
    scar.save(update_fields=["status", "closed_at"])
    with in_tenant_language(scar.tenant):
        summary = ngettext(
            "%(scar)s closed: the effectiveness check passed (%(count)s lot inspected without the defect since "
            "%(day)s).",
            "%(scar)s closed: the effectiveness check passed (%(count)s lots inspected without the defect since "
            "%(day)s).",
            progress["lots_clean"],
        ) % {
            "scar": scar.number,
            "count": progress["lots_clean"],
            "day": l10n.day(day_of(scar.verifying_since, scar.tenant)),
        }
    scar_note_emit(scar, what="closed", actor=None, summary=summary)
    scar_notify_on_commit("closed", scar.pk)
    return 1
