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
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.services.outbox import outbox_emit
from portal.models import Membership, Partner
from portal.services.audit import audit_record
from portal.services.errors import NotInScope
from suppliers.models import Asn, AsnItem, AsnLine, Package, PurchaseOrder, PurchaseOrderLine
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
    """Quantities of these PO lines already announced on open ASNs (not yet on a receipt)."""
    qs = AsnLine.objects.filter(order_line__in=order_lines, asn__status__in=Asn.OPEN_STATUSES)
    if exclude is not None:
        qs = qs.exclude(asn=exclude)
    return {row["order_line"]: row["q"] for row in qs.values("order_line").annotate(q=Sum("quantity"))}


def open_quantity(line: PurchaseOrderLine, announced: dict[int, Decimal]) -> Decimal:
    return max(line.quantity - line.qty_received - announced.get(line.pk, 0), Decimal(0))


def asn_create(*, membership: Membership, po_ids: list[int], header: dict | None = None) -> Asn:
    """A draft ASN for one or several open POs of one partner, prefilled with what is still open."""
    _supplier_only(membership)
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
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = f"“{value}” is not a date; use YYYY-MM-DD."
        return None


def _datetime(value, field: str, errors: dict, tz) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = parse_datetime(text) or dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12))
        except ValueError:
            parsed = None
        if parsed is None:
            errors[field] = f"“{value}” is not a date and time; use YYYY-MM-DD HH:MM."
            return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=tz)


def _qty(value, field: str, errors: dict, *, allow_zero: bool = False) -> Decimal | None:
    try:
        qty = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        errors[field] = f"“{value}” is not a number."
        return None
    if not qty.is_finite() or qty < 0 or (qty == 0 and not allow_zero):
        errors[field] = f"Give a quantity above 0 (got {value})."
        return None
    if qty.as_tuple().exponent < -4 or qty >= Decimal("1e12"):
        errors[field] = "Use at most 12 digits before and 4 after the decimal point."
        return None
    return qty


def _apply_header(asn: Asn, header: dict, errors: dict | None = None) -> None:
    from zoneinfo import ZoneInfo

    errors = {} if errors is None else errors
    tz = ZoneInfo(asn.tenant.time_zone or "UTC")
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
        if errors:
            raise ValidationError(errors)
        asn.save()
        audit_record(tenant=asn.tenant, actor=membership.user, action="asn.updated", obj=asn)
    return asn


def _packages(asn: Asn, packages: list[dict], errors: dict) -> list[Package]:
    kinds = dict(Package.Kind.choices)
    existing = {p.sscc: p for p in asn.packages.all()}
    kept, new = [], []
    for index, spec in enumerate(packages):
        kind = (spec.get("kind") or Package.Kind.CARTON).strip()
        if kind not in kinds:
            errors[f"packages.{index}.kind"] = f"Choose one of {', '.join(kinds)} (got “{kind}”)."
            continue
        weight = None
        if spec.get("weight_kg") not in (None, ""):
            weight = _qty(spec["weight_kg"], f"packages.{index}.weight_kg", errors)
        sscc = (spec.get("sscc") or "").strip()
        if sscc and sscc not in existing:
            errors[f"packages.{index}.sscc"] = f"{sscc} is not a package of {asn.number}; leave it empty for a new one."
            continue
        package = existing.get(sscc) or Package(tenant=asn.tenant, asn=asn)
        package.kind, package.weight_kg = kind, weight
        (kept if package.pk else new).append(package)
    if len(packages) > 200:
        errors["packages"] = "An ASN holds at most 200 packages."
    if errors:
        return kept + new
    if new:
        try:
            codes = sscc_allocate(asn.tenant, len(new))
        except ValueError as exc:
            errors["packages"] = str(exc)
            return kept
        for package, code in zip(new, codes, strict=True):
            package.sscc = code
    asn.packages.exclude(pk__in=[p.pk for p in kept]).delete()
    for package in kept:
        package.save(update_fields=["kind", "weight_kg"])
    Package.objects.bulk_create(new)
    # Positions follow the order given, so "package 2" means the second one listed.
    order = {id(p): i for i, p in enumerate(kept + new)}
    return sorted(kept + new, key=lambda p: order[id(p)])


def _replace_lines(asn: Asn, lines: list[dict], packages: list[Package], errors: dict) -> None:
    allowed = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(order__in=asn.orders.all()).select_related("product", "order")
    }
    by_sscc = {p.sscc: p for p in packages}
    seen: set[int] = set()
    built: list[tuple[AsnLine, list[AsnItem]]] = []
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
        seen.add(line_id)
        qty = _qty(spec.get("quantity", 0), f"{prefix}.quantity", errors, allow_zero=True)
        uom = (spec.get("uom") or "").strip()
        if uom and uom.lower() != po_line.uom_name.lower():
            errors[f"{prefix}.uom"] = (
                f"“{uom}” does not convert to the order's unit ({po_line.uom_name}); give the quantity in "
                f"{po_line.uom_name}."
            )
        if qty is None or qty == 0:
            continue
        line = AsnLine(tenant=asn.tenant, asn=asn, order_line=po_line, quantity=qty, uom_name=po_line.uom_name)
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
                if ref.isdigit() and len(ref) < 18 and 1 <= int(ref) <= len(packages):
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
        built.append((line, items))
    if errors:
        return
    asn.items.all().delete()
    asn.lines.all().delete()
    AsnLine.objects.bulk_create([line for line, _ in built])
    AsnItem.objects.bulk_create([item for _, items in built for item in items])


def asn_problems(asn: Asn) -> dict[str, str]:
    """Everything that stops a draft from being submitted, keyed like the input."""
    errors: dict[str, str] = {}
    tenant = asn.tenant
    if not asn.ship_date:
        errors["ship_date"] = "Give the day the goods leave you."
    if not asn.eta:
        errors["eta"] = "Give the expected arrival at the dock."
    lines = list(asn.lines.select_related("order_line__product", "order_line__order").prefetch_related("items"))
    if not lines:
        errors["lines"] = "Ship at least one line with a quantity above 0."
        return errors
    announced = on_asns([line.order_line for line in lines], exclude=asn)
    tolerance = 1 + tenant.asn_qty_over_pct / 100
    has_packages = asn.packages.exists()
    names_by_product: dict[int | None, list[tuple[str, str]]] = defaultdict(list)
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
            missing = [j for j, item in enumerate(items) if not item.lot_name]
            for j in missing:
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
            names = [i.lot_name for i in items if i.lot_name]
            for j, item in enumerate(items):
                if item.lot_name and names.count(item.lot_name) > 1:
                    errors[f"{prefix}.items.{j}.lot_name"] = f"{item.lot_name} is listed twice."
                if tracking == "serial" and item.quantity != 1:
                    errors[f"{prefix}.items.{j}.quantity"] = "A serial number is one unit."
                names_by_product[po_line.product_id].append((item.lot_name, f"{prefix}.items.{j}.lot_name"))
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
    _duplicate_lots(asn, names_by_product, errors)
    return errors


def _duplicate_lots(asn: Asn, names_by_product: dict, errors: dict) -> None:
    """A lot or serial already announced for the same product on another live ASN is a typo or a re-use."""
    wanted = Q()
    for product_id, names in names_by_product.items():
        wanted |= Q(line__order_line__product_id=product_id, lot_name__in=[n for n, _ in names if n])
    if not names_by_product:
        return
    taken = set(
        AsnItem.objects.filter(tenant=asn.tenant)
        .filter(wanted)
        .exclude(asn=asn)
        .exclude(asn__status__in=[Asn.Status.DRAFT, Asn.Status.CANCELLED])
        .values_list("line__order_line__product_id", "lot_name")
    )
    for product_id, names in names_by_product.items():
        for name, field in names:
            if (product_id, name) in taken:
                errors.setdefault(field, f"{name} was already announced on another shipment of this product.")


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
        for line in asn.lines.select_related("order_line"):
            line.received_before = line.order_line.qty_received
            line.save(update_fields=["received_before"])
        today = timezone.localdate()
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


def asn_payload(asn: Asn) -> dict[str, Any]:
    """Everything the Odoo handler needs, frozen at submission."""
    lines = asn.lines.select_related("order_line__order", "order_line__product").prefetch_related("items__package")
    partner: Partner = asn.partner
    return {
        "asn_id": asn.pk,
        "number": asn.number,
        "partner": partner.name,
        "eta": asn.eta.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if asn.eta else None,
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
                "quantity": float(line.quantity),
                "uom": line.uom_name,
                "lots": [
                    {
                        "name": item.lot_name,
                        "quantity": float(item.quantity),
                        "expiry_date": item.expiry_date.isoformat() if item.expiry_date else None,
                        "sscc": item.package.sscc if item.package else None,
                    }
                    for item in line.items.all()
                    if item.lot_name
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
            line = asn.lines.filter(pk=line_id).first() if str(line_id).isdigit() and len(str(line_id)) < 19 else None
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
