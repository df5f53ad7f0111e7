"""Advance shipment notices: draft, edit, submit, ship, cancel.

One shape of input for the browser, the API and the CSV/XLSX import: a header,
lines (a PO line and a quantity) with items (lot or serial, expiry, quantity,
package), and packages. Errors are keyed by where they are
(``lines.0.items.2.lot_name``), so each form shows them next to the field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from integrations.services.outbox import outbox_emit
from portal import dates
from portal.models import Membership, Partner
from portal.services.audit import audit_record
from portal.services.errors import NotInScope
from suppliers.limits import MAX_ASN_ITEMS, MAX_ASN_LINES, MAX_ASN_ORDERS, MAX_ASN_PACKAGES
from suppliers.models import Asn, AsnItem, AsnLine, Package, PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import NumberError, parse_quantity, parse_weight, quantity_sum
from suppliers.services.gs1 import next_number, sscc_allocate

HEADER_FIELDS = ("ship_date", "eta", "carrier", "tracking_number", "note")


def _supplier_only(membership: Membership) -> None:
    if not membership.is_supplier_role:
        raise ValidationError({"__all__": "Only the supplier announces its shipments."})


def asn_get(*, membership: Membership, asn_id: int, lock: bool = False) -> Asn:
    qs = Asn.objects.visible_to(membership)
    if lock:
        qs = qs.select_for_update(of=("self",))
    asn = qs.filter(pk=asn_id).first()
    if asn is None:
        raise NotInScope()
    return asn


def on_asns(order_lines: list[PurchaseOrderLine], exclude: Asn | None = None) -> dict[int, Decimal]:
    """Quantities of these PO lines announced on open ASNs and not yet on a done receipt (what a
    partly received ASN brought already counts in the PO line's ``qty_received``)."""
    qs = AsnLine.objects.filter(order_line__in=order_lines, asn__status__in=Asn.OPEN_STATUSES)
    if exclude is not None:
        qs = qs.exclude(asn=exclude)
    rows = qs.values("order_line").annotate(q=quantity_sum(F("quantity") - F("quantity_received")))
    return {row["order_line"]: max(row["q"], Decimal(0)) for row in rows}


def open_quantity(line: PurchaseOrderLine, announced: dict[int, Decimal]) -> Decimal:
    return max(line.quantity - line.qty_received - announced.get(line.pk, 0), Decimal(0))


def asn_create(*, membership: Membership, po_ids: list[int], header: dict | None = None) -> Asn:
    """A draft ASN for one or several open POs of one partner, prefilled with what is still open."""
    _supplier_only(membership)
    if len(po_ids or []) > MAX_ASN_ORDERS:  # before any work: each id is parsed and looked up
        raise ValidationError({"orders": f"One shipment covers at most {MAX_ASN_ORDERS} purchase orders."})
    ids = []
    for value in po_ids or []:
        try:
            ids.append(int(value))
            if not 0 < ids[-1] < 10**18:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationError({"orders": f"“{value}” is not a purchase order id."}) from None
    if not ids:
        raise ValidationError({"orders": "Choose at least one open purchase order."})
    orders = list(PurchaseOrder.objects.visible_to(membership).published().filter(pk__in=ids))
    missing = sorted(set(ids) - {o.pk for o in orders})
    if missing:
        raise ValidationError({"orders": f"No open purchase order of yours has the id {missing[0]}."})
    closed = [o.name for o in orders if not o.is_open]
    if closed:
        raise ValidationError({"orders": f"{', '.join(closed)} cannot be shipped on: not open."})
    if len({o.partner_id for o in orders}) > 1:
        raise ValidationError({"orders": "One ASN covers the orders of one supplier."})
    if len({o.ship_to_odoo_id for o in orders}) > 1:
        places = ", ".join(sorted({f"{o.name} to {o.ship_to or 'unknown'}" for o in orders}))
        raise ValidationError({"orders": f"One ASN goes to one place; these orders are delivered apart: {places}."})
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


def _date(value, field: str, errors: dict) -> dt.date | None:
    """A calendar day (``portal.dates``: the tenant's day, within its limits)."""
    try:
        return dates.parse_day(value)
    except dates.DateInputError as exc:
        errors[field] = str(exc)
        return None


def _datetime(value, field: str, errors: dict, tz) -> dt.datetime | None:
    """A moment; without an offset it is wall-clock time in ``tz`` (the tenant's), a day alone is
    that day at noon there (``portal.dates``)."""
    try:
        return dates.parse_instant(value, wall_zone=tz)
    except dates.DateInputError as exc:
        errors[field] = str(exc)
        return None


def _qty(value, field: str, errors: dict, *, allow_zero: bool = False) -> Decimal | None:
    """A quantity within the digits every path and backend agree on (``suppliers.quantities``); callers
    hand over plain numbers ("1234.5": the web views turn what people type into that first)."""
    try:
        return parse_quantity(value, decimal_mark=".", allow_zero=allow_zero)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def _weight(value, field: str, errors: dict) -> Decimal | None:
    try:
        return parse_weight(value, decimal_mark=".")
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def _apply_header(asn: Asn, header: dict, errors: dict | None = None) -> None:
    errors = {} if errors is None else errors
    tz = dates.tenant_zone(asn.tenant)
    if "ship_date" in header:
        asn.ship_date = _date(header.get("ship_date"), "ship_date", errors)
    if "eta" in header:
        asn.eta = _datetime(header.get("eta"), "eta", errors, tz)
    for name, limit in (("carrier", 80), ("tracking_number", 80), ("note", 4000)):
        if name in header:
            text = str(header.get(name) or "").strip()
            if len(text) > limit:
                errors[name] = f"Keep it under {limit} characters (this one has {len(text)})."
            setattr(asn, name, text[:limit])
    if not errors.get("eta") and asn.eta and asn.ship_date and asn.eta.astimezone(tz).date() < asn.ship_date:
        errors["eta"] = (
            f"The goods cannot arrive ({asn.eta.astimezone(tz):%Y-%m-%d}) before they ship ({asn.ship_date})."
        )
    if errors:
        raise ValidationError(errors)


def asn_update(
    *,
    membership: Membership,
    asn_id: int,
    header: dict | None = None,
    lines: list[dict] | None = None,
    packages: list[dict] | None = None,
) -> Asn:
    """Change a draft: the header, and (when given) all lines with their items, and the packages.

    ``lines``: [{"order_line": id, "quantity": q, "items": [{"lot_name", "expiry_date", "quantity", "package"}]}]
    where "package" is the 1-based position in ``packages`` or an SSCC of this ASN;
    ``packages``: [{"kind": "carton", "weight_kg": 12.5, "sscc": optional, existing}].
    """
    _supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.editable:
            raise ValidationError(
                {"__all__": f"{asn.number} is {asn.get_status_display().lower()}; only drafts change."}
            )
        errors: dict[str, str] = {}
        with contextlib.suppress(ValidationError):
            _apply_header(asn, header or {}, errors)
        package_objs = _packages(asn, packages, errors) if packages is not None else list(asn.packages.all())
        if lines is not None:
            _replace_lines(asn, lines, package_objs, errors)
        if not errors:
            _number_packages(asn, errors)
        if errors:
            raise ValidationError(errors)
        asn.save()
        audit_record(tenant=asn.tenant, actor=membership.user, action="asn.updated", obj=asn)
    return asn


def _packages(asn: Asn, packages: list[dict], errors: dict) -> list[Package]:
    kinds = dict(Package.Kind.choices)
    existing = {p.sscc: p for p in asn.packages.all() if p.sscc}  # an unnumbered one holds nothing to keep
    kept, new = [], []
    for index, spec in enumerate(packages):
        kind = (spec.get("kind") or Package.Kind.CARTON).strip()
        if kind not in kinds:
            errors[f"packages.{index}.kind"] = f"Choose one of {', '.join(kinds)} (got “{kind}”)."
            continue
        weight = None
        if spec.get("weight_kg") not in (None, ""):
            weight = _weight(spec["weight_kg"], f"packages.{index}.weight_kg", errors)
        sscc = (spec.get("sscc") or "").strip()
        if sscc and sscc not in existing:
            errors[f"packages.{index}.sscc"] = f"{sscc} is not a package of {asn.number}; leave it empty for a new one."
            continue
        package = existing.get(sscc) or Package(tenant=asn.tenant, asn=asn)
        package.kind, package.weight_kg = kind, weight
        (kept if package.pk else new).append(package)
    if len(packages) > MAX_ASN_PACKAGES:
        errors["packages"] = f"An ASN holds at most {MAX_ASN_PACKAGES} packages."
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


def _replace_lines(asn: Asn, lines: list[dict], packages: list[Package], errors: dict) -> None:
    """Bring the draft's lines and items to ``lines``, in place.

    Lines are kept (found by their PO line) and items reused (found by lot name), never deleted and
    recreated: certificates and anything else that points to them live on. A line or lot that a
    certificate belongs to is not dropped silently: the certificate is removed first, on purpose.
    """
    allowed = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(order__in=asn.orders.all()).select_related("product", "order")
    }
    if len(lines) > MAX_ASN_LINES or sum(len(spec.get("items") or []) for spec in lines) > MAX_ASN_ITEMS:
        # Checked before any work: each line and item costs queries and validation.
        errors["__all__"] = (
            f"A shipment holds at most {MAX_ASN_LINES:,} lines and {MAX_ASN_ITEMS:,} lots, serial numbers and "
            "package rows; split it over several shipments."
        )
        return
    current = {line.order_line_id: line for line in asn.lines.prefetch_related("items")}
    by_sscc = {p.sscc: p for p in packages}
    seen: dict[int, int] = {}  # PO line -> position in ``lines``
    built: list[tuple[int, AsnLine, list[AsnItem]]] = []
    for index, spec in enumerate(lines):
        prefix = f"lines.{index}"
        try:
            line_id = int(spec.get("order_line"))
        except (TypeError, ValueError):
            line_id = None
        po_line = allowed.get(line_id)
        if po_line is None:
            errors[f"{prefix}.order_line"] = f"Line {spec.get('order_line')} is not on the orders of {asn.number}."
            continue
        if line_id in seen:
            errors[f"{prefix}.order_line"] = f"{po_line.description[:40]} is listed twice; one row per PO line."
            continue
        seen[line_id] = index
        qty = _qty(spec.get("quantity", 0), f"{prefix}.quantity", errors, allow_zero=True)
        uom = (spec.get("uom") or "").strip()
        if uom and uom.lower() != po_line.uom_name.lower():
            errors[f"{prefix}.uom"] = (
                f"“{uom}” does not convert to the order's unit ({po_line.uom_name}); give the quantity in "
                f"{po_line.uom_name}."
            )
        if qty is None or qty == 0:
            continue
        held = current.get(po_line.pk)
        line = AsnLine(tenant=asn.tenant, asn=asn, order_line=po_line, quantity=qty, uom_name=po_line.uom_name)
        if held is not None:  # the same row, so what points to it stays
            line.pk, line.received_before = held.pk, held.received_before
            line.quantity_received = held.quantity_received
        items = []
        for j, item in enumerate(spec.get("items") or []):
            where = f"{prefix}.items.{j}"
            item_qty = _qty(item.get("quantity", ""), f"{where}.quantity", errors)
            lot = str(item.get("lot_name") or "").strip()
            if len(lot) > 80:
                errors[f"{where}.lot_name"] = "Keep lot and serial numbers under 80 characters."
            expiry = _date(item.get("expiry_date"), f"{where}.expiry_date", errors)
            package = None
            ref = str(item.get("package") or "").strip()
            if ref:
                if ref.isascii() and ref.isdigit() and len(ref) < 18 and 1 <= int(ref) <= len(packages):
                    package = packages[int(ref) - 1]
                elif ref in by_sscc:
                    package = by_sscc[ref]
                else:
                    errors[f"{where}.package"] = f"There is no package {ref} on {asn.number}."
            if item_qty is not None:
                items.append(
                    AsnItem(
                        tenant=asn.tenant,
                        asn=asn,
                        line=line,
                        package=package,
                        lot_name=lot,
                        expiry_date=expiry,
                        quantity=item_qty,
                    )
                )
        built.append((index, line, items))
    if errors:
        return
    _certificates_stay(asn, current, built, seen, errors)
    if errors:
        return
    _save_lines(asn, current, built)


def _certificates_stay(
    asn: Asn, current: dict[int, AsnLine], built: list[tuple[int, AsnLine, list[AsnItem]]], seen: dict, errors: dict
) -> None:
    """A line or lot that carries a certificate stays, or the edit is refused with the certificate named."""
    certificates = list(asn.certificates.all())
    if not certificates:
        return
    kept = {line.order_line_id: (index, line, items) for index, line, items in built}
    lots_by_line = {line.order_line_id: {i.lot_name for i in items if i.lot_name} for _, line, items in built}
    all_lots = set().union(*lots_by_line.values()) if lots_by_line else set()
    by_pk = {line.pk: line for line in current.values()}
    for cert in certificates:
        line = by_pk.get(cert.line_id) if cert.line_id else None
        if line is not None and line.order_line_id not in kept:
            where = f"lines.{seen[line.order_line_id]}.quantity" if line.order_line_id in seen else "lines"
            errors.setdefault(
                where,
                f"{cert.filename} is attached to {line.order_line.description.splitlines()[0][:40]}; remove the "
                "certificate first, or keep the line.",
            )
            continue
        if not cert.lot_name:
            continue
        lots = lots_by_line[line.order_line_id] if line is not None else all_lots
        if cert.lot_name not in lots:
            where = f"lines.{kept[line.order_line_id][0]}.items" if line is not None else "lines"
            errors.setdefault(
                where,
                f"{cert.filename} is the certificate of lot {cert.lot_name}; remove the certificate first, or keep "
                "the lot.",
            )


def _save_lines(asn: Asn, current: dict[int, AsnLine], built: list[tuple[int, AsnLine, list[AsnItem]]]) -> None:
    """Write what changed: new lines and items created, changed ones updated, the rest deleted."""
    kept_lines = {line.pk for _, line, _ in built if line.pk}
    AsnItem.objects.filter(asn=asn).exclude(line__in=kept_lines).delete()
    AsnLine.objects.filter(asn=asn).exclude(pk__in=kept_lines).delete()
    was = {line.pk: (line.quantity, line.uom_name) for line in current.values()}  # as held, before this edit
    AsnLine.objects.bulk_create([line for _, line, _ in built if not line.pk])
    changed = [line for _, line, _ in built if line.pk in was and was[line.pk] != (line.quantity, line.uom_name)]
    if changed:
        AsnLine.objects.bulk_update(changed, ["quantity", "uom_name"])
    fields = ("package_id", "lot_name", "expiry_date", "quantity")
    reuse: dict[tuple[int, str], list[AsnItem]] = defaultdict(list)
    for line in current.values():
        if line.pk in kept_lines:
            for old in line.items.all():
                reuse[(line.pk, old.lot_name)].append(old)
    new_items, updated = [], []
    for _, line, items in built:
        for item in items:
            old = reuse[(line.pk, item.lot_name)].pop(0) if reuse.get((line.pk, item.lot_name)) else None
            if old is None:
                new_items.append(item)
                continue
            item.pk, item.quantity_received = old.pk, old.quantity_received
            if any(getattr(old, f) != getattr(item, f) for f in fields):
                updated.append(item)
    gone = [old.pk for olds in reuse.values() for old in olds]
    if gone:
        AsnItem.objects.filter(pk__in=gone).delete()
    if updated:
        AsnItem.objects.bulk_update(updated, ["package", "lot_name", "expiry_date", "quantity"])
    AsnItem.objects.bulk_create(new_items)


def _empty_packages(asn: Asn, errors: dict) -> None:
    """A package that holds nothing is refused: it would travel with no label, or with a label for nothing."""
    for index, package in enumerate(asn.packages.order_by("id").annotate(held=Count("items"))):
        if not package.held:
            errors[f"packages.{index}.kind"] = (
                f"Package {index + 1} holds nothing: choose it for an item, or remove it."
            )


def asn_problems(asn: Asn) -> dict[str, str]:
    """Everything that stops a draft from being submitted, keyed like the input."""
    errors: dict[str, str] = {}
    tenant = asn.tenant
    if not asn.ship_date:
        errors["ship_date"] = "Give the day the goods leave you."
    if not asn.eta:
        errors["eta"] = "Give the expected arrival at the dock."
    # Cancelled (or back to a request for quotation) in Odoo since the draft was made; fully received
    # orders are left to the open-quantity check below.
    closed = [order for order in asn.orders.all() if order.state not in ("purchase", "done")]
    if closed:
        errors["__all__"] = (
            f"{', '.join(o.name for o in closed)} {'is' if len(closed) == 1 else 'are'} no longer open in Odoo "
            f"({', '.join(sorted({o.get_state_display().lower() for o in closed}))}); cancel this draft and "
            "announce the open orders on a new shipment."
        )
    lines = list(asn.lines.select_related("order_line__product", "order_line__order").prefetch_related("items"))
    if not lines:
        errors["lines"] = "Ship at least one line with a quantity above 0."
        return errors
    announced = on_asns([line.order_line for line in lines], exclude=asn)
    tolerance = 1 + tenant.asn_qty_over_pct / 100
    has_packages = asn.packages.exists()
    _empty_packages(asn, errors)
    serials: dict[tuple[int | None, str], list[str]] = defaultdict(list)  # (product, serial) -> fields
    expiries: dict[tuple[int | None, str], dict] = defaultdict(dict)  # (product, lot) -> {expiry: field}
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        po_line = line.order_line
        open_qty = open_quantity(po_line, announced)
        if line.quantity > open_qty * tolerance:
            errors[f"{prefix}.quantity"] = (
                f"{line.quantity.normalize():f} {line.uom_name} is more than the "
                f"{open_qty.normalize():f} still open on {po_line.order.name}"
                + (f" (plus {tenant.asn_qty_over_pct.normalize():f}% allowed)" if tenant.asn_qty_over_pct else "")
                + "."
            )
        items = list(line.items.all())
        allocated = sum((i.quantity for i in items), Decimal(0))
        tracking = line.tracking
        if tracking in ("lot", "serial"):
            for j, item in enumerate(items):
                if not item.lot_name:
                    errors[f"{prefix}.items.{j}.lot_name"] = f"{po_line.product} is tracked by {tracking}; name it."
            if allocated != line.quantity:
                errors[f"{prefix}.items"] = (
                    f"The {'serial numbers' if tracking == 'serial' else 'lots'} add up to "
                    f"{allocated.normalize():f}, the line ships {line.quantity.normalize():f}."
                )
            if po_line.product and po_line.product.uses_expiry:
                for j, item in enumerate(items):
                    if item.lot_name and not item.expiry_date:
                        errors[f"{prefix}.items.{j}.expiry_date"] = f"Lots of {po_line.product} expire; give the date."
            for j, item in enumerate(items):
                if not item.lot_name:
                    continue
                key = (po_line.product_id, item.lot_name)
                if tracking == "serial":
                    if item.quantity != 1:
                        errors[f"{prefix}.items.{j}.quantity"] = "A serial number is one unit."
                    serials[key].append(f"{prefix}.items.{j}.lot_name")
                elif item.expiry_date:
                    # A lot may come in several rows (packages, lines), but it has one expiry date.
                    seen = expiries[key]
                    if seen and item.expiry_date not in seen:
                        errors.setdefault(
                            f"{prefix}.items.{j}.expiry_date",
                            f"Lot {item.lot_name} is also given {min(seen):%Y-%m-%d}; one lot has one expiry date.",
                        )
                    seen.setdefault(item.expiry_date, f"{prefix}.items.{j}.expiry_date")
        elif items and allocated != line.quantity:
            errors[f"{prefix}.items"] = (
                f"The packages hold {allocated.normalize():f}, the line ships {line.quantity.normalize():f}."
            )
        if has_packages:
            if not items:
                errors[f"{prefix}.items"] = "Say which package holds this line."
            for j, item in enumerate(items):
                if item.package_id is None:
                    errors[f"{prefix}.items.{j}.package"] = "Choose the package that holds it."
    for (_, name), fields in serials.items():
        # Also across two lines of the same product: a serial number names one unit.
        for field in fields[1:]:
            errors.setdefault(field, f"Serial number {name} is listed twice for this product; each unit has its own.")
    _serials_announced_elsewhere(asn, serials, errors)
    return errors


SERIAL_LOOKUP_CHUNK = 500  # serial numbers per query (SQLite binds at most a few thousand parameters)


def _serials_announced_elsewhere(asn: Asn, serials: dict[tuple[int | None, str], list[str]], errors: dict) -> None:
    """A serial number is unique per product across every live shipment (submitted, on its way or received).

    Lots are not: one lot is often shipped in several deliveries.
    """
    by_product: dict[int | None, list[str]] = defaultdict(list)
    for product_id, name in serials:
        by_product[product_id].append(name)
    taken: dict[tuple[int | None, str], str] = {}
    for product_id, names in by_product.items():
        for start in range(0, len(names), SERIAL_LOOKUP_CHUNK):
            rows = (
                AsnItem.objects.filter(
                    tenant=asn.tenant,
                    line__order_line__product_id=product_id,
                    lot_name__in=names[start : start + SERIAL_LOOKUP_CHUNK],
                )
                .exclude(asn=asn)
                .exclude(asn__status__in=[Asn.Status.DRAFT, Asn.Status.CANCELLED])
                .values_list("lot_name", "asn__number")
            )
            for name, number in rows:
                taken.setdefault((product_id, name), number)
    for key, fields in serials.items():
        if key in taken:
            errors.setdefault(fields[0], f"Serial number {key[1]} was already announced on {taken[key]}.")


def asn_submit(*, membership: Membership, asn_id: int) -> Asn:
    _supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.editable:
            raise ValidationError({"__all__": f"{asn.number} is {asn.get_status_display().lower()} already."})
        # Lock the PO lines it ships from, so two ASNs cannot both take the last open quantity.
        list(PurchaseOrderLine.objects.select_for_update().filter(asn_lines__asn=asn).values_list("pk", flat=True))
        errors = asn_problems(asn)
        if errors:
            raise ValidationError(errors)
        lines = list(asn.lines.select_related("order_line"))
        for line in lines:
            line.received_before = line.order_line.qty_received
        AsnLine.objects.bulk_update(lines, ["received_before"], batch_size=500)  # one query, not one per line
        today = dates.tenant_today(asn.tenant)  # the ship date is a day where the tenant is
        asn.status = Asn.Status.IN_TRANSIT if asn.ship_date and asn.ship_date <= today else Asn.Status.SUBMITTED
        asn.submitted_at = timezone.now()
        asn.outbox_event = outbox_emit(
            tenant=asn.tenant, topic="asn.submitted", aggregate=asn, payload=asn_payload(asn)
        )
        asn.save(update_fields=["status", "submitted_at", "outbox_event", "updated_at"])
        audit_record(
            tenant=asn.tenant,
            actor=membership.user,
            action="asn.submitted",
            obj=asn,
            changes={"status": [Asn.Status.DRAFT, asn.status]},
        )
    return asn


def asn_mark_shipped(*, membership: Membership, asn_id: int) -> Asn:
    _supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if asn.status != Asn.Status.SUBMITTED:
            raise ValidationError({"__all__": f"{asn.number} is {asn.get_status_display().lower()}."})
        asn.status = Asn.Status.IN_TRANSIT
        asn.save(update_fields=["status", "updated_at"])
        audit_record(
            tenant=asn.tenant,
            actor=membership.user,
            action="asn.shipped",
            obj=asn,
            changes={"status": [Asn.Status.SUBMITTED, asn.status]},
        )
    return asn


def asn_cancel(*, membership: Membership, asn_id: int, reason: str = "") -> Asn:
    _supplier_only(membership)
    reason = (reason or "").strip()
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.cancellable:
            raise ValidationError(
                {
                    "__all__": f"{asn.number} is {asn.get_status_display().lower()}; goods on a receipt cannot be "
                    "un-announced."
                }
            )
        # A partly received ASN can be cancelled: what arrived stays received, the rest is no longer expected.
        if asn.status != Asn.Status.DRAFT and not reason:
            raise ValidationError({"reason": "Tell the buyer why the shipment is cancelled."})
        was = asn.status
        asn.status, asn.cancelled_at, asn.cancel_reason = Asn.Status.CANCELLED, timezone.now(), reason[:500]
        if was != Asn.Status.DRAFT:
            asn.outbox_event = outbox_emit(
                tenant=asn.tenant,
                topic="asn.cancelled",
                aggregate=asn,
                payload={**asn_payload(asn), "reason": asn.cancel_reason},
            )
        asn.save()
        audit_record(
            tenant=asn.tenant,
            actor=membership.user,
            action="asn.cancelled",
            obj=asn,
            changes={"status": [was, asn.status], "reason": [None, reason]},
        )
    return asn


def asn_payload(asn: Asn, *, still_expected: bool = False) -> dict[str, Any]:
    """Everything the Odoo handler needs, frozen when the event is written.

    ``still_expected``: only what no done receipt has brought yet (the lines and lots a backorder
    should hold after a partial receipt). The handler converges the receipt to every open ASN of a
    PO line, read when it runs; these lines say which PO lines, and what the chatter note lists.
    """
    lines = asn.lines.select_related("order_line__order", "order_line__product").prefetch_related("items__package")
    if still_expected:
        lines = [line for line in lines if line.quantity_open > 0]
    partner: Partner = asn.partner

    def qty(row) -> float:
        return float(row.quantity - row.quantity_received) if still_expected else float(row.quantity)

    return {
        "asn_id": asn.pk,
        "number": asn.number,
        "partner": partner.name,
        "eta": dates.to_odoo(asn.eta),
        "time_zone": asn.tenant.time_zone,  # the zone of its days (ship, expiry) in Odoo and in the note
        "ship_date": asn.ship_date.isoformat() if asn.ship_date else None,
        "carrier": asn.carrier,
        "tracking_number": asn.tracking_number,
        "lines": [
            {
                "po_odoo_id": line.order_line.order.odoo_id,
                "po_name": line.order_line.order.name,
                "po_line_odoo_id": line.order_line.odoo_id,
                "product_odoo_id": line.order_line.product.odoo_id if line.order_line.product else None,
                "product": str(line.order_line.product or line.order_line.description[:60]),
                "quantity": qty(line),
                "uom": line.uom_name,
                "lots": [
                    {
                        "name": item.lot_name,
                        "quantity": qty(item),
                        "expiry_date": item.expiry_date.isoformat() if item.expiry_date else None,
                        "sscc": item.package.sscc if item.package else None,
                    }
                    for item in line.items.all()
                    if item.lot_name and qty(item) > 0
                ],
            }
            for line in lines
        ],
        "certificates": [
            {"id": c.pk, "name": c.filename, "kind": c.get_kind_display()} for c in asn.certificates.all()
        ],
        "packages": [p.sscc for p in asn.packages.all()],
    }


CERTIFICATE_TYPES = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024


def asn_attach_certificate(
    *, membership: Membership, asn_id: int, upload, kind: str = "coc", line_id: int | None = None, lot_name: str = ""
):
    """Attach a certificate (PDF, PNG or JPEG) to a draft ASN, for a line or one of its lots."""
    import hashlib

    from django.core.files.base import ContentFile

    from suppliers.models import Certificate

    _supplier_only(membership)
    errors: dict[str, str] = {}
    if upload is None:
        raise ValidationError({"file": "Choose a file to attach."})
    data = upload.read(CERTIFICATE_MAX_BYTES + 1)
    if len(data) > CERTIFICATE_MAX_BYTES:
        errors["file"] = "Certificates are limited to 10 MB."
    content_type = next((t for magic, t in CERTIFICATE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None and "file" not in errors:
        errors["file"] = f"{upload.name} is not a PDF, PNG or JPEG file."
    if kind not in dict(Certificate.Kind.choices):
        errors["kind"] = f"Choose one of {', '.join(dict(Certificate.Kind.choices))}."
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.editable:
            errors["__all__"] = f"{asn.number} is {asn.get_status_display().lower()}; attach documents to drafts."
        line = None
        if line_id not in (None, ""):
            text = str(line_id)
            line = asn.lines.filter(pk=text).first() if text.isascii() and text.isdigit() and len(text) < 19 else None
            if line is None:
                errors["line"] = f"Line {line_id} is not on {asn.number}."
        lot_name = (lot_name or "").strip()
        if lot_name and not asn.items.filter(lot_name=lot_name, **({"line": line} if line else {})).exists():
            errors["lot_name"] = f"No lot {lot_name} on {asn.number}" + (" for this line." if line else ".")
        if errors:
            raise ValidationError(errors)
        digest = hashlib.sha256(data).hexdigest()
        filename = "".join(c for c in upload.name.rsplit("/", 1)[-1] if c.isalnum() or c in "._- ")[:150] or "file"
        certificate = Certificate(
            tenant=asn.tenant,
            asn=asn,
            line=line,
            lot_name=lot_name,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            uploaded_by=membership.user,
        )
        certificate.file.save(filename, ContentFile(data), save=False)
        certificate.save()
        audit_record(tenant=asn.tenant, actor=membership.user, action="asn.certificate_added", obj=certificate)
    return certificate


def asn_remove_certificate(*, membership: Membership, asn_id: int, certificate_id: int) -> None:
    """Take a certificate off a draft ASN: the one way a certificate goes, on purpose and in the audit
    trail (file name, digest, line and lot kept there). Submitted ASNs keep theirs: Odoo has them."""
    from suppliers.models import Certificate

    _supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        try:
            wanted = int(certificate_id)
        except (TypeError, ValueError):
            wanted = 0
        certificate = (
            Certificate.objects.filter(asn=asn, pk=wanted).select_related("line__order_line").first()
            if 0 < wanted < 10**18
            else None
        )
        if certificate is None:
            raise ValidationError({"certificate": f"No certificate {certificate_id} on {asn.number}."})
        if not asn.editable:
            raise ValidationError(
                {"__all__": f"{asn.number} is {asn.get_status_display().lower()}; its certificates went to Odoo."}
            )
        line = certificate.line.order_line.description.splitlines()[0][:60] if certificate.line else None
        audit_record(
            tenant=asn.tenant,
            actor=membership.user,
            action="asn.certificate_removed",
            obj=certificate,
            changes={
                "asn": [asn.number, asn.number],
                "filename": [certificate.filename, None],
                "kind": [certificate.kind, None],
                "sha256": [certificate.sha256, None],
                "line": [line, None],
                "lot_name": [certificate.lot_name or None, None],
            },
        )
        name = certificate.file.name
        storage = certificate.file.storage
        certificate.delete()
        # The file goes once the removal is committed (a rollback keeps both).
        transaction.on_commit(lambda: storage.delete(name) if name else None)
