"""Certificate values over the API: ``items[].values`` on create and patch, shown when reading the
shipment, checked as the page checks them, and within the token's partner only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from suppliers.models import AsnItemValue

from .conftest import bearer

pytestmark = pytest.mark.django_db


def _lines(line, values, lot="L-1"):
    return [{"order_line": line.pk, "quantity": "10", "items": [{"lot_name": lot, "quantity": "10", "values": values}]}]


@pytest.fixture
def shipment(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    values = [{"name": "Hardness", "value": "42.5", "unit": "HRC"}, {"name": "Length", "value": -0.125}]
    response = client.post("/api/v1/asns/", {"orders": ["P20001"], "lines": _lines(line, values)}, format="json")
    assert response.status_code == 201, response.content
    return client, line, response.json()


def test_values_are_created_with_the_lot_and_read_back(shipment):
    client, _, asn = shipment
    assert asn["lines"][0]["items"][0]["values"] == [
        {"name": "Hardness", "value": "42.500000", "unit": "HRC"},
        {"name": "Length", "value": "-0.125000", "unit": ""},
    ]
    read = client.get(f"/api/v1/asns/{asn['id']}/").json()
    assert read["lines"][0]["items"][0]["values"] == asn["lines"][0]["items"][0]["values"]
    listed = client.get("/api/v1/asns/").json()
    assert listed["results"][0]["lines"][0]["items"][0]["values"][0]["name"] == "Hardness"


def test_a_patch_replaces_the_values_of_the_lot(shipment):
    client, line, asn = shipment
    url = f"/api/v1/asns/{asn['id']}/"
    response = client.patch(url, {"lines": _lines(line, [{"name": "hardness", "value": "43"}])}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["items"][0]["values"] == [{"name": "hardness", "value": "43.000000", "unit": ""}]
    assert list(AsnItemValue.objects.values_list("name", "value")) == [("hardness", Decimal(43))]
    response = client.patch(
        url, {"lines": [{**_lines(line, [])[0], "items": [{"lot_name": "L-1", "quantity": "10"}]}]}, format="json"
    )
    assert response.status_code == 200 and response.json()["lines"][0]["items"][0]["values"] == []
    assert not AsnItemValue.objects.exists()


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ([{"name": "Hardness", "value": "1", "colour": "red"}], "lines.0.items.0.values.0.colour"),
        ([{"name": "Hardness"}], "lines.0.items.0.values.0.value"),
        ([{"name": "Hardness", "value": "1.1234567"}], "lines.0.items.0.values.0.value"),
        ([{"name": "Hardness", "value": "1e20"}], "lines.0.items.0.values.0.value"),
        ([{"name": "x" * 81, "value": "1"}], "lines.0.items.0.values.0.name"),
        ([{"name": f"c{n}", "value": "1"} for n in range(51)], "lines.0.items.0.values"),
        ([{"name": "Hardness", "value": "1"}, {"name": "HARDNESS", "value": "2"}], "lines.0.items.0.values"),
    ],
)
def test_bad_values_are_refused_where_they_are(shipment, values, where):
    client, line, asn = shipment
    response = client.patch(f"/api/v1/asns/{asn['id']}/", {"lines": _lines(line, values)}, format="json")
    assert response.status_code == 400, response.content
    text = response.content.decode()
    assert where in text, text
    assert AsnItemValue.objects.count() == 2  # as they were


def test_another_partner_cannot_reach_the_shipment(shipment, api_world):
    _, line, asn = shipment
    other = bearer(api_world.p2_secret)
    body = {"lines": _lines(line, [{"name": "Hardness", "value": "1"}])}
    assert other.patch(f"/api/v1/asns/{asn['id']}/", body, format="json").status_code == 404
    assert other.get(f"/api/v1/asns/{asn['id']}/").status_code == 404
    assert sorted(AsnItemValue.objects.values_list("name", flat=True)) == ["Hardness", "Length"]
