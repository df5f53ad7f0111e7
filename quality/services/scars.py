"""Issuing a SCAR and the engineer's side of its 8D steps: due dates, accept, send back, cancel.

Who: quality engineers and tenant admins who see the SCAR's partner (``check_engineer``); anyone
else gets ``NotInScope`` (404), suppliers included. Refusals of the record's state are
``ValidationError`` (``TransitionRefused`` for a move the life cycle refuses), keyed by field.

Each change runs in one transaction: the SCAR row is locked first (then its step), the audit
entry is written by the life cycle (``portal.lifecycle``), the ``scar.noted`` event for Odoo's
chatter on the partner is emitted with ``outbox_emit``, and emails go once it commits
(``quality.scar_notifications``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal import l10n
from portal.dates import day_of, tenant_today
from portal.models import Membership, Partner, Role
from portal.services.errors import NotInScope
from quality.models import (
    STEP_CODES,
    Inspection,
    Ncr,
    Scar,
    ScarStep,
    Severity,
    SwitchingState,
    quality_rules_for,
    scar_due_days,
)
from quality.scar_notifications import scar_notify_on_commit
from quality.services.ncr_inputs import text_refusal
from quality.services.scar_states import scar_product_ids
from suppliers.models import Asn, Product

ENGINEER_ROLES = frozenset({Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
TITLE_MAX = 200
COMMENT_MAX = 4000


# --- scope and locks ----------------------------------------------------------------------------


def check_engineer(membership: Membership | None, scar: Scar | None = None) -> None:
    """404 unless ``membership`` is a quality engineer or tenant admin (who sees ``scar``, if given)."""
    if membership is None or membership.role not in ENGINEER_ROLES or not membership.has_access:
        raise NotInScope()
    if scar is not None and not Scar.objects.visible_to(membership).filter(pk=scar.pk).exists():
        raise NotInScope()


def locked_scar(scar_id: int) -> Scar:
    return Scar.objects.select_for_update(of=("self",)).select_related("partner", "tenant").get(pk=scar_id)


def _locked_step(step: ScarStep) -> tuple[Scar, ScarStep]:
    scar = locked_scar(step.scar_id)
    return scar, ScarStep.objects.select_for_update().get(pk=step.pk)


def person(user) -> str:
    """How a person is named in notes and payloads: full name, else email; the portal (in the active
    language: ``scar_note_emit`` makes it the tenant's) when None."""
    if user is None:
        return _("the supplier portal")
    return user.get_full_name() or user.email


def in_tenant_language(tenant):
    """The tenant's language active (a context manager): the texts a payload carries to Odoo, and those kept
    for everyone to read, are written in it, whoever's request emits them (``l10n.tenant_language``)."""
    return translation.override(l10n.tenant_language(tenant))


def _clean_text(value: str, *, name: str, label: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({name: _("%(label)s is required.") % {"label": label}})
    if refusal := text_refusal(text):  # NUL, bidi controls, lone surrogates: one rule for every SCAR text
        raise ValidationError({name: refusal})
    if len(text) > limit:
        message = _("%(label)s is limited to %(limit)s characters (this has %(count)s).")
        raise ValidationError({name: message % {"label": label, "limit": limit, "count": len(text)}})
    return text


def scar_payload_head(scar: Scar) -> dict:
    """What every SCAR event's payload starts with: the SCAR and its partner (``partner_odoo_id``: res.partner)."""
    return {
        "scar_id": scar.pk,
        "scar_number": scar.number,
        "partner_odoo_id": scar.partner.odoo_id,
        "partner": scar.partner.name,
    }


def step_title_for_odoo(step: ScarStep) -> str:
    """The step's title as text in the tenant's language: payloads are JSON, and the notes they become in
    Odoo are written in the tenant's language, whoever's request emitted them."""
    with translation.override(l10n.tenant_language(step.scar.tenant)):
        return str(step.title)


def scar_note_emit(scar: Scar, *, what: str, actor, summary: str, step: ScarStep | None = None) -> None:
    """Emit ``scar.noted`` (a chatter note on the partner in Odoo); the caller holds the SCAR's lock."""
    outbox_emit(
        tenant=scar.tenant,
        topic=topics.SCAR_NOTED,
        aggregate=scar,
        payload={
            **scar_payload_head(scar),
            "what": what,
            "step": step.code if step else None,
            "step_title": step_title_for_odoo(step) if step else "",
            "summary": summary,
            "by": _by(scar, actor),
        },
    )


def _by(scar: Scar, actor) -> str:
    with in_tenant_language(scar.tenant):
        return person(actor)


# --- issuing ------------------------------------------------------------------------------------


def _issue_sources(membership, partner, ncrs, inspection, product) -> tuple[list[Ncr], Product | None]:
    """The NCRs and inspection checked against the partner; answers the NCRs and the product."""
    if not Partner.objects.visible_to(membership).filter(pk=partner.pk).exists():
        raise NotInScope()
    ids = {n.pk for n in ncrs}
    found = list(Ncr.objects.visible_to(membership).filter(pk__in=ids).prefetch_related("defect_codes"))
    if len(found) != len(ids):
        raise NotInScope()
    errors = {}
    if any(n.partner_id != partner.pk for n in found):
        errors["ncrs"] = _("A SCAR goes to one partner: choose NCRs of %(partner)s only.") % {"partner": partner.name}
    cancelled = [n.number for n in found if n.status == Ncr.Status.CANCELLED]
    if cancelled:
        errors["ncrs"] = _("%(ncrs)s cancelled: a cancelled NCR asks for no corrective action.") % {
            "ncrs": ", ".join(sorted(cancelled))
        }
    if inspection is not None:
        if not Inspection.objects.visible_to(membership).filter(pk=inspection.pk).exists():
            raise NotInScope()
        if inspection.partner_id != partner.pk:
            errors["inspection"] = _("This inspection is of another partner than %(partner)s.") % {
                "partner": partner.name
            }
        elif not _pair_discontinued(inspection):
            errors["inspection"] = _(
                "A SCAR is issued from an inspection only when inspection of its partner + product is discontinued."
            )
    if product is not None and product.tenant_id != partner.tenant_id:
        raise NotInScope()
    if errors:
        raise ValidationError(errors)
    if product is None:
        products = {n.product_id for n in found} | ({inspection.product_id} if inspection else set())
        product = Product.objects.get(pk=products.pop()) if len(products) == 1 else None
    return sorted(found, key=lambda n: n.number), product


def _pair_discontinued(inspection: Inspection) -> bool:
    """Whether the inspection's partner + product stands discontinued (ISO 2859-1 9.4): the lot held for it,
    or the signed lot that discontinued it."""
    if inspection.status == Inspection.Status.DISCONTINUED:
        return True
    return SwitchingState.objects.filter(
        tenant_id=inspection.tenant_id,
        partner_id=inspection.partner_id,
        product_id=inspection.product_id,
        severity=Severity.DISCONTINUED,
    ).exists()


def _due_dates(tenant, issued_on: dt.date, overrides: dict | None) -> dict[str, dt.date]:
    days = scar_due_days(quality_rules_for(tenant))
    due = {code: issued_on + dt.timedelta(days=days[code]) for code in STEP_CODES}
    errors = {}
    for code, day in (overrides or {}).items():
        if code not in due:
            errors[f"due_dates.{code}"] = _("No step %(code)s: the steps are %(codes)s.") % {
                "code": code,
                "codes": ", ".join(STEP_CODES),
            }
        elif not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            errors[f"due_dates.{code}"] = _("Give a day.")
        elif day < issued_on:
            errors[f"due_dates.{code}"] = _("%(code)s cannot be due before the SCAR is issued (%(day)s).") % {
                "code": code,
                "day": l10n.day(issued_on),
            }
        else:
            due[code] = day
    if errors:
        raise ValidationError(errors)
    return due


@transaction.atomic
def scar_issue(
    *,
    membership: Membership,
    partner: Partner,
    product: Product | None = None,
    ncrs: Iterable[Ncr] = (),
    title: str,
    due_dates: dict[str, dt.date] | None = None,
    inspection: Inspection | None = None,
) -> Scar:
    """Issue a SCAR (``SCAR-00001`` per tenant) to ``partner``, from NCRs of that partner, from an
    inspection whose inspection is discontinued, or from neither.

    Steps D1..D8 are created, each due ``issue day + scar_due_days(rules)[code]`` unless
    ``due_dates`` ({"D3": date, ...}) says otherwise (never before the issue day). Product: the one
    given, else the NCRs' (and inspection's) common product, else none. Defect codes: the union of
    the NCRs'. Emits ``scar.noted`` (issued) and emails the partner's people. Raises
    ``ValidationError`` (``title``, ``ncrs``, ``inspection``, ``due_dates.D3``) and ``NotInScope``.
    """
    from suppliers.services.gs1 import next_number

    check_engineer(membership)
    title = _clean_text(title, name="title", label=_("A title"), limit=TITLE_MAX)
    found, product = _issue_sources(membership, partner, list(ncrs), inspection, product)
    tenant = partner.tenant
    issued_on = tenant_today(tenant)
    due = _due_dates(tenant, issued_on, due_dates)
    scar = Scar.objects.create(
        tenant=tenant,
        number=f"SCAR-{next_number(tenant, 'scar'):05d}",
        partner=partner,
        product=product,
        inspection=inspection,
        title=title,
        issued_by=membership.user,
    )
    scar.ncrs.set(found)
    codes = {code for n in found for code in n.defect_codes.all()}
    scar.defect_codes.set(codes)
    ScarStep.objects.bulk_create(
        ScarStep(tenant=tenant, scar=scar, code=code, due_date=due[code]) for code in STEP_CODES
    )
    Scar.lifecycle.start(
        scar,
        actor=membership.user,
        action="scar.issued",
        changes={
            "partner": [None, partner.name],
            "ncrs": [None, ", ".join(n.number for n in found) or None],
            "due_dates": [None, ", ".join(f"{c} {due[c]:%Y-%m-%d}" for c in STEP_CODES)],
        },
    )
    _issued_note(scar, found, due, actor=membership.user)
    scar_notify_on_commit("issued", scar.pk)
    return scar


def _issued_note(scar: Scar, found: list[Ncr], due: dict[str, dt.date], *, actor) -> None:
    """The ``scar.noted`` event of an issue: where it came from and the first and last due dates."""
    with in_tenant_language(scar.tenant):  # the note's language, whoever issues it
        origin = ", ".join(n.number for n in found) or (str(scar.inspection) if scar.inspection else "")
        said = {
            "scar": scar.number,
            "title": scar.title,
            "origin": origin,
            "d3": l10n.day(due["D3"]),
            "d8": l10n.day(due["D8"]),
        }
        if origin:
            summary = _("%(scar)s issued: %(title)s (from %(origin)s). D3 containment due %(d3)s, D8 due %(d8)s.")
        else:
            summary = _("%(scar)s issued: %(title)s. D3 containment due %(d3)s, D8 due %(d8)s.")
    scar_note_emit(scar, what="issued", actor=actor, summary=summary % said)


# --- the engineer's review ----------------------------------------------------------------------


def _check_reviewable(scar: Scar) -> None:
    if scar.status != Scar.Status.OPEN:
        message = _("%(scar)s is “%(status)s”: no step to review.")
        raise ValidationError({"__all__": message % {"scar": scar.number, "status": scar.get_status_display()}})


@transaction.atomic
def scar_step_due_set(*, membership: Membership, step: ScarStep, due_date: dt.date) -> ScarStep:
    """Move a step's due date (not before today; not on an accepted step). Reminders start over:
    they are counted per due date (``ScarReminder``). Raises ``ValidationError`` (``due_date``)."""
    check_engineer(membership, step.scar)
    scar, step = _locked_step(step)
    _check_reviewable(scar)
    if step.status == ScarStep.Status.ACCEPTED:
        raise ValidationError({"due_date": _("%(code)s is accepted: it is due no more.") % {"code": step.code}})
    today = tenant_today(scar.tenant)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise ValidationError({"due_date": _("Give a day.")})
    if due_date < today:
        raise ValidationError(
            {"due_date": _("A step cannot be due before today (%(day)s).") % {"day": l10n.day(today)}}
        )
    if due_date == step.due_date:
        return step
    from portal.services.audit import audit_record

    audit_record(
        tenant=scar.tenant,
        actor=membership.user,
        action="scar.step_due_changed",
        obj=step,
        changes={"due_date": [step.due_date.isoformat(), due_date.isoformat()]},
    )
    step.due_date = due_date
    step.save(update_fields=["due_date", "updated_at"])
    return step


def _check_version(scar: Scar, step: ScarStep, version: int | None) -> None:
    """The review is of the answer the reviewer read: a newer version sent since is read first."""
    if version is None:
        return
    latest = step.answers.aggregate(m=Max("version"))["m"]
    if latest != version:
        raise ValidationError(
            {
                "__all__": _(
                    "The supplier sent version %(latest)s after you opened the page: read it first "
                    "(%(scar)s %(step)s; you reviewed version %(version)s)."
                )
                % {"latest": latest, "scar": scar.number, "step": step.code, "version": version}
            }
        )


@transaction.atomic
def scar_step_accept(
    *, membership: Membership, step: ScarStep, comment: str = "", version: int | None = None
) -> ScarStep:
    """Accept an answered step; emits ``scar.noted`` (step_accepted). Accepting D8 (after D1..D7)
    starts the effectiveness check: the SCAR becomes ``verifying`` until ``today +
    scar_verify_days`` and ``scar_verify_lots`` clean lots. ``version``: the answer version the
    reviewer read (the page always names it); a newer one is refused. Raises ``ValidationError``."""
    check_engineer(membership, step.scar)
    scar, step = _locked_step(step)
    _check_reviewable(scar)
    _check_version(scar, step, version)
    comment = _clean_text(comment, name="comment", label=_("A comment"), limit=COMMENT_MAX, required=False)
    ScarStep.lifecycle.move(
        step,
        "accept",
        actor=membership.user,
        refused=_("%(code)s is not answered (status: %(status)s): only an answered step is accepted.")
        % {"code": step.code, "status": step.get_status_display()},
    )
    step.review_comment, step.reviewed_by, step.reviewed_at = comment, membership.user, timezone.now()
    step.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    if step.code == STEP_CODES[-1]:
        rules = quality_rules_for(scar.tenant)
        Scar.lifecycle.move(scar, "verify", actor=membership.user)
        scar.verify_until = tenant_today(scar.tenant) + dt.timedelta(days=rules.scar_verify_days)
        scar.verify_lots = rules.scar_verify_lots
        scar.verifying_since = timezone.now()
        scar.save(update_fields=["status", "verify_until", "verify_lots", "verifying_since"])
    summary = _accepted_summary(scar, step, comment)
    scar_note_emit(scar, what="step_accepted", actor=membership.user, summary=summary, step=step)
    return step


def _accepted_summary(scar: Scar, step: ScarStep, comment: str) -> str:
    """The ``scar.noted`` summary of an accepted step, in the tenant's language (the note's), whoever accepts."""
    with in_tenant_language(scar.tenant):
        said = {"scar": scar.number, "step": step.code, "title": str(step.title), "comment": comment}
        if comment:
            summary = _("%(scar)s %(step)s %(title)s accepted: %(comment)s") % said
        else:
            summary = _("%(scar)s %(step)s %(title)s accepted.") % said
        if step.code == STEP_CODES[-1] and scar.verify_until:
            check = ngettext(
                "The effectiveness check runs until %(day)s and until %(count)s lot is inspected without the defect.",
                "The effectiveness check runs until %(day)s and until %(count)s lots are inspected without the defect.",
                scar.verify_lots,
            ) % {"day": l10n.day(scar.verify_until), "count": scar.verify_lots}
            summary = f"{summary}\n{check}"
    return summary


@transaction.atomic
def scar_step_send_back(
    *, membership: Membership, step: ScarStep, comment: str, version: int | None = None
) -> ScarStep:
    """Send an answered step back to the supplier with ``comment`` (required); emails the
    partner's people with the comment and a link to the step. ``version`` as for
    ``scar_step_accept``.

    The step gets time to be answered again: it is due no earlier than today + the step's own lead
    time (``scar_due_days``), at most ``scar_escalate_after_days`` (the tenant's rule for how long a
    late supplier is given before its admin and the buyer hear of it), at least a day. So a step sent
    back after its due date is not overdue at once, and the reminders start over from the new date.
    Raises ``ValidationError``."""
    check_engineer(membership, step.scar)
    scar, step = _locked_step(step)
    _check_reviewable(scar)
    _check_version(scar, step, version)
    comment = _clean_text(comment, name="comment", label=_("Say what is missing: a comment"), limit=COMMENT_MAX)
    ScarStep.lifecycle.move(
        step,
        "send_back",
        actor=membership.user,
        changes={"review_comment": [step.review_comment or None, comment]},
        refused=_("%(code)s is not answered (status: %(status)s): only an answered step is sent back.")
        % {"code": step.code, "status": step.get_status_display()},
    )
    step.review_comment, step.reviewed_by, step.reviewed_at = comment, membership.user, timezone.now()
    rules = quality_rules_for(scar.tenant)
    days = max(min(scar_due_days(rules)[step.code], rules.scar_escalate_after_days), 1)
    again_by = tenant_today(scar.tenant) + dt.timedelta(days=days)
    if step.due_date < again_by:
        from portal.services.audit import audit_record

        audit_record(
            tenant=scar.tenant,
            actor=membership.user,
            action="scar.step_due_changed",
            obj=step,
            changes={"due_date": [step.due_date.isoformat(), again_by.isoformat()]},
        )
        step.due_date = again_by
    step.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "due_date", "updated_at"])
    scar_notify_on_commit("step_sent_back", scar.pk, step_id=step.pk)
    return step


@transaction.atomic
def scar_cancel(*, membership: Membership, scar: Scar, reason: str) -> Scar:
    """Cancel an open or verifying SCAR with ``reason`` (required); emits ``scar.noted``
    (cancelled) and tells the partner's people. Raises ``ValidationError``."""
    check_engineer(membership, scar)
    scar = locked_scar(scar.pk)
    reason = _clean_text(reason, name="reason", label=_("A reason"), limit=COMMENT_MAX)
    Scar.lifecycle.move(scar, "cancel", actor=membership.user, changes={"cancel_reason": [None, reason]})
    scar.cancel_reason, scar.closed_at = reason, timezone.now()
    scar.save(update_fields=["status", "cancel_reason", "closed_at"])
    with in_tenant_language(scar.tenant):
        summary = _("%(scar)s cancelled: %(reason)s") % {"scar": scar.number, "reason": reason}
    scar_note_emit(scar, what="cancelled", actor=membership.user, summary=summary)
    scar_notify_on_commit("cancelled", scar.pk)
    return scar


# --- what the supplier starts from --------------------------------------------------------------


def _qty(value) -> str:
    return f"{value.normalize():f}" if value is not None else "0"


def scar_d2_prefill(scar: Scar) -> dict:
    """A starting text for D2 from the SCAR's NCRs: ``{"what", "where", "when", "how_many",
    "description"}`` (D2's fields, within their limits): the product, the defect codes with their
    descriptions, where and when it was found, the lots and quantities. No costs, no internal notes."""
    ncrs = list(scar.ncrs.select_related("product", "receipt").prefetch_related("lots", "defect_codes"))
    product = scar.product
    codes = sorted({c for n in ncrs for c in n.defect_codes.all()}, key=lambda c: c.code)
    item = f"[{product.default_code}] {product.name}" if product and product.default_code else (product or "")
    what = f"{item}: " if item else ""
    what += "; ".join(f"{c.code} {c.description}" for c in codes) or scar.title
    where = "; ".join(f"{n.get_source_display()} ({n.number})" for n in ncrs)
    when = "; ".join(
        # Instants are UTC: the day the supplier reads is the tenant's (a lot received at 18:00 in Los Angeles).
        f"{n.number} received {day_of(n.receipt.date_done, scar.tenant):%Y-%m-%d} ({n.receipt.name})"
        if n.receipt and n.receipt.date_done
        else f"{n.number} found {day_of(n.created_at, scar.tenant):%Y-%m-%d}"
        for n in ncrs
    )
    lots = [lot for n in ncrs for lot in n.lots.all()]
    affected = sum((lot.affected for lot in lots), start=0)
    suspect = sum((lot.suspect for lot in lots), start=0)
    how_many = ""
    if lots:
        uom = product.uom_name if product else ""
        how_many = f"{_qty(affected)} {uom} affected, {_qty(suspect)} suspect; lots: " + ", ".join(
            f"{lot.lot_name or '(untracked)'} ({_qty(lot.affected)})" for lot in lots
        )
    description = "\n\n".join(f"{n.number} {n.title}\n{n.description}".strip() for n in ncrs)
    return {
        "what": what[:2000],
        "where": where[:500],
        "when": when[:500],
        "how_many": how_many[:200],
        "description": description[:4000],
    }


def suspect_asns(scar: Scar) -> QuerySet[Asn]:
    """The partner's shipments still on their way (submitted, in transit, partly received) with
    the SCAR's products (``scar_product_ids``: its product, else its NCRs'; any product when it names
    none): D3 asks the supplier to check them."""
    asns = Asn.objects.filter(tenant_id=scar.tenant_id, partner_id=scar.partner_id, status__in=Asn.OPEN_STATUSES)
    products = scar_product_ids(scar)
    if products:
        asns = asns.filter(lines__order_line__product_id__in=products)
    return asns.distinct().order_by("created_at", "id")
