"""The pages' forms read what people type once, into the values the services take; what they cannot
read goes on as ``Refused``, so the service reports it with every other error of the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from portal.dates import Refused
from suppliers.forms.asns import AsnEditor
from suppliers.forms.fields import QuantityField
from suppliers.services.asn_inputs import AsnItemInput, AsnLineInput, PackageInput
from tests.factories import AsnFactory

pytestmark = pytest.mark.django_db


def _posted(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({name.replace("__", "-"): value for name, value in fields.items()})
    return data


def test_a_quantity_is_read_in_the_pages_language_exactly():
    field = QuantityField()
    with translation.override("de"):
        assert field.clean("1.234,5") == Decimal("1234.5") and field.clean("1,234") == Decimal("1.234")
    with translation.override("en"):
        assert field.clean("1,234") == Decimal("1234")
        assert field.clean("2999.125") == Decimal("2999.125")  # never rounded
        assert field.clean("-3") == Decimal("-3")  # the sign is the service's to judge, in its words


def test_the_editor_hands_over_typed_lines_packages_and_refusals(world):
    world.a.time_zone = "America/Los_Angeles"
    world.a.save()
    asn = AsnFactory(partner=world.p1, eta=dt.datetime(2026, 12, 20, 17, 0, 30, tzinfo=dt.UTC))
    data = _posted(
        ship_date="2026-12-18",
        eta="2026-12-20T09:00",  # as the page showed the stored moment: kept, seconds included
        carrier="DHL",
        pkg__0__kind="pallet",
        pkg__0__weight_kg="310,5",
        pkg__0__sscc="",
        pkg__1__kind="",
        pkg__1__weight_kg="",
        pkg__1__sscc="",
        line__0__order_line="41",
        line__0__quantity="10",
        line__0__item__0__lot_name="R-1",
        line__0__item__0__quantity="lots",
        line__0__item__0__expiry_date="2028-02-01",
        line__0__item__0__package="1",
        line__0__item__1__lot_name="",
        line__0__item__1__quantity="",
        line__0__serials="SN-1 SN-2",
        line__0__serials_package="1",
    )
    with translation.override("de"), timezone.override("America/Los_Angeles"):
        editor = AsnEditor(data, asn=asn)
    assert editor.header["eta"] == asn.eta and editor.header["ship_date"] == dt.date(2026, 12, 18)
    assert editor.packages == [PackageInput(kind="pallet", weight_kg=Decimal("310.5"), sscc="")]
    [line] = editor.lines
    assert line == AsnLineInput(
        order_line=41,
        quantity=Decimal(10),
        items=[
            AsnItemInput(
                quantity=Refused("lots", "„lots“ ist keine Zahl."),  # the page's language (German)
                lot_name="R-1",
                expiry_date=dt.date(2028, 2, 1),
                package="1",
            ),
            AsnItemInput(quantity=Decimal(1), lot_name="SN-1", package="1"),
            AsnItemInput(quantity=Decimal(1), lot_name="SN-2", package="1"),
        ],
    )
    assert editor.places.place({"lines.0.items.0.quantity": "x", "lines.0.items.2.lot_name": "y"}) == {
        "line-0-item-0-quantity": "x",
        "line-0-serials": "y",
    }
