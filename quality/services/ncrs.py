"""Nonconformance reports: opening (from a rejected lot, or by hand), editing, containment, files, state moves, cost.

Who acts: quality engineers and tenant admins who see the NCR's partner (``ACTOR_ROLES``);
anyone else gets ``NotInScope`` (404). Inspectors and buyers read NCRs through
``quality.ncr_selectors``; suppliers see them only through their SCARs. Every change is audited,
and status moves go through ``Ncr.lifecycle`` with the guards of ``quality.services.ncr_states``.
Refusals are ``ValidationError`` keyed by input path (``title``, ``lots.0.affected``) or
``__all__``. Dispositions of the NCR's lots are in ``quality.services.ncr_dispositions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import l10n
from portal.bidi import identifier_refusal
from portal.models import Membership, Partner, Role
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import DefectClass, DefectCode, Inspection, Ncr, NcrContainment, NcrFile, NcrLot
from quality.models.rules import quality_rules_for
from quality.services.ncr_inputs import file_name, picture_type, text_refusal
from quality.services.ncr_states import disposition_blockers
from suppliers.models import Asn, Product, PurchaseOrder, Receipt
from suppliers.quantities import QUANTITY_MAX, plain
from suppliers.services.gs1 import next_number

ACTOR_ROLES = frozenset({Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
TITLE_MAX = Ncr._meta.get_field("title").max_length
TEXT_MAX = 5000
FILE_MAX_BYTES = 10 * 1024 * 1024
FILE_TYPES = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
ZERO = Decimal(0)


# --- scope --------------------------------------------------------------------------------------


def check_actor(membership: Membership, ncr: Ncr | None = None) -> None:
    """404 unless ``membership`` is a quality engineer or tenant admin who sees ``ncr`` (when given)."""
    if membership is None or membership.role not in ACTOR_ROLES or not membership.has_access:
        raise NotInScope()
    if ncr is not None and not Ncr.objects.visible_to(membership).filter(pk=ncr.pk).exists():
        raise NotInScope()


def ncr_locked(ncr: Ncr) -> Ncr:
    """The NCR's row, locked: dispositions, moves and events of one NCR take their turn."""
    return Ncr.objects.select_for_update(of=("self",)).get(pk=ncr.pk)


def _check_editable(ncr: Ncr) -> None:
    if ncr.status not in Ncr.OPEN_STATUSES:
        raise ValidationError(
            _("%(ncr)s is “%(status)s”: it can no longer be changed.")
            % {"ncr": ncr.number, "status": ncr.get_status_display()}
        )


# The field named in "Give …" / "Write … in at most …", translated when the message is built.
IT = gettext_lazy("it")


def _text(errors: dict, key: str, value: str, *, maximum: int, required: bool = False, what=IT) -> str:
    value = (value or "").strip()
    if refusal := text_refusal(value):
        errors[key] = refusal
    elif required and not value:
        errors[key] = _("Give %(what)s.") % {"what": what}
    elif len(value) > maximum:
        errors[key] = _("Write %(what)s in at most %(max)s characters (this is %(length)s).") % {
            "what": what,
            "max": maximum,
            "length": len(value),
        }
    return value


def _after_ncr(ncr: Ncr) -> None:
    # Engineer B's SCAR effectiveness check: a new NCR (or new defect codes) with a code a verifying
    # SCAR of the partner + product names reopens it at D4. Imported here: the SCAR services import the
    # NCR models and states, and load after this module.
    from quality.services.scar_effectiveness import scar_after_ncr

    scar_after_ncr(ncr)


def _number(tenant) -> str:
    return f"NCR-{next_number(tenant, 'ncr'):05d}"


def _opening_changes(ncr: Ncr) -> dict:
    return {
        "number": [None, ncr.number],
        "source": [None, ncr.source],
        "title": [None, ncr.title],
        "severity": [None, ncr.severity],
        "lots": [None, [[lot.lot_name, plain(lot.affected), plain(lot.suspect)] for lot in ncr.lots.all()]],
    }


# --- opening by hand ----------------------------------------------------------------------------


def _visible(model, membership: Membership, obj):
    if obj is None:
        return None
    if not model.objects.visible_to(membership).filter(pk=obj.pk).exists():
        raise NotInScope()
    return obj


def _codes(membership: Membership, codes: Iterable, errors: dict, *, kept: Iterable[int] = ()) -> list[DefectCode]:
    """The tenant's codes named by ``codes``: active ones, or inactive ones the NCR names already (``kept``
    ids: deactivating a code keeps it on the records that name it, so an edit may keep it too)."""
    ids = [getattr(c, "pk", c) for c in codes or ()]
    found = list(
        DefectCode.objects.filter(tenant_id=membership.tenant_id, pk__in=ids).filter(
            Q(active=True) | Q(pk__in=list(kept))
        )
    )
    if len(found) != len(set(ids)):
        errors["defect_codes"] = _("Choose active defect codes of your catalogue.")
    return found


def _quantity(errors: dict, key: str, value) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        errors[key] = _("Give a number.")
    elif value < 0:
        errors[key] = _("A quantity cannot be negative (got %(value)s).") % {"value": plain(value)}
    elif value.normalize().as_tuple().exponent < -2:
        errors[key] = _("Odoo counts stock to 0.01: give at most two decimals, not %(value)s.") % {
            "value": plain(value)
        }
    elif value > QUANTITY_MAX:
        errors[key] = _("The largest quantity is %(max)s (got %(value)s).") % {
            "max": l10n.num(QUANTITY_MAX),
            "value": plain(value),
        }
    else:
        return value
    return ZERO


def _lots(membership: Membership, lots: Iterable[dict], partner, product, errors: dict) -> list[NcrLot]:
    rows = []
    for i, given in enumerate(lots or ()):
        name = _text(errors, f"lots.{i}.lot_name", given.get("lot_name", ""), maximum=128, what=_("the lot"))
        if f"lots.{i}.lot_name" not in errors and (refusal := identifier_refusal(name)):
            errors[f"lots.{i}.lot_name"] = refusal  # a mark too: the NCR would name a lot Odoo does not hold
        affected = _quantity(errors, f"lots.{i}.affected", given.get("affected", ZERO))
        suspect = _quantity(errors, f"lots.{i}.suspect", given.get("suspect", ZERO))
        inspection = _visible(Inspection, membership, given.get("inspection"))
        if inspection is not None and (inspection.partner_id != partner.pk or inspection.product_id != product.pk):
            errors[f"lots.{i}.inspection"] = _("This inspection is of another supplier or product.")
        rows.append(NcrLot(lot_name=name, affected=affected, suspect=suspect, inspection=inspection))
    return rows


OTHER_SUPPLIER = {
    "inspection": gettext_lazy("This inspection is of another supplier."),
    "receipt": gettext_lazy("This receipt is of another supplier."),
    "order": gettext_lazy("This purchase order is of another supplier."),
    "asn": gettext_lazy("This ASN is of another supplier."),
}


def _links(membership, partner, *, inspection, receipt, order, asn, errors: dict) -> None:
    for key, model, obj in (
        ("inspection", Inspection, inspection),
        ("receipt", Receipt, receipt),
        ("order", PurchaseOrder, order),
        ("asn", Asn, asn),
    ):
        if _visible(model, membership, obj) is not None and obj.partner_id != partner.pk:
            errors[key] = str(OTHER_SUPPLIER[key])
    # What an NCR links must tell one story: the receipt of the order, the inspection of the receipt.
    if receipt is not None and order is not None and "receipt" not in errors and receipt.order_id != order.pk:
        errors["receipt"] = _("Receipt %(receipt)s is not a receipt of purchase order %(order)s.") % {
            "receipt": receipt.name,
            "order": order.name,
        }
    if inspection is not None and receipt is not None and inspection.receipt_id != receipt.pk:
        errors.setdefault(
            "inspection",
            _("This inspection is of receipt %(receipt)s, not %(other)s.")
            % {"receipt": inspection.receipt.name, "other": receipt.name},
        )


def _duplicate(source: str, inspection: Inspection | None) -> str:
    """Why a second NCR "from the inspection" is refused: the rejected lot's NCR exists (one per inspection)."""
    if source != Ncr.Source.INSPECTION or inspection is None:
        return ""
    existing = Ncr.objects.filter(inspection=inspection, source=Ncr.Source.INSPECTION).first()
    if existing is None:
        return ""
    return _(
        "%(ncr)s is already the NCR of this inspection: add to it, or open this one as found at "
        "another place (e.g. “%(source)s”)."
    ) % {"ncr": existing.number, "source": Ncr.Source.LOT.label}


def _choices(errors: dict, *, source: str, severity: str, product, inspection) -> None:
    if source not in Ncr.Source.values:
        errors["source"] = _("Choose one of %(values)s.") % {"values": ", ".join(Ncr.Source.values)}
    elif duplicate := _duplicate(source, inspection):
        errors["source"] = duplicate
    if severity not in DefectClass.values:
        errors["severity"] = _("Choose one of %(values)s.") % {"values": ", ".join(DefectClass.values)}
    if inspection is not None and inspection.product_id != product.pk:
        errors.setdefault("inspection", _("This inspection is of another product."))


def _create(membership: Membership, fields: dict) -> Ncr:
    try:
        with transaction.atomic():  # a savepoint: the system may open the lot's NCR at the same moment
            return Ncr.objects.create(
                tenant_id=membership.tenant_id,
                number=_number(membership.tenant),
                handling_charge=quality_rules_for(membership.tenant).handling_charge,
                created_by=membership.user,
                **fields,
            )
    except IntegrityError:
        why = _duplicate(fields["source"], fields["inspection"]) or _("This NCR exists already.")
        raise ValidationError({"source": why}) from None


@transaction.atomic
def ncr_open(
    *,
    membership: Membership,
    partner: Partner,
    product: Product,
    source: str,
    title: str,
    description: str = "",
    severity: str = DefectClass.MAJOR,
    defect_codes: Iterable = (),
    lots: Iterable[dict] = (),
    inspection: Inspection | None = None,
    receipt: Receipt | None = None,
    order: PurchaseOrder | None = None,
    asn: Asn | None = None,
) -> Ncr:
    """Open an NCR by hand (a receipt, a lot, an inspection, a production find, a complaint).

    ``lots``: ``[{"lot_name": str, "affected": Decimal, "suspect": Decimal, "inspection": Inspection|None}]``,
    quantities in the product's unit, >= 0, at most two decimals. ``receipt``'s PO is taken when
    ``order`` is not given, the inspection's receipt when neither is (``hand_links``: priced as the lot's own NCR);
    a lot another open NCR claims (``lot_claim``) is refused, naming it. Raises
    ``ValidationError`` (keys ``title``, ``source``, ``severity``, ``defect_codes``, ``lots.N.*``,
    ``inspection``, ``receipt``, ``order``, ``asn``) and ``NotInScope`` (partner, product or a
    linked record outside the membership's scope).
    """
    check_actor(membership)
    _visible(Partner, membership, partner)
    if product.tenant_id != membership.tenant_id:
        raise NotInScope()
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, maximum=TITLE_MAX, required=True, what=_("a title"))
    description = _text(errors, "description", description, maximum=TEXT_MAX, what=_("the description"))
    _links(membership, partner, inspection=inspection, receipt=receipt, order=order, asn=asn, errors=errors)
    _choices(errors, source=source, severity=severity, product=product, inspection=inspection)
    codes = _codes(membership, defect_codes, errors)
    rows = _lots(membership, lots, partner, product, errors)
    claimed_errors(errors, inspection, rows)
    if errors:
        raise ValidationError(errors)
    receipt, order, unit_price, currency = hand_links(product, inspection, rows, receipt, order)
    fields = dict(source=source, partner=partner, product=product, inspection=inspection, receipt=receipt)
    fields.update(order=order, asn=asn, title=title, description=description, severity=severity)
    fields.update(unit_price=unit_price, currency_code=currency)
    ncr = _create(membership, fields)
    ncr.defect_codes.set(codes)
    for row in rows:
        row.tenant_id, row.ncr = ncr.tenant_id, ncr
    NcrLot.objects.bulk_create(rows)
    Ncr.lifecycle.start(ncr, actor=membership.user, action="ncr.opened", changes=_opening_changes(ncr))
    _after_ncr(ncr)
    return ncr


@transaction.atomic
def ncr_update(
    *,
    membership: Membership,
    ncr: Ncr,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    defect_codes: Iterable | None = None,
) -> Ncr:
    """Change what is given (None: unchanged) of an NCR not closed or cancelled; audited with the diff.
    A change of defect codes runs the SCAR effectiveness check; a severity lowered below what the material
    review judges is refused (``severity_refusal``). Raises ``ValidationError``, ``NotInScope``."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    _check_editable(ncr)
    errors: dict[str, str] = {}
    before = {"title": ncr.title, "description": ncr.description, "severity": ncr.severity}
    before_codes = sorted(ncr.defect_codes.values_list("code", flat=True))
    if title is not None:
        ncr.title = _text(errors, "title", title, maximum=TITLE_MAX, required=True, what=_("a title"))
    if description is not None:
        ncr.description = _text(errors, "description", description, maximum=TEXT_MAX, what=_("the description"))
    if severity is not None:
        if severity not in DefectClass.values:
            errors["severity"] = _("Choose one of %(values)s.") % {"values": ", ".join(DefectClass.values)}
        elif why := severity_refusal(ncr, severity):
            errors["severity"] = why
        ncr.severity = severity
    kept = ncr.defect_codes.values_list("pk", flat=True)
    codes = _codes(membership, defect_codes, errors, kept=kept) if defect_codes is not None else None
    if errors:
        raise ValidationError(errors)
    ncr.save(update_fields=["title", "description", "severity", "updated_at"])
    changes = field_changes(before, {"title": ncr.title, "description": ncr.description, "severity": ncr.severity})
    after_codes = sorted(c.code for c in codes) if codes is not None else before_codes
    if after_codes != before_codes:
        ncr.defect_codes.set(codes)
        changes["defect_codes"] = [", ".join(before_codes), ", ".join(after_codes)]
    audit_record(tenant=ncr.tenant, actor=membership.user, action="ncr.updated", obj=ncr, changes=changes)
    if after_codes != before_codes:
        _after_ncr(ncr)
    return ncr


# --- containment and files ----------------------------------------------------------------------


@transaction.atomic
def containment_add(
    *, membership: Membership, ncr: Ncr, action: str, owner: str, due_date: date | None = None
) -> NcrContainment:
    """Add a containment action (what, who, by when) to an NCR not closed or cancelled.
    Raises ``ValidationError`` (``action``, ``owner``, ``due_date``), ``NotInScope``."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    _check_editable(ncr)
    errors: dict[str, str] = {}
    action = _text(errors, "action", action, maximum=300, required=True, what=_("the action"))
    owner = _text(errors, "owner", owner, maximum=120, required=True, what=_("who does it"))
    if due_date is not None and not isinstance(due_date, date):
        errors["due_date"] = _("Give a date.")
    if errors:
        raise ValidationError(errors)
    item = NcrContainment.objects.create(
        tenant_id=ncr.tenant_id, ncr=ncr, action=action, owner=owner, due_date=due_date, created_by=membership.user
    )
    changes = {"action": [None, action], "owner": [None, owner], "due_date": [None, str(due_date or "")]}
    audit_record(tenant=ncr.tenant, actor=membership.user, action="ncr.containment_added", obj=ncr, changes=changes)
    return item


@transaction.atomic
def containment_done(*, membership: Membership, containment: NcrContainment) -> NcrContainment:
    """Mark a containment action done now, by the member. Raises ``ValidationError`` when done already."""
    check_actor(membership, containment.ncr)
    ncr = ncr_locked(containment.ncr)
    _check_editable(ncr)
    containment = NcrContainment.objects.get(pk=containment.pk)
    if containment.done_at is not None:
        raise ValidationError(_("“%(action)s” is done already.") % {"action": containment.action})
    containment.done_at, containment.done_by = timezone.now(), membership.user
    containment.save(update_fields=["done_at", "done_by"])
    audit_record(
        tenant=ncr.tenant,
        actor=membership.user,
        action="ncr.containment_done",
        obj=ncr,
        changes={"containment": [containment.action, "done"]},
    )
    return containment


@transaction.atomic
def ncr_file_add(*, membership: Membership, ncr: Ncr, upload, shared_with_supplier: bool = False) -> NcrFile:
    """Attach a photo or document (PDF, PNG or JPEG by content, at most 10 MB, read no further) to an NCR.
    Raises ``ValidationError`` keyed ``file``, ``NotInScope``."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    _check_editable(ncr)
    if upload is None:
        raise ValidationError({"file": _("Choose a file to attach.")})
    data = upload.read(FILE_MAX_BYTES + 1)
    if len(data) > FILE_MAX_BYTES:
        raise ValidationError({"file": _("Files are limited to %(mb)s MB.") % {"mb": FILE_MAX_BYTES // (1024 * 1024)}})
    content_type = next((t for magic, t in FILE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise ValidationError({"file": _("That file is not a PDF, PNG or JPEG file.")})
    if content_type != "application/pdf":
        content_type = picture_type(data)  # bounded in pixels, so the PDF's thumbnail can be made
    name = file_name(upload.name)
    item = NcrFile(
        tenant_id=ncr.tenant_id,
        ncr=ncr,
        name=name,
        content_type=content_type,
        size=len(data),
        shared_with_supplier=bool(shared_with_supplier),
        uploaded_by=membership.user,
    )
    item.file.save(name, ContentFile(data), save=False)
    item.save()
    audit_record(
        tenant=ncr.tenant, actor=membership.user, action="ncr.file_added", obj=ncr, changes={"file": [None, name]}
    )
    return item


# --- state moves --------------------------------------------------------------------------------


def disposition_if_ready(ncr: Ncr, actor) -> None:
    """A contained NCR whose lots are all disposed of moves on to dispositioned (the caller locked it)."""
    if ncr.status == Ncr.Status.CONTAINED and disposition_blockers(ncr) is None:
        Ncr.lifecycle.move(ncr, "disposition", actor=actor)
        ncr.save(update_fields=["status", "updated_at"])


@transaction.atomic
def ncr_contain(*, membership: Membership, ncr: Ncr) -> Ncr:
    """Open -> contained (at least one containment action, all done); and straight on to dispositioned
    when every lot is disposed of already. Raises ``TransitionRefused`` with what is missing."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    Ncr.lifecycle.move(ncr, "contain", actor=membership.user)
    ncr.save(update_fields=["status", "updated_at"])
    disposition_if_ready(ncr, membership.user)
    return ncr


@transaction.atomic
def ncr_close(*, membership: Membership, ncr: Ncr) -> Ncr:
    """Dispositioned -> closed once every stock move of its dispositions is in Odoo. Raises ``TransitionRefused``."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    ncr.closed_at = timezone.now()
    Ncr.lifecycle.move(ncr, "close", actor=membership.user)
    ncr.save(update_fields=["status", "closed_at", "updated_at"])
    return ncr


@transaction.atomic
def ncr_cancel(*, membership: Membership, ncr: Ncr, reason: str) -> Ncr:
    """Cancel an NCR not closed, with a reason (at most 2000 characters); refused once a disposition
    moved stock. Dispositions awaiting review are withdrawn (audited each).
    Raises ``TransitionRefused``, ``ValidationError``."""
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    errors: dict[str, str] = {}
    ncr.cancel_reason = _text(errors, "reason", reason, maximum=2000, what=_("the reason"))
    if errors:
        raise ValidationError(errors)
    Ncr.lifecycle.move(ncr, "cancel", actor=membership.user, changes={"reason": [None, ncr.cancel_reason]})
    ncr.save(update_fields=["status", "cancel_reason", "updated_at"])
    _withdraw_pending(ncr, membership.user)
    return ncr


def _withdraw_pending(ncr: Ncr, actor) -> None:
    """A cancelled NCR's proposals awaiting review are withdrawn, each with its own audit entry."""
    from quality.models import NcrDisposition
    from quality.services.ncr_dispositions import disposition_words

    pending = ncr.dispositions.filter(status=NcrDisposition.Status.AWAITING_APPROVAL).select_related("lot")
    for disposition in pending:
        disposition.status = NcrDisposition.Status.WITHDRAWN
        disposition.save(update_fields=["status"])
        audit_record(
            tenant=ncr.tenant,
            actor=actor,
            action="ncr.disposition_withdrawn",
            obj=ncr,
            changes={"disposition": [disposition_words(disposition), "withdrawn: the NCR is cancelled"]},
        )


# --- cost of poor quality -----------------------------------------------------------------------


@dataclass(frozen=True)
class NcrCost:
    """Cost of poor quality: ``quantity`` affected (product's unit) x ``unit_price`` = ``material``,
    plus ``handling``; money in ``currency`` (the PO's; empty when the NCR has no PO)."""

    quantity: Decimal
    unit_price: Decimal
    material: Decimal
    handling: Decimal
    total: Decimal
    currency: str


def ncr_cost(ncr: Ncr) -> NcrCost:
    """The NCR's cost of poor quality (``NcrCost``), money rounded to cents."""
    quantity = sum((lot.affected for lot in ncr.lots.all()), ZERO)
    material = (quantity * ncr.unit_price).quantize(Decimal("0.01"))
    handling = Decimal(ncr.handling_charge).quantize(Decimal("0.01"))
    return NcrCost(quantity, ncr.unit_price, material, handling, material + handling, ncr.currency_code)


# The system's opening from a rejected lot lives in its own module (it reads inspections, results and
# stock decisions); named here too, as the NCR services' public entry point.
from quality.services.ncr_inspections import claimed_errors, hand_links, ncr_open_from_inspection, severity_refusal  # noqa: E402

__all__ = [
    "NcrCost",
    "check_actor",
    "containment_add",
    "containment_done",
    "ncr_cancel",
    "ncr_close",
    "ncr_contain",
    "ncr_cost",
    "ncr_file_add",
    "ncr_locked",
    "ncr_open",
    "ncr_open_from_inspection",
    "ncr_update",
]
