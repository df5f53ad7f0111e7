"""What an ASN must satisfy before it is submitted, and what is still open to ship on a PO line.

``asn_problems`` is the guard of the submission (``Asn.lifecycle``): every reason a draft cannot
go, keyed like the input (``lines.0.items.2.lot_name``) but numbered as the draft is stored;
``errors_as_sent`` restates those positions in the input that was last saved, for a page or a
file that shows them next to what the person typed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, F
from django.utils.translation import gettext, ngettext

from portal import l10n
from portal.models import Tenant
from suppliers.models import Asn, AsnItem, AsnLine, PurchaseOrderLine, rules_for
from suppliers.quantities import quantity_sum
from suppliers.services.asn_inputs import AsnLineInput

SERIAL_LOOKUP_CHUNK = 500  # serial numbers per query (SQLite binds at most a few thousand parameters)
Serials = dict[tuple[int | None, str], list[str]]  # (product, serial) -> the fields that name it


def on_asns(order_lines: list[PurchaseOrderLine], exclude: Asn | None = None) -> dict[int, Decimal]:
    """Quantities of these PO lines announced on open ASNs and not yet on a done receipt (what a
    partly received ASN brought already counts in the PO line's ``qty_received``)."""
    qs = AsnLine.objects.filter(order_line__in=order_lines, asn__status__in=Asn.OPEN_STATUSES)
    if exclude is not None:
        qs = qs.exclude(asn=exclude)
    rows = qs.values("order_line").annotate(q=quantity_sum(F("quantity") - F("quantity_received")))
    return {row["order_line"]: max(row["q"], Decimal(0)) for row in rows}


def open_quantity(line: PurchaseOrderLine, announced: dict[int, Decimal]) -> Decimal:
    """What of the PO line is neither received nor announced on another open ASN (never below 0)."""
    return max(line.quantity - line.qty_received - announced.get(line.pk, 0), Decimal(0))


def asn_problems(asn: Asn) -> dict[str, str]:
    """Everything that stops a draft from being submitted, keyed like the input (positions as stored)."""
    errors = _header_problems(asn)
    lines = list(asn.lines.select_related("order_line__product", "order_line__order").prefetch_related("items"))
    if not lines:
        errors["lines"] = gettext("Ship at least one line with a quantity above 0.")
        return errors
    announced = on_asns([line.order_line for line in lines], exclude=asn)
    has_packages = asn.packages.exists()
    _empty_packages(asn, errors)
    serials: Serials = defaultdict(list)
    expiries: dict[tuple[int | None, str], dict] = defaultdict(dict)  # (product, lot) -> {expiry: field}
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        _open_quantity_problem(asn.tenant, line, open_quantity(line.order_line, announced), prefix, errors)
        items = list(line.items.all())
        allocated = sum((i.quantity for i in items), Decimal(0))
        if line.tracking in ("lot", "serial"):
            _tracked_problems(line, items, allocated, prefix, errors, serials, expiries)
        elif items and allocated != line.quantity:
            errors[f"{prefix}.items"] = gettext("The packages hold %(held)s, the line ships %(ships)s.") % {
                "held": l10n.qty(allocated),
                "ships": l10n.qty(line.quantity),
            }
        if has_packages:
            if not items:
                errors[f"{prefix}.items"] = gettext("Say which package holds this line.")
            for j, item in enumerate(items):
                if item.package_id is None:
                    errors[f"{prefix}.items.{j}.package"] = gettext("Choose the package that holds it.")
    for (_, name), fields in serials.items():
        # Also across two lines of the same product: a serial number names one unit.
        for field in fields[1:]:
            errors.setdefault(
                field,
                gettext("Serial number %(serial)s is listed twice for this product; each unit has its own.")
                % {"serial": name},
            )
    _serials_announced_elsewhere(asn, serials, errors)
    return errors


def _header_problems(asn: Asn) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not asn.ship_date:
        errors["ship_date"] = gettext("Give the day the goods leave you.")
    if not asn.eta:
        errors["eta"] = gettext("Give the expected arrival at the dock.")
    # Cancelled (or back to a request for quotation) in Odoo since the draft was made; fully received
    # orders are left to the open-quantity check.
    closed = [order for order in asn.orders.all() if order.state not in ("purchase", "done")]
    if closed:
        errors["__all__"] = ngettext(
            "%(orders)s is no longer open in Odoo (%(states)s); cancel this draft and announce the open orders "
            "on a new shipment.",
            "%(orders)s are no longer open in Odoo (%(states)s); cancel this draft and announce the open orders "
            "on a new shipment.",
            len(closed),
        ) % {
            "orders": ", ".join(o.name for o in closed),
            "states": ", ".join(sorted({str(o.get_state_display()) for o in closed})),
        }
    return errors


def _open_quantity_problem(tenant: Tenant, line: AsnLine, open_qty: Decimal, prefix: str, errors: dict) -> None:
    """More than is open on the PO line, beyond the tenant's over-shipment allowance."""
    allowed = rules_for(tenant).asn_qty_over_pct
    if line.quantity <= open_qty * (1 + allowed / 100):
        return
    said = {
        "qty": l10n.qty(line.quantity),
        "uom": line.uom_name,
        "open": l10n.qty(open_qty),
        "po": line.order_line.order.name,
        "allowed": l10n.pct(allowed),
    }
    if allowed:
        text = gettext("%(qty)s %(uom)s is more than the %(open)s still open on %(po)s (plus %(allowed)s allowed).")
    else:
        text = gettext("%(qty)s %(uom)s is more than the %(open)s still open on %(po)s.")
    errors[f"{prefix}.quantity"] = text % said


def _tracked_problems(
    line: AsnLine,
    items: list[AsnItem],
    allocated: Decimal,
    prefix: str,
    errors: dict,
    serials: Serials,
    expiries: dict[tuple[int | None, str], dict],
) -> None:
    """A lot- or serial-tracked line: every unit named, expiry dates where lots expire, one unit per serial."""
    po_line, tracking = line.order_line, line.tracking
    for j, item in enumerate(items):
        if not item.lot_name:
            errors[f"{prefix}.items.{j}.lot_name"] = (
                gettext("%(product)s is tracked by serial number; name it.")
                if tracking == "serial"
                else gettext("%(product)s is tracked by lot; name it.")
            ) % {"product": po_line.product}
    if allocated != line.quantity:
        text = (
            gettext("The serial numbers add up to %(held)s, the line ships %(ships)s.")
            if tracking == "serial"
            else gettext("The lots add up to %(held)s, the line ships %(ships)s.")
        )
        errors[f"{prefix}.items"] = text % {"held": l10n.qty(allocated), "ships": l10n.qty(line.quantity)}
    if po_line.product and po_line.product.uses_expiry:
        for j, item in enumerate(items):
            if item.lot_name and not item.expiry_date:
                errors[f"{prefix}.items.{j}.expiry_date"] = gettext("Lots of %(product)s expire; give the date.") % {
                    "product": po_line.product
                }
    for j, item in enumerate(items):
        if not item.lot_name:
            continue
        key = (po_line.product_id, item.lot_name)
        if tracking == "serial":
            if item.quantity != 1:
                errors[f"{prefix}.items.{j}.quantity"] = gettext("A serial number is one unit.")
            serials[key].append(f"{prefix}.items.{j}.lot_name")
        elif item.expiry_date:
            # A lot may come in several rows (packages, lines), but it has one expiry date.
            seen = expiries[key]
            if seen and item.expiry_date not in seen:
                errors.setdefault(
                    f"{prefix}.items.{j}.expiry_date",
                    gettext("Lot %(lot)s is also given %(day)s; one lot has one expiry date.")
                    % {"lot": item.lot_name, "day": l10n.day(min(seen))},
                )
            seen.setdefault(item.expiry_date, f"{prefix}.items.{j}.expiry_date")


def _empty_packages(asn: Asn, errors: dict) -> None:
    """A package that holds nothing is refused: it would travel with no label, or with a label for nothing."""
    for index, package in enumerate(asn.packages.order_by("id").annotate(held=Count("items"))):
        if not package.held:
            errors[f"packages.{index}.kind"] = gettext(
                "Package %(number)s holds nothing: choose it for an item, or remove it."
            ) % {"number": index + 1}


def _serials_announced_elsewhere(asn: Asn, serials: Serials, errors: dict) -> None:
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
            errors.setdefault(
                fields[0],
                gettext("Serial number %(serial)s was already announced on %(asn)s.")
                % {"serial": key[1], "asn": taken[key]},
            )


def errors_as_sent(errors: dict[str, str], asn: Asn, lines: Sequence[AsnLineInput]) -> dict[str, str]:
    """``asn_problems``' errors (positions as stored) in the positions of ``lines``, the input saved last.

    A draft's lines are stored in the order they were first added and kept in place by later edits,
    so the stored positions are not the input's: lines are matched by PO line, items by lot name
    and occurrence. What matches nothing goes to the line's items, or to the lines as a whole.
    """
    sent = {line.order_line: index for index, line in enumerate(lines)}
    stored = [
        (line.order_line_id, [item.lot_name for item in line.items.all()])
        for line in asn.lines.order_by("id").prefetch_related("items")
    ]
    out: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] != "lines" or len(parts) < 3 or not parts[1].isdigit():
            out[key] = message
            continue
        k = int(parts[1])
        i = sent.get(stored[k][0]) if k < len(stored) else None
        if i is None:
            out.setdefault("lines", message)
        elif parts[2] == "items" and len(parts) == 5 and parts[3].isdigit():
            j = _sent_item(lines[i], stored[k][1], int(parts[3]))
            if j is None:
                out.setdefault(f"lines.{i}.items", message)
            else:
                out[f"lines.{i}.items.{j}.{parts[4]}"] = message
        else:
            out[".".join(["lines", str(i), *parts[2:]])] = message
    return out


def _sent_item(line: AsnLineInput, stored_lots: list[str], j: int) -> int | None:
    """Where the ``j``-th stored item of a line was in the input: the same lot name, the same occurrence."""
    if j >= len(stored_lots):
        return None
    name = stored_lots[j]
    occurrence = stored_lots[:j].count(name)
    matches = [n for n, item in enumerate(line.items) if item.lot_name.strip() == name]
    return matches[occurrence] if occurrence < len(matches) else None
