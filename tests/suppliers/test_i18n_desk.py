"""The supplier's order desk in German and French: words, numbers and dates as those readers write
them, and a decimal comma typed on a German page read as one (needs the compiled catalogues)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from suppliers.models import Acknowledgement
from suppliers.services.asn_drafts import asn_create
from tests.conftest import login
from tests.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db
ORDERED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _order(world):
    bolts = {"product": None, "description": "Bolts M8", "quantity": 1234.5, "price_unit": 2}
    return PurchaseOrderFactory(
        tenant=world.a, partner=world.p1, name="P01001", state="purchase", date_order=ORDERED, lines=[bolts]
    )


def _page(client, url, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_order_desk_in_german(world, client):
    po = _order(world)
    login(client, world.p1_user)
    listed = _page(client, reverse("po_list", args=["alpha"]), "de")
    assert "Bestellungen" in listed and "Zu bestätigen" in listed and "Purchase orders" not in listed
    detail = _page(client, reverse("po_detail", args=["alpha", po.pk]), "de")
    assert "1.234,5" in detail and "20.11.2026" in detail and "Unverändert annehmen" in detail
    ack = _page(client, reverse("po_acknowledge", args=["alpha", po.pk]), "de")
    assert "Zugesagte Menge" in ack and "Auftragsbestätigung senden" in ack and "Promised" not in ack
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    editor = _page(client, reverse("asn_detail", args=["alpha", asn.pk]), "de")
    assert "Packstücke" in editor and "Sendung übermitteln" in editor and "Submit shipment" not in editor


def test_the_order_desk_in_french(world, client):
    po = _order(world)
    login(client, world.p1_user)
    detail = _page(client, reverse("po_detail", args=["alpha", po.pk]), "fr")
    assert "1\u202f234,5" in detail and "20 nov. 2026" in detail and "Accepter telle quelle" in detail
    assert "Expéditions et réceptions" in detail
    assert "Annoncer une expédition" in _page(client, reverse("asn_list", args=["alpha"]), "fr")


def test_a_german_supplier_types_a_decimal_comma_and_reads_the_error_in_german(world, client):
    po = _order(world)
    line = po.lines.get()
    login(client, world.p1_user)
    url = reverse("po_acknowledge", args=["alpha", po.pk])
    key = f"line-{line.pk}"
    refused = client.post(url, {f"{key}-decision": "change", f"{key}-promised_qty": "abc"}, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 400 and "„abc“ ist keine Zahl." in refused.content.decode()
    client.post(url, {f"{key}-decision": "change", f"{key}-promised_qty": "1.000,5"}, HTTP_ACCEPT_LANGUAGE="de")
    promised = Acknowledgement.objects.get(order=po).lines.get().promised_qty
    assert promised == Decimal("1000.5")
