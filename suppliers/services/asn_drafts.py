"""Drafting an ASN: create it from open POs, then change its header, lines, items and packages.

The input is typed (``suppliers.services.asn_inputs``); errors are keyed by where they are in it
(``lines.0.items.2.lot_name``), so each page, file or API client shows them next to the field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from portal import dates, l10n
from portal.bidi import identifier_refusal
from portal.models import Membership
from portal.services.audit import audit_record, field_changes
from suppliers.limits import MAX_ASN_ORDERS, MAX_ASN_PACKAGES
from suppliers.models import Asn, AsnLine, Package, PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import NumberError, check_weight
from suppliers.selectors import asn_get
from suppliers.services.asn_checks import on_asns, open_quantity
from suppliers.services.asn_inputs import AsnHeader, AsnLineInput, PackageInput, accepted, supplier_only
from suppliers.services.asn_lines import replace_lines
from suppliers.services.gs1 import next_number, sscc_allocate

TEXT_LIMITS = (("carrier", 80), ("tracking_number", 80), ("note", 4000))
IDENTIFIERS = ("carrier", "tracking_number")  # printed and matched as typed: no invisible direction controls
HEADER_FIELDS = ("ship_date", "eta", *(name for name, _ in TEXT_LIMITS))


def asn_create(*, membership: Membership, po_ids: Sequence[int], header: AsnHeader | None = None) -> Asn:
    """A draft ASN for one or several open POs of one partner, prefilled with what is still open."""
    supplier_only(membership)
    if len(po_ids) > MAX_ASN_ORDERS:  # before any work: each id is looked up
        raise ValidationError(
            {
                "orders": gettext("One shipment covers at most %(max)s purchase orders.") % {"max": MAX_ASN_ORDERS},
            }
        )
    ids = list(po_ids)
    if not ids:
        raise ValidationError({"orders": gettext("Choose at least one open purchase order.")})
    orders = list(PurchaseOrder.objects.visible_to(membership).published().filter(pk__in=ids))
    _check_orders(ids, orders)
    lines = list(
        PurchaseOrderLine.objects.filter(order__in=orders).select_related("order").order_by("order_id", "sequence")
    )
    announced = on_asns(lines)
    with transaction.atomic():
        tenant = membership.tenant
        asn = Asn.objects.create(
            tenant=tenant,
            partner=orders[0].partner,
            number=f"ASN-{next_number(tenant, 'asn'):05d}",
            created_by=membership.user,
        )
        asn.orders.set(orders)
        AsnLine.objects.bulk_create(
            AsnLine(tenant=tenant, asn=asn, order_line=line, quantity=qty, uom_name=line.uom_name)
            for line in lines
            if (qty := open_quantity(line, announced)) > 0
        )
        if header:
            _apply_header(asn, header)
            asn.save()
        audit_record(
            tenant=tenant,
            actor=membership.user,
            action="asn.created",
            obj=asn,
            changes={"orders": [None, ", ".join(o.name for o in orders)]},
        )
    return asn


def _check_orders(ids: list[int], orders: list[PurchaseOrder]) -> None:
    """One shipment: open orders of the caller's, of one supplier, delivered to one place."""
    missing = sorted(set(ids) - {o.pk for o in orders})
    if missing:
        raise ValidationError(
            {"orders": gettext("No open purchase order of yours has the id %(id)s.") % {"id": missing[0]}}
        )
    closed = [o.name for o in orders if not o.is_open]
    if closed:
        raise ValidationError(
            {"orders": gettext("%(orders)s cannot be shipped on: not open.") % {"orders": ", ".join(closed)}}
        )
    if len({o.partner_id for o in orders}) > 1:
        raise ValidationError({"orders": gettext("One ASN covers the orders of one supplier.")})
    if len({o.ship_to_odoo_id for o in orders}) > 1:
        places = ", ".join(
            sorted(
                gettext("%(po)s to %(place)s") % {"po": o.name, "place": o.ship_to or gettext("unknown")}
                for o in orders
            )
        )
        raise ValidationError(
            {
                "orders": gettext("One ASN goes to one place; these orders are delivered apart: %(places)s.")
                % {"places": places}
            }
        )


def _apply_header(asn: Asn, header: AsnHeader, errors: dict | None = None) -> None:
    errors = {} if errors is None else errors
    tz = dates.tenant_zone(asn.tenant)
    if "ship_date" in header:
        asn.ship_date = accepted(header["ship_date"], "ship_date", errors)
    if "eta" in header:
        asn.eta = accepted(header["eta"], "eta", errors)
    for name, limit in TEXT_LIMITS:
        if name in header:
            text = str(header.get(name) or "").strip()
            if len(text) > limit:
                errors[name] = gettext("Keep it under %(limit)s characters (this one has %(count)s).") % {
                    "limit": limit,
                    "count": len(text),
                }
            elif name in IDENTIFIERS and (refusal := identifier_refusal(text)):
                errors[name] = refusal  # printed on the labels and the packing slip as it is
            setattr(asn, name, text[:limit])
    if not errors.get("eta") and asn.eta and asn.ship_date and asn.eta.astimezone(tz).date() < asn.ship_date:
        errors["eta"] = gettext("The goods cannot arrive (%(eta)s) before they ship (%(ship)s).") % {
            "eta": l10n.day(asn.eta.astimezone(tz).date()),
            "ship": l10n.day(asn.ship_date),
        }
    if errors:
        raise ValidationError(errors)


def asn_update(
    *,
    membership: Membership,
    asn_id: int,
    header: AsnHeader | None = None,
    lines: Sequence[AsnLineInput] | None = None,
    packages: Sequence[PackageInput] | None = None,
) -> Asn:
    """Change a draft: the header, and (when given) all lines with their items, and the packages.

    ``lines`` replace the draft's lines (a line's ``package`` is the 1-based position in
    ``packages``, or an SSCC of this ASN); ``packages`` replace its packages (an existing one
    named by its SSCC). Raises ``ValidationError`` with every error at once, keyed by input path.
    """
    supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.editable:
            raise ValidationError(
                {
                    "__all__": gettext("%(asn)s is “%(status)s”; only drafts change.")
                    % {"asn": asn.number, "status": asn.get_status_display()}
                }
            )
        before = _content(asn)
        errors: dict[str, str] = {}
        with contextlib.suppress(ValidationError):
            _apply_header(asn, header or {}, errors)
        package_objs = _packages(asn, packages, errors) if packages is not None else list(asn.packages.all())
        if lines is not None:
            replace_lines(asn, lines, package_objs, errors)
        if not errors:
            _number_packages(asn, errors)
        if errors:
            raise ValidationError(errors)
        changes = _draft_changes(before, _content(asn))
        if changes:  # saving an unchanged form is no edit: no audit entry, no new updated_at
            asn.save()
            audit_record(tenant=asn.tenant, actor=membership.user, action="asn.updated", obj=asn, changes=changes)
    return asn


def _content(asn: Asn) -> dict[str, object]:
    """What a draft edit can change: the header fields as they are on ``asn`` (saved or not), and the
    lines, lots and packages as written, as sorted rows. Taken before and after ``asn_update``."""
    lines = sorted((line.order_line_id, line.quantity, line.uom_name) for line in asn.lines.all())
    items = sorted(
        (
            i.line.order_line_id,
            i.lot_name,
            str(i.expiry_date or ""),
            i.quantity,
            i.package.sscc if i.package else "",
            tuple((v.name, v.value.normalize(), v.unit) for v in i.values.all()),  # certificate values count too
        )
        for i in asn.items.select_related("line", "package").prefetch_related("values")
    )
    # An empty package has no SSCC and is written anew on each save: it counts by kind and weight.
    packages = sorted((p.sscc, p.kind, str(p.weight_kg or "")) for p in asn.packages.all())
    return {
        **{name: getattr(asn, name) for name in HEADER_FIELDS},
        "lines": lines,
        "lots and serials": items,
        "packages": packages,
    }


def _draft_changes(before: dict[str, object], after: dict[str, object]) -> dict[str, list]:
    """The audit's {field: [before, after]}: header fields by value, rows by count (the page shows
    the rows themselves); other rows of the same count read ``[2, "2, changed"]``. Empty: no edit."""
    changes = field_changes({k: before[k] for k in HEADER_FIELDS}, {k: after[k] for k in HEADER_FIELDS})
    for name in ("lines", "lots and serials", "packages"):
        old, new = before[name], after[name]
        if old != new:
            changes[name] = [len(old), len(new) if len(new) != len(old) else f"{len(new)}, changed"]
    return changes


def _weight_ok(value, field: str, errors: dict) -> Decimal | None:
    number = accepted(value, field, errors)
    if number is None:
        return None
    try:
        return check_weight(number)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def _packages(asn: Asn, packages: Sequence[PackageInput], errors: dict) -> list[Package]:
    kinds = dict(Package.Kind.choices)
    existing = {p.sscc: p for p in asn.packages.all() if p.sscc}  # an unnumbered one holds nothing to keep
    kept, new = [], []
    for index, spec in enumerate(packages):
        kind = (spec.kind or Package.Kind.CARTON).strip()
        if kind not in kinds:
            errors[f"packages.{index}.kind"] = gettext("Choose one of %(choices)s (got “%(got)s”).") % {
                "choices": ", ".join(kinds),
                "got": kind,
            }
            continue
        weight = None
        if spec.weight_kg is not None:
            weight = _weight_ok(spec.weight_kg, f"packages.{index}.weight_kg", errors)
        sscc = (spec.sscc or "").strip()
        if sscc and (refusal := identifier_refusal(sscc)):
            errors[f"packages.{index}.sscc"] = refusal
            continue
        if sscc and sscc not in existing:
            errors[f"packages.{index}.sscc"] = gettext(
                "%(sscc)s is not a package of %(asn)s; leave it empty for a new one."
            ) % {"sscc": sscc, "asn": asn.number}
            continue
        package = existing.get(sscc) or Package(tenant=asn.tenant, asn=asn)
        package.kind, package.weight_kg = kind, weight
        (kept if package.pk else new).append(package)
    if len(packages) > MAX_ASN_PACKAGES:
        errors["packages"] = gettext("An ASN holds at most %(max)s packages.") % {"max": MAX_ASN_PACKAGES}
    if errors:
        return kept + new
    # New packages get their SSCC once something is put in them (_number_packages): an empty one
    # gets no number and no label.
    asn.packages.exclude(pk__in=[p.pk for p in kept]).delete()
    for package in kept:
        package.save(update_fields=["kind", "weight_kg"])
    Package.objects.bulk_create(new)
    # Positions follow the order given, so "package 2" means the second one listed.
    order = {id(p): i for i, p in enumerate(kept + new)}
    return sorted(kept + new, key=lambda p: order[id(p)])


def _number_packages(asn: Asn, errors: dict) -> None:
    """Give an SSCC to each package that holds something and has none yet (in the order listed)."""
    unnumbered = list(asn.packages.filter(sscc="", items__isnull=False).distinct().order_by("id"))
    if not unnumbered:
        return
    try:
        codes = sscc_allocate(asn.tenant, len(unnumbered))
    except ValueError as exc:
        errors["packages"] = str(exc)
        return
    for package, code in zip(unnumbered, codes, strict=True):
        package.sscc = code
    Package.objects.bulk_update(unnumbered, ["sscc"])
