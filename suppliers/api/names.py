"""Purchase orders and their lines as a partner's ERP names them: the portal's ids, or the order's
number in Odoo (``P00003``) and a product code on it; shipments by id or by number (ASN-00042).

Every lookup goes through the caller's scope (``visible_to``), so another partner's or tenant's
order is as unknown as one that does not exist. Digits alone are always an id.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import NotFound, ValidationError

from portal.api.problems import Conflict
from portal.models import Membership
from suppliers.models import Asn, PurchaseOrder, PurchaseOrderLine

MAX_ID = 10**18 - 1


def _by_name(membership: Membership, name: str) -> list[PurchaseOrder]:
    # Odoo's numbers are unique per company; a partner supplying two companies may see one twice.
    return list(PurchaseOrder.objects.visible_to(membership).published().filter(name__iexact=name)[:5])


def _ambiguous(name: str, orders: list[PurchaseOrder]) -> str:
    ids = ", ".join(str(o.pk) for o in orders)
    return ngettext(
        "%(name)s names %(count)d of your orders (id %(ids)s); use the id.",
        "%(name)s names %(count)d of your orders (ids %(ids)s); use the id.",
        len(orders),
    ) % {"name": name, "count": len(orders), "ids": ids}


def id_or_name(value: str, max_length: int = 64) -> int | str | None:
    """A path segment as an id (digits) or a name; None when it can be neither."""
    value = value.strip()
    if not value or len(value) > max_length or not value.isprintable():
        return None
    if value.isascii() and value.isdigit():
        number = int(value)
        return number if 0 < number <= MAX_ID else None
    return value


def po_pk(*, membership: Membership, value: str) -> int:
    """The id of the order a URL names (id or number): 404 outside the scope, 409 when ambiguous."""
    key = id_or_name(value)
    if key is None:
        raise NotFound()
    if isinstance(key, int):
        return key
    orders = _by_name(membership, key)
    if not orders:
        raise NotFound()
    if len(orders) > 1:
        raise Conflict(_ambiguous(key, orders))
    return orders[0].pk


def asn_pk(*, membership: Membership, value: str) -> int:
    """The id of the shipment a URL names: its id, or its number (ASN-00042, unique in the tenant)."""
    key = id_or_name(value, max_length=20)
    if key is None:
        raise NotFound()
    if isinstance(key, int):
        return key
    pk = Asn.objects.visible_to(membership).filter(number__iexact=key).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound()
    return pk


def po_ids(*, membership: Membership, refs: list[int | str], field: str = "orders") -> list[int]:
    """Ids for ids and numbers; an unknown number is a field error (the services check the ids)."""
    out, errors = [], {}
    for index, ref in enumerate(refs):
        if isinstance(ref, int):
            out.append(ref)
            continue
        orders = _by_name(membership, ref)
        if len(orders) == 1:
            out.append(orders[0].pk)
        else:
            errors[str(index)] = (
                _ambiguous(ref, orders) if orders else _("No purchase order %(name)s of yours.") % {"name": ref}
            )
    if errors:
        raise ValidationError({field: errors})
    return out


def _order_lines(membership: Membership, among: list[int]) -> list[PurchaseOrderLine]:
    """The lines of these orders (within the scope), with what they are named by: one query."""
    return list(
        PurchaseOrderLine.objects.filter(order__in=PurchaseOrder.objects.visible_to(membership).filter(pk__in=among))
        .select_related("order", "product")
        .order_by("order_id", "sequence", "id")
    )


def _codes(line: PurchaseOrderLine) -> set[str]:
    """What a line answers to: the product's internal reference and the supplier's own code."""
    codes = {line.vendor_product_code.lower(), (line.product.default_code or "").lower() if line.product else ""}
    return codes - {""}


def _line_for(lines: list[PurchaseOrderLine], code: str, order_ref: int | str | None, where: str) -> int:
    if order_ref is not None:
        name = order_ref.lower() if isinstance(order_ref, str) else None
        lines = [
            line for line in lines if (line.order_id == order_ref if name is None else line.order.name.lower() == name)
        ]
        if not lines:
            prefix = where.rsplit(".", 1)[0] + "." if "." in where else ""
            raise ValidationError(
                {f"{prefix}purchase_order": _("%(order)s is not an order of this shipment.") % {"order": order_ref}}
            )
    typed = code.strip()
    found = [line for line in lines if typed.lower() in _codes(line)]
    if not found:
        if order_ref is None:
            message = _("%(code)s is not on a line of the order.") % {"code": typed}
        else:
            message = _("%(code)s is not on a line of the order on %(order)s.") % {"code": typed, "order": order_ref}
        raise ValidationError({where: message})
    if len(found) > 1:
        ids = ", ".join(f"{line.order.name}: {line.pk}" for line in found[:10])
        message = ngettext(
            "%(code)s is on %(count)d line (%(ids)s); name the line by its id.",
            "%(code)s is on %(count)d lines (%(ids)s); name the line by its id.",
            len(found),
        ) % {"code": typed, "count": len(found), "ids": ids}
        raise ValidationError({where: message})
    return found[0].pk


def line_by_code(
    *, membership: Membership, code: str, order_ref: int | str | None, among: list[int], where: str
) -> int:
    """The id of the one line of ``among`` (order ids) with this product code (the product's
    internal reference or the supplier's code, any case), on the named order when given. Errors
    are keyed by ``where`` (``lines.2.product_code``)."""
    return _line_for(_order_lines(membership, among), code, order_ref, where)


def resolve_line_codes(
    *, membership: Membership, lines: list[dict], key: str, among: list[int], field: str = "lines"
) -> None:
    """Sets ``line[key]`` (the order line's id) on each input line named by ``product_code`` (and
    ``purchase_order``); every line that names none or several is an error, all reported at once.
    One query whatever the number of lines."""
    named = [(index, line) for index, line in enumerate(lines) if "product_code" in line]
    if not named:
        return
    candidates = _order_lines(membership, among)
    errors: dict = {}
    for index, line in named:
        try:
            line[key] = _line_for(
                candidates, line["product_code"], line.get("purchase_order"), f"{field}.{index}.product_code"
            )
        except ValidationError as exc:
            errors.update(exc.detail)
    if errors:
        raise ValidationError(errors)
