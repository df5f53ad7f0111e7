"""The ASN editor's fields as the services' typed input, and where each part of it was typed.

The editor posts a header, packages (``pkg-K-kind``, ...), and per PO line a row (``line-I-...``)
with item rows (``line-I-item-J-...``) and a box of scanned serial numbers. ``AsnEditor`` reads
them with one small form each; ``places`` then puts a service error (``lines.0.items.2.lot_name``)
next to the field it is about (``line-0-item-3-lot_name``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext

from portal import dates
from portal.dates import Refused
from portal.input_errors import ErrorPlaces
from suppliers.limits import MAX_ASN_ORDERS
from suppliers.models import Asn
from suppliers.services.asn_inputs import AsnHeader, AsnItemInput, AsnLineInput, PackageInput

from .fields import (
    CertificateValuesField,
    DayField,
    IdField,
    InstantField,
    QuantityField,
    TextField,
    TypedForm,
    WeightField,
)


class AsnHeaderForm(TypedForm):
    ship_date = DayField(required=False)
    eta = InstantField(required=False)
    carrier = TextField(required=False)
    tracking_number = TextField(required=False)
    note = TextField(required=False)

    def __init__(self, *args, asn: Asn, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eta"].day_zone = dates.tenant_zone(asn.tenant)
        self.fields["eta"].keep = asn.eta


class PackageForm(TypedForm):
    kind = TextField(required=False)
    weight_kg = WeightField(required=False)
    sscc = TextField(required=False)


class AsnLineForm(TypedForm):
    order_line = IdField()
    quantity = QuantityField(required=False, empty=Decimal(0))  # a blank row ships nothing
    serials = TextField(required=False)
    serials_package = TextField(required=False)


class AsnItemForm(TypedForm):
    lot_name = TextField(required=False)
    expiry_date = DayField(required=False)
    quantity = QuantityField()
    package = TextField(required=False)
    values = CertificateValuesField(required=False)


class AsnEditor:
    """What the editor posted, as ``header``, ``lines`` and ``packages`` for ``asn_update``.

    Rows with no quantity and no lot are blank rows; a package row whose kind is empty is dropped
    (or removed, when it had an SSCC). Scanned serial numbers become items of one unit each.
    """

    def __init__(self, data: QueryDict, *, asn: Asn) -> None:
        self.places = ErrorPlaces(unplaced="__all__")
        self.header: AsnHeader = AsnHeaderForm(data, asn=asn).typed()  # type: ignore[assignment]
        self.packages: list[PackageInput] = []
        positions: dict[str, str] = {}  # a package row's number on the page -> its position in ``packages``
        for k in _rows(data, "pkg-{}-kind"):
            row = PackageForm(data, prefix=f"pkg-{k}").typed()
            if row["kind"]:
                self.places.put(f"packages.{len(self.packages)}", f"pkg-{k}")
                self.packages.append(PackageInput(kind=row["kind"], weight_kg=row["weight_kg"], sscc=row["sscc"]))
                positions[str(k + 1)] = str(len(self.packages))
        self.lines = [self._line(data, i, positions) for i in _rows(data, "line-{}-order_line")]

    def _line(self, data: QueryDict, i: int, positions: dict[str, str]) -> AsnLineInput:
        self.places.put(f"lines.{i}", f"line-{i}")
        items: list[AsnItemInput] = []
        for j in _rows(data, f"line-{i}-item-{{}}-quantity"):
            form = AsnItemForm(data, prefix=f"line-{i}-item-{j}")
            lot, quantity = form.data.get(form.add_prefix("lot_name"), ""), form.data.get(form.add_prefix("quantity"))
            values = form.data.get(form.add_prefix("values"), "")
            if not str(lot).strip() and not str(quantity or "").strip() and not str(values or "").strip():
                continue  # a blank row
            row = form.typed()
            ref = row["package"].strip()
            # A blank package row that was chosen but left empty is no package: say so.
            package = positions.get(ref, ref and f"#{ref}")
            self.places.put(f"lines.{i}.items.{len(items)}", f"line-{i}-item-{j}")
            items.append(
                AsnItemInput(
                    quantity=row["quantity"],
                    lot_name=row["lot_name"].strip(),
                    expiry_date=row["expiry_date"],
                    package=package,
                    values=row["values"] if isinstance(row["values"], Refused) else tuple(row["values"] or ()),
                )
            )
        row = AsnLineForm(data, prefix=f"line-{i}").typed()
        package = positions.get(row["serials_package"], "")
        for serial in row["serials"].split():
            self.places.put(f"lines.{i}.items.{len(items)}", f"line-{i}-serials", whole=True)
            items.append(AsnItemInput(quantity=Decimal(1), lot_name=serial, package=package))
        return AsnLineInput(order_line=row["order_line"], quantity=row["quantity"], items=items)


def _rows(data: QueryDict, name: str) -> Iterator[int]:
    """0, 1, 2, ... while the posted form has a field of that row."""
    index = 0
    while name.format(index) in data:
        yield index
        index += 1


class CertificateLineForm(TypedForm):
    """The ASN line a certificate is for (blank: the whole shipment)."""

    line = IdField(required=False)


class CertificateChoiceForm(TypedForm):
    """The certificate to remove."""

    certificate = IdField()


class OrdersField(forms.Field):
    """The open orders a new shipment covers, by id; more than a shipment holds are read no further."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids = []
        for text in list(value or [])[: MAX_ASN_ORDERS + 1]:  # bounded work; the service refuses the count
            try:
                ids.append(IdField().to_python(text) or 0)
            except forms.ValidationError:
                ids.append(0)
            if not ids[-1]:
                raise forms.ValidationError(gettext("“%(text)s” is not a purchase order id.") % {"text": text})
        return ids


class AsnNewForm(forms.Form):
    orders = OrdersField(required=False)
