"""Saving what did not change writes no audit entry (nor a new ``updated_at``); one change, one entry."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from suppliers.models import Asn
from tests.conftest import login

from .test_json_depth import asn  # noqa: F401  (the fixture: a draft with one line and one lot)

pytestmark = pytest.mark.django_db

RULES_FORM = {
    "ack_days_early": "2",
    "ack_days_late": "4",
    "ack_qty_under_pct": "5",
    "ack_qty_over_pct": "0",
    "asn_qty_over_pct": "10",
    "gs1_company_prefix": "0614141",
    "time_zone": "Europe/Berlin",
}


def _patch(client, shipment, body):
    response = client.patch(
        f"/api/v1/asns/{shipment['id']}/", data=json.dumps(body).encode(), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response


def test_saving_an_unchanged_asn_draft_twelve_times_writes_no_entry(asn):  # noqa: F811
    client, shipment = asn
    line = shipment["lines"][0]
    body = {
        "carrier": shipment["carrier"],
        "note": shipment["note"],
        "lines": [
            {"order_line": line["order_line"], "quantity": "10", "items": [{"lot_name": "L-1", "quantity": "10"}]}
        ],
    }
    updated_at = Asn.objects.get(pk=shipment["id"]).updated_at
    entries = AuditEntry.objects.count()  # creating it with lines wrote its own
    for _ in range(12):
        _patch(client, shipment, body)
    assert AuditEntry.objects.count() == entries
    assert Asn.objects.get(pk=shipment["id"]).updated_at == updated_at


def test_changing_one_asn_field_writes_one_entry_naming_it(asn):  # noqa: F811
    client, shipment = asn
    entries = AuditEntry.objects.count()
    _patch(client, shipment, {"carrier": "DHL"})
    _patch(client, shipment, {"carrier": "DHL"})
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "asn.updated"
    assert entry.changes == {"carrier": [shipment["carrier"], "DHL"]}


def test_changing_an_asn_lot_writes_the_rows_that_changed(asn):  # noqa: F811
    client, shipment = asn
    line = shipment["lines"][0]
    lots = [{"lot_name": "L-2", "quantity": "10"}]
    entries = AuditEntry.objects.count()
    _patch(client, shipment, {"lines": [{"order_line": line["order_line"], "quantity": "10", "items": lots}]})
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.changes == {"lots and serials": [1, "1, changed"]}


def test_saving_the_rules_page_unchanged_writes_no_entry(api_world, client):
    login(client, api_world.a_admin)
    url = reverse("collaboration_settings", args=["alpha"])
    assert client.post(url, RULES_FORM).status_code == 302
    assert AuditEntry.objects.filter(action="tenant.collaboration_settings").count() == 1
    for _ in range(3):
        assert client.post(url, RULES_FORM).status_code == 302
    assert AuditEntry.objects.filter(action="tenant.collaboration_settings").count() == 1
    assert client.post(url, {**RULES_FORM, "ack_days_late": "6"}).status_code == 302
    last = AuditEntry.objects.filter(action="tenant.collaboration_settings").latest("pk")
    assert last.changes == {"ack_days_late": [4, 6]}
    assert AuditEntry.objects.filter(action="tenant.collaboration_settings").count() == 2
