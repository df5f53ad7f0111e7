"""What keeps a SCAR from moving on: the guards ``Scar.lifecycle`` names, and the effectiveness check's progress.

``verify_blockers(scar)``: every step D1..D8 accepted. ``close_blockers(scar)``: the effectiveness
check passed (``verification_progress``). Both answer None when nothing blocks, else a message.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import l10n
from portal.dates import tenant_today
from quality.models import Inspection, Ncr, NcrLot, Scar, ScarStep


def verify_blockers(scar: Scar) -> str | None:
    """None once D1..D8 are all accepted; else which steps are not."""
    pending = list(scar.steps.exclude(status=ScarStep.Status.ACCEPTED).values_list("code", flat=True))
    if pending:
        return _("The effectiveness check starts once every step is accepted; not yet: %(steps)s.") % {
            "steps": ", ".join(pending)
        }
    return None


def close_blockers(scar: Scar) -> str | None:
    """None once the effectiveness check passed; else what it still waits for, in words.

    The day it is judged on is ``scar.verify_today`` when the caller set it (``scars_verify`` on a
    given day), else the tenant's today.
    """
    progress = verification_progress(scar, today=getattr(scar, "verify_today", None))
    return None if progress["passed"] else progress["text"]


def scar_product_ids(scar: Scar) -> set[int]:
    """The products a SCAR is about: its product, else those of its NCRs and inspection (a SCAR issued
    from NCRs of two products has no product of its own); empty when it names none at all."""
    if scar.product_id:
        return {scar.product_id}
    ids = set(scar.ncrs.values_list("product_id", flat=True))
    if scar.inspection_id:
        ids.add(Inspection.objects.filter(pk=scar.inspection_id).values_list("product_id", flat=True).first())
    return {pk for pk in ids if pk is not None}


def clean_lots(scar: Scar):
    """The signed original inspections of the SCAR's partner and products (``scar_product_ids``; any
    product when it names none) signed since the check started, whose lot has no NCR naming one of the
    SCAR's defect codes on any of its inspections (original, re-inspection, correction)."""
    if scar.verifying_since is None:
        return Inspection.objects.none()
    lots = Inspection.objects.filter(
        tenant_id=scar.tenant_id,
        partner_id=scar.partner_id,
        status=Inspection.Status.SIGNED,
        sequence=1,
        corrected_by__isnull=True,  # a corrected inspection speaks through its correction
        signed_at__gte=scar.verifying_since,
    )
    products = scar_product_ids(scar)
    if products:
        lots = lots.filter(product_id__in=products)
    codes = list(scar.defect_codes.values_list("pk", flat=True))
    if codes:
        repeats = Ncr.objects.filter(defect_codes__in=codes).exclude(status=Ncr.Status.CANCELLED)
        named = Inspection.objects.filter(
            Q(pk__in=repeats.filter(inspection__isnull=False).values("inspection_id"))
            | Q(pk__in=NcrLot.objects.filter(ncr__in=repeats, inspection__isnull=False).values("inspection_id"))
        )
        # The physical lot, not the one inspection: a re-inspection (or correction) that found the defect
        # again makes the lot unclean, whichever of its inspections the NCR names. A receipt line may be
        # absent (NULL), which equality never matches, hence the coalesced key.
        named = named.annotate(move_key=Coalesce("receipt_move_id", Value(0))).filter(
            receipt_id=OuterRef("receipt_id"), lot_name=OuterRef("lot_name"), move_key=OuterRef("move_key")
        )
        lots = lots.annotate(move_key=Coalesce("receipt_move_id", Value(0))).exclude(Exists(named))
    return lots


def _progress_text(scar: Scar, today: dt.date, clean: int, date_passed: bool, lots_passed: bool) -> str:
    """The check's state in one sentence of the active language (a whole sentence per case for translators)."""
    days = (scar.verify_until - today).days if not date_passed else 0
    more = scar.verify_lots - clean
    words = {"until": l10n.day(scar.verify_until) if scar.verify_until else "", "days": days}
    words.update(more=more, clean=clean, needed=scar.verify_lots)
    if not date_passed and not lots_passed:
        return (
            ngettext(
                "The effectiveness check runs until %(until)s (%(days)s days) and %(more)s more lot inspected without "
                "the defect (%(clean)s of %(needed)s).",
                "The effectiveness check runs until %(until)s (%(days)s days) and %(more)s more lots inspected without "
                "the defect (%(clean)s of %(needed)s).",
                more,
            )
            % words
        )
    if not date_passed:
        return _("The effectiveness check runs until %(until)s (%(days)s days).") % words
    if not lots_passed:
        return (
            ngettext(
                "The effectiveness check runs %(more)s more lot inspected without the defect "
                "(%(clean)s of %(needed)s).",
                "The effectiveness check runs %(more)s more lots inspected without the defect "
                "(%(clean)s of %(needed)s).",
                more,
            )
            % words
        )
    return _("The effectiveness check passed.")


def verification_progress(scar: Scar, *, today: dt.date | None = None) -> dict:
    """Where the effectiveness check stands, for the page and for ``close_blockers``.

    Answers ``{"until": date | None, "date_passed": bool, "lots_needed": int, "lots_clean": int,
    "lots_passed": bool, "passed": bool, "text": str}``; ``passed`` needs both the date reached
    and the clean lots counted (a part not set counts as passed).
    """
    today = today or tenant_today(scar.tenant)
    clean = clean_lots(scar).count() if scar.verify_lots else 0
    date_passed = scar.verify_until is None or today >= scar.verify_until
    lots_passed = clean >= scar.verify_lots
    text = _progress_text(scar, today, clean, date_passed, lots_passed)
    return {
        "until": scar.verify_until,
        "date_passed": date_passed,
        "lots_needed": scar.verify_lots,
        "lots_clean": clean,
        "lots_passed": lots_passed,
        "passed": date_passed and lots_passed and scar.verifying_since is not None,
        "text": text,
    }
