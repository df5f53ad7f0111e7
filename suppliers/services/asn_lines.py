"""A draft ASN's lines and items, brought to what the supplier gives, in place.

Lines are kept (found by their PO line) and items reused (found by lot name), never deleted and
recreated: certificates and anything else that points to them live on. Errors are keyed by where
they are in the input (``lines.0.items.2.lot_name``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.utils.translation import gettext

from portal import l10n
from portal.bidi import identifier_refusal
from portal.dates import Refused
from suppliers.limits import MAX_ASN_ITEMS, MAX_ASN_LINES
from suppliers.models import Asn, AsnItem, AsnLine, Package, PurchaseOrderLine
from suppliers.services.asn_inputs import AsnItemInput, AsnLineInput, accepted, quantity_ok
from suppliers.services.asn_values import MAX_ASN_VALUES, Checked, check_values, save_values

Built = list[tuple[int, AsnLine, list[AsnItem]]]  # (position in the input, line, its items)


def replace_lines(asn: Asn, lines: Sequence[AsnLineInput], packages: list[Package], errors: dict) -> None:
    """Bring the draft's lines and items to ``lines`` (within ``asn_update``'s transaction); problems
    go to ``errors`` and nothing is written then. A line or lot that a certificate belongs to is not
    dropped silently: the certificate is removed first, on purpose."""
    if len(lines) > MAX_ASN_LINES or sum(len(spec.items) for spec in lines) > MAX_ASN_ITEMS:
        # Checked before any work: each line and item costs queries and validation.
        errors["__all__"] = gettext(
            "A shipment holds at most %(lines)s lines and %(items)s lots, serial numbers and "
            "package rows; split it over several shipments."
        ) % {"lines": l10n.num(MAX_ASN_LINES), "items": l10n.num(MAX_ASN_ITEMS)}
        return
    given_values = sum(
        len(item.values) for spec in lines for item in spec.items if not isinstance(item.values, Refused)
    )
    if given_values > MAX_ASN_VALUES:
        errors["__all__"] = gettext(
            "A shipment carries at most %(max)s certificate values, all lots together "
            "(got %(count)s); attach the certificates as files instead."
        ) % {"max": l10n.num(MAX_ASN_VALUES), "count": l10n.num(given_values)}
        return
    allowed = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(order__in=asn.orders.all()).select_related("product", "order")
    }
    current = {line.order_line_id: line for line in asn.lines.prefetch_related("items")}
    seen: dict[int, int] = {}  # PO line -> position in ``lines``
    built: Built = []
    for index, spec in enumerate(lines):
        line = _build_line(asn, spec, f"lines.{index}", allowed, current, seen, errors)
        if line is None:
            continue
        seen[line.order_line_id] = index
        if line.quantity:
            items = _build_items(asn, line, spec.items, f"lines.{index}", packages, errors)
            built.append((index, line, items))
    if errors:
        return
    _certificates_stay(asn, current, built, seen, errors)
    if errors:
        return
    _save_lines(asn, current, built)


def _build_line(
    asn: Asn,
    spec: AsnLineInput,
    prefix: str,
    allowed: dict[int, PurchaseOrderLine],
    current: dict[int, AsnLine],
    seen: dict[int, int],
    errors: dict,
) -> AsnLine | None:
    """The line ``spec`` asks for (quantity 0: a line left out), or None when it names no line to ship."""
    line_id = spec.order_line
    po_line = allowed.get(line_id) if isinstance(line_id, int) else None
    if po_line is None:
        given = getattr(line_id, "text", line_id)
        errors[f"{prefix}.order_line"] = gettext("Line %(line)s is not on the orders of %(asn)s.") % {
            "line": given,
            "asn": asn.number,
        }
        return None
    if po_line.pk in seen:
        errors[f"{prefix}.order_line"] = gettext("%(line)s is listed twice; one row per PO line.") % {
            "line": po_line.description[:40]
        }
        return None
    qty = quantity_ok(spec.quantity, f"{prefix}.quantity", errors, allow_zero=True)
    uom = (spec.uom or "").strip()
    if uom and uom.lower() != po_line.uom_name.lower():
        errors[f"{prefix}.uom"] = gettext(
            "“%(uom)s” does not convert to the order's unit (%(unit)s); give the quantity in %(unit)s."
        ) % {"uom": uom, "unit": po_line.uom_name}
    line = AsnLine(tenant=asn.tenant, asn=asn, order_line=po_line, quantity=qty or 0, uom_name=po_line.uom_name)
    held = current.get(po_line.pk)
    if held is not None:  # the same row, so what points to it stays
        line.pk, line.received_before = held.pk, held.received_before
        line.quantity_received = held.quantity_received
    return line


def _build_items(
    asn: Asn, line: AsnLine, specs: Sequence[AsnItemInput], prefix: str, packages: list[Package], errors: dict
) -> list[AsnItem]:
    """The line's lots, serials and package rows; an unknown package reference is an error."""
    by_sscc = {p.sscc: p for p in packages}
    items = []
    for j, item in enumerate(specs):
        where = f"{prefix}.items.{j}"
        item_qty = quantity_ok(item.quantity, f"{where}.quantity", errors)
        lot = str(item.lot_name or "").strip()
        if len(lot) > 80:
            errors[f"{where}.lot_name"] = gettext("Keep lot and serial numbers under 80 characters.")
        elif refusal := identifier_refusal(lot):  # a label would print another lot than Odoo holds
            errors[f"{where}.lot_name"] = refusal
        expiry = accepted(item.expiry_date, f"{where}.expiry_date", errors)
        package = None
        ref = str(item.package or "").strip()
        if ref and (refusal := identifier_refusal(ref)):
            errors[f"{where}.package"] = refusal
        elif ref:
            if ref.isascii() and ref.isdigit() and len(ref) < 18 and 1 <= int(ref) <= len(packages):
                package = packages[int(ref) - 1]
            elif ref in by_sscc:
                package = by_sscc[ref]
            else:
                errors[f"{where}.package"] = gettext("There is no package %(package)s on %(asn)s.") % {
                    "package": ref,
                    "asn": asn.number,
                }
        values = check_values(item.values, f"{where}.values", errors)
        if item_qty is not None:
            built = AsnItem(
                tenant=asn.tenant,
                asn=asn,
                line=line,
                package=package,
                lot_name=lot,
                expiry_date=expiry,
                quantity=item_qty,
            )
            built.given_values = values  # written by _save_lines once the item has its pk
            items.append(built)
    return items


def _certificates_stay(asn: Asn, current: dict[int, AsnLine], built: Built, seen: dict, errors: dict) -> None:
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
                gettext("%(file)s is attached to %(line)s; remove the certificate first, or keep the line.")
                % {"file": cert.filename, "line": line.order_line.description.splitlines()[0][:40]},
            )
            continue
        if not cert.lot_name:
            continue
        lots = lots_by_line[line.order_line_id] if line is not None else all_lots
        if cert.lot_name not in lots:
            where = f"lines.{kept[line.order_line_id][0]}.items" if line is not None else "lines"
            errors.setdefault(
                where,
                gettext("%(file)s is the certificate of lot %(lot)s; remove the certificate first, or keep the lot.")
                % {"file": cert.filename, "lot": cert.lot_name},
            )


def _save_lines(asn: Asn, current: dict[int, AsnLine], built: Built) -> None:
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
    wanted: dict[int, Checked] = {item.pk: item.given_values for _, _, items in built for item in items}
    save_values(asn, wanted)
