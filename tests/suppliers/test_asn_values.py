"""Certificate values per lot: typed in the editor, imported from a file, kept with the lot, and read
back by the inspection through ``certificate_values_for`` (submitted shipments only)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.dates import Refused
from portal.models import AuditEntry
from suppliers.models import AsnItemValue
from suppliers.selectors import certificate_values_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_import import asn_import, template_csv
from suppliers.services.asn_inputs import AsnItemInput, AsnLineInput, AsnValueInput
from suppliers.services.asn_submission import asn_submit
from suppliers.services.asn_values import MAX_LOT_VALUES, parse_values
from tests.conftest import login
from tests.suppliers.inputs import asn_header

from .test_asn_pages import _order

pytestmark = pytest.mark.django_db


def test_values_are_read_from_text_with_either_decimal_mark():
    read = parse_values("Hardness = 42,5 HRC\nLength: 120.1 mm; Temperature = -40 °C\n\n; pH = 7")
    assert read == [
        AsnValueInput("Hardness", Decimal("42.5"), "HRC"),
        AsnValueInput("Length", Decimal("120.1"), "mm"),
        AsnValueInput("Temperature", Decimal("-40"), "°C"),
        AsnValueInput("pH", Decimal("7"), ""),
    ]
    assert parse_values("Mass = 1.234,5 g", decimal_mark=",")[0].value == Decimal("1234.5")
    assert parse_values("") == []
    assert isinstance(parse_values("just text"), Refused)
    assert isinstance(parse_values("Hardness = hard"), Refused)
    assert isinstance(parse_values("; ".join(f"c{n} = 1" for n in range(MAX_LOT_VALUES + 1))), Refused)
    assert parse_values("Hardness = 4x2")[0] == AsnValueInput("Hardness", Decimal(4), "x2")  # "x2": its unit
    assert isinstance(parse_values("Hardness = 4,2,1")[0].value, Refused)  # reported by the service, by name


def test_a_number_in_scientific_or_hexadecimal_notation_is_refused_not_read_with_a_unit():
    refused = {
        "H = 1e400": "write the number in full",
        "H = 1.2E+5 mg": "write 120000, not 1.2E+5",
        "H = 1,5e-3 g": "write 0,0015, not 1,5e-3",
        "H = 2 e-3": "write 0.002, not 2 e-3",  # a space does not make "e-3" a unit
        "H = 0x1F": "“0x1F” is not a decimal number",
        "H = -0X1f mg": "“-0X1f” is not a decimal number",
    }
    for text, message in refused.items():
        [read] = parse_values(text)
        assert isinstance(read.value, Refused) and message in read.value.message, text
        assert read.unit == "", text
    # A unit right after the number is a unit when it cannot be part of the number.
    accepted = {
        "H = 5mm": (Decimal(5), "mm"),
        "H = 42,5HRC": (Decimal("42.5"), "HRC"),
        "H = 3 em": (Decimal(3), "em"),
        "H = 10 Ex": (Decimal(10), "Ex"),
        "H = 0 x1F": (Decimal(0), "x1F"),  # spaced: a unit, however odd
        "H = 4x2": (Decimal(4), "x2"),
    }
    for text, (value, unit) in accepted.items():
        assert parse_values(text) == [AsnValueInput("H", value, unit)], text


def _draft(world):
    po = _order(world)
    resin = po.lines.order_by("id").first()
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    return po, resin, asn


def _dates(world):
    soon = date.today() + timedelta(days=1)
    return asn_header(world.p1_user, {"ship_date": soon.isoformat(), "eta": f"{soon + timedelta(days=2)} 08:00"})


def _lines(resin, values, lot="R-1"):
    item = AsnItemInput(quantity=Decimal(10), lot_name=lot, values=values)
    return [AsnLineInput(order_line=resin.pk, quantity=Decimal(10), items=[item])]


def test_the_service_checks_names_values_and_counts(world):
    _, resin, asn = _draft(world)
    cases = [
        ([AsnValueInput("", Decimal(1))], "needs the characteristic's name"),
        ([AsnValueInput("x" * 81, Decimal(1))], "under 80 characters"),
        ([AsnValueInput("Hardness", Decimal(1)), AsnValueInput("HARDNESS", Decimal(2))], "given twice"),
        ([AsnValueInput("Hardness", Decimal("1.1234567"))], "at most 6 decimals"),
        ([AsnValueInput("Hardness", Decimal("1e13"))], "a certificate value is at most"),
        ([AsnValueInput("Hardness", Decimal(1), "u" * 33)], "under 32 characters"),
        ([AsnValueInput(f"c{n}", Decimal(1)) for n in range(MAX_LOT_VALUES + 1)], "at most 50"),
        ([AsnValueInput("Hardness", Refused("4x2", "“4x2” is not a number."))], "Hardness: “4x2” is not a number."),
    ]
    for values, message in cases:
        with pytest.raises(ValidationError) as caught:
            asn_update(membership=world.p1_user, asn_id=asn.pk, lines=_lines(resin, values))
        assert message in caught.value.message_dict["lines.0.items.0.values"][0], message
    assert not AsnItemValue.objects.exists()


def test_values_are_replaced_with_the_lot_and_an_unchanged_save_is_no_edit(world):
    _, resin, asn = _draft(world)
    values = [AsnValueInput("Hardness", Decimal("42.5"), "HRC"), AsnValueInput("Length", Decimal("120.1"), "mm")]
    asn_update(membership=world.p1_user, asn_id=asn.pk, lines=_lines(resin, values))
    item = asn.items.get()
    assert [(v.name, v.value, v.unit) for v in item.values.all()] == [
        ("Hardness", Decimal("42.5"), "HRC"),
        ("Length", Decimal("120.1"), "mm"),
    ]
    edits = AuditEntry.objects.filter(action="asn.updated").count()
    asn_update(membership=world.p1_user, asn_id=asn.pk, lines=_lines(resin, values))
    assert AuditEntry.objects.filter(action="asn.updated").count() == edits  # nothing changed
    asn_update(membership=world.p1_user, asn_id=asn.pk, lines=_lines(resin, values[:1]))
    entry = AuditEntry.objects.filter(action="asn.updated").latest("id")
    assert entry.changes["lots and serials"] == [1, "1, changed"]
    assert asn.items.get().pk == item.pk and list(item.values.values_list("name", flat=True)) == ["Hardness"]
    asn_update(membership=world.p1_user, asn_id=asn.pk, lines=_lines(resin, [], lot="R-2"))
    assert not AsnItemValue.objects.exists()  # the lot went, and its values with it


def test_the_editor_takes_values_per_lot_and_shows_them(world, client):
    po, resin, asn = _draft(world)
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    page = client.get(url).content.decode()
    assert 'name="line-0-item-0-values"' in page and "Certificate values" in page
    form = {
        "action": "save",
        "line-0-order_line": resin.pk,
        "line-0-quantity": "10",
        "line-0-item-0-lot_name": "R-1",
        "line-0-item-0-quantity": "10",
        "line-0-item-0-values": "Hardness = 42,5 HRC\nLength = 120.1 mm",
        "line-1-order_line": po.lines.order_by("id").last().pk,
        "line-1-quantity": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(AsnItemValue.objects.values_list("name", "value", "unit")) == [
        ("Hardness", Decimal("42.5"), "HRC"),
        ("Length", Decimal("120.1"), "mm"),
    ]
    page = client.get(url).content.decode()
    assert "Hardness = 42.5 HRC\nLength = 120.1 mm</textarea>" in page
    response = client.post(url, {**form, "line-0-item-0-values": "Hardness = 42,5 HRC\nHardness = 43"})
    body = response.content.decode()
    assert response.status_code == 400 and "Hardness is given twice for this lot" in body
    assert 'id="line-0-item-0-values-error"' in body and "Hardness = 43</textarea>" in body  # kept as typed
    response = client.post(url, {**form, "line-0-item-0-values": "nonsense"})
    assert response.status_code == 400 and "write one value per line" in response.content.decode()
    response = client.post(url, {**form, "line-0-item-0-values": "Hardness = 1.2E+5 mg"})
    body = response.content.decode()
    assert response.status_code == 400 and "Hardness: “1.2E+5” is in scientific notation" in body
    assert "write 120000, not 1.2E+5" in body
    response = client.post(url, {**form, "line-0-item-0-values": "Hardness = 0x1F"})
    assert response.status_code == 400 and "is not a decimal number" in response.content.decode()
    assert AsnItemValue.objects.count() == 2  # nothing written by the refused saves


def test_the_submitted_page_lists_the_values_beside_the_lot(world, client):
    _, resin, asn = _draft(world)
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        header=_dates(world),
        lines=_lines(resin, [AsnValueInput("Hardness", Decimal("42.5"), "HRC")]),
    )
    asn_submit(membership=world.p1_user, asn_id=asn.pk)
    login(client, world.a_buyer)
    page = client.get(reverse("asn_detail", args=["alpha", asn.pk])).content.decode()
    assert "<bdi>R-1</bdi> \u00d710" in page and "<bdi>Hardness</bdi> 42.5 <bdi>HRC</bdi>" in page


def test_the_import_reads_an_optional_values_column(world):
    po, _, asn = _draft(world)
    data = (
        "po,product_code,quantity,uom,lot,expiry_date,package,values\n"
        f'{po.name},LAB-LOT-001,6,kg,L-1,,,"Hardness = 42,5 HRC; Length = 120.1 mm"\n'
        f"{po.name},LAB-LOT-001,4,kg,L-2,,,\n"
    ).encode()
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lines.csv") == 2
    rows = AsnItemValue.objects.values_list("item__lot_name", "name", "value", "unit")
    assert sorted(rows) == [("L-1", "Hardness", Decimal("42.5"), "HRC"), ("L-1", "Length", Decimal("120.1"), "mm")]
    # A file without the column stays valid: it replaces the lots, and so their values.
    old = f"po,product_code,quantity,lot\n{po.name},LAB-LOT-001,10,L-1\n".encode()
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=old, filename="lines.csv") == 1
    assert not AsnItemValue.objects.exists()
    assert "values" in template_csv().decode("utf-8-sig").splitlines()[0]


def test_the_import_names_the_row_of_bad_or_too_many_values(world):
    po, _, asn = _draft(world)
    many = ";".join(f"{n}=1" for n in range(1, MAX_LOT_VALUES + 2))
    assert len(many) <= 255
    data = (
        "po,product_code,quantity,lot,values\n"
        f"{po.name},LAB-LOT-001,5,L-1,Hardness = soft\n"
        f"{po.name},LAB-LOT-001,3,L-2,{many}\n"
        f'{po.name},LAB-LOT-001,2,L-3,"Hardness = 1; hardness = 2"\n'
        f"{po.name},LAB-LOT-001,1,L-4,H = 1e400\n"
        f"{po.name},LAB-LOT-001,1,L-5,Mass = 1.2E+5 mg\n"
    ).encode()
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lines.csv")
    errors = caught.value.message_dict
    assert "gives no number" in errors["row 2, values"][0]
    assert "at most 50 certificate values" in errors["row 3, values"][0]
    assert "given twice" in errors["row 4, values"][0]
    assert "H: “1e400” is in scientific notation" in errors["row 5, values"][0]
    assert "write 120000, not 1.2E+5" in errors["row 6, values"][0]
    assert not AsnItemValue.objects.exists()


def test_certificate_values_for_reads_submitted_shipments_of_the_partner_only(world):
    po, resin, asn = _draft(world)
    product = resin.product

    def ship(draft, quantity, values):
        item = AsnItemInput(quantity=Decimal(quantity), lot_name="R-1", values=values)
        lines = [AsnLineInput(order_line=resin.pk, quantity=Decimal(quantity), items=[item])]
        asn_update(membership=world.p1_user, asn_id=draft.pk, header=_dates(world), lines=lines)

    ship(asn, 4, [AsnValueInput("Hardness", Decimal("42.5"), "HRC"), AsnValueInput("Length", Decimal(120), "mm")])
    assert certificate_values_for(world.a, world.p1, product, "R-1") == {}  # a draft does not count
    asn_submit(membership=world.p1_user, asn_id=asn.pk)
    found = certificate_values_for(world.a, world.p1, product, "R-1")
    assert found == {"Hardness": (Decimal("42.5"), "HRC"), "Length": (Decimal(120), "mm")}
    assert certificate_values_for(world.a, world.p1, product, "R-2") == {}
    assert certificate_values_for(world.a, world.p2, product, "R-1") == {}  # another partner's lot
    assert certificate_values_for(world.b, world.p1, product, "R-1") == {}  # another tenant
    # A later shipment of the same lot gives newer values; names match ignoring case.
    later = asn_create(membership=world.p1_user, po_ids=[po.pk])
    ship(later, 6, [AsnValueInput("HARDNESS", Decimal("43"), "HRC")])
    asn_submit(membership=world.p1_user, asn_id=later.pk)
    found = certificate_values_for(world.a, world.p1, product, "R-1")
    assert found == {"HARDNESS": (Decimal("43"), "HRC"), "Length": (Decimal(120), "mm")}
