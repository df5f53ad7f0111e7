"""What the ASN services take: typed values, read once at the boundary.

The API's input serializers, the editor's forms and the CSV/XLSX import read text into these
(quantities by ``suppliers.quantities``, days and moments by ``portal.dates``); the services
check the business rules on them and never parse text again. A value the boundary could not
read travels as ``Refused`` (the text and why), so that the service reports it next to every
other error of the same input instead of the person fixing one error at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from portal.dates import Refused
from portal.models import Membership
from suppliers.quantities import NumberError, check_quantity

T = TypeVar("T")
HEADER_FIELDS = ("ship_date", "eta", "carrier", "tracking_number", "note")


class AsnHeader(TypedDict, total=False):
    """The header fields to change (a field left out keeps its value); ``eta`` is aware."""

    ship_date: dt.date | Refused | None
    eta: dt.datetime | Refused | None
    carrier: str
    tracking_number: str
    note: str


@dataclass(frozen=True)
class AsnValueInput:
    """A value the supplier's certificate gives for a lot: ``name`` as the supplier calls the
    characteristic ("Hardness"), the number, and its unit as text ("HRC", may be "")."""

    name: str
    value: Decimal | Refused
    unit: str = ""


@dataclass(frozen=True)
class AsnItemInput:
    """A lot, a serial number or an untracked part of a line, and the package it travels in.

    ``package``: the 1-based position in the packages given, or an SSCC of the ASN, or "".
    ``values``: its certificate values (they replace the lot's; none given: the lot has none).
    A whole list the boundary could not read travels as ``Refused``.
    """

    quantity: Decimal | Refused
    lot_name: str = ""
    expiry_date: dt.date | Refused | None = None
    package: str = ""
    values: Sequence[AsnValueInput] | Refused = ()


@dataclass(frozen=True)
class AsnLineInput:
    """A PO line shipped, in the order's unit; 0 leaves it out of the shipment."""

    order_line: int | Refused
    quantity: Decimal | Refused
    uom: str = ""
    items: Sequence[AsnItemInput] = ()


@dataclass(frozen=True)
class PackageInput:
    """A package of the ASN: an existing one by its SSCC, or a new one (``sscc`` empty)."""

    kind: str = "carton"
    weight_kg: Decimal | Refused | None = None
    sscc: str = ""


def accepted(value: T | Refused, field: str, errors: dict[str, str]) -> T | None:
    """``value``, or None with the boundary's reason recorded under ``field`` when it was refused."""
    if isinstance(value, Refused):
        errors[field] = value.message
        return None
    return value


def quantity_ok(
    value: Decimal | Refused, field: str, errors: dict[str, str], *, allow_zero: bool = False
) -> Decimal | None:
    """A quantity within the digits every path agrees on (``suppliers.quantities``), above 0 (or 0
    when allowed); None with the reason under ``field`` otherwise."""
    number = accepted(value, field, errors)
    if number is None:
        return None
    try:
        return check_quantity(number, allow_zero=allow_zero)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def supplier_only(membership: Membership) -> None:
    """Shipments are the supplier's to announce: staff of the tenant read them only."""
    if not membership.is_supplier_role:
        raise ValidationError({"__all__": gettext("Only the supplier announces its shipments.")})
