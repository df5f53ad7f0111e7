"""One vocabulary of statuses: what the API says of a record is what its badge on the page says,
and every status word is also a filter that returns exactly the records with that status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from integrations.models import OutboxEvent
from suppliers import statuses
from suppliers.models import Acknowledgement, AckStatus, Asn, PurchaseOrder
from suppliers.services.asn_drafts import asn_create

from .conftest import bearer, make_order

pytestmark = pytest.mark.django_db

BADGE = re.compile(r'<span class="badge[^"]*"[^>]*>([^<]+)</span>')

# Every status a purchase order can show, from the fields the badge reads.
PO_CASES = {
    "cancelled": {"state": "cancel"},
    "rfq": {"state": "sent", "receipt_status": ""},
    "received": {"receipt_status": "full"},
    "to_acknowledge": {},
    "changed": {"ack_status": AckStatus.OUTDATED},
    "declined": {"ack_status": AckStatus.DECLINED},
    "awaiting_buyer": {"ack_status": AckStatus.PENDING},
    "acknowledged": {"ack_status": AckStatus.ACCEPTED},
}


def _badge(template: str, **context) -> str:
    """The first badge's words, as the page shows them."""
    return BADGE.findall(render_to_string(template, context))[0].strip()


@pytest.fixture
def orders(api_world):
    made = {}
    for word, fields in PO_CASES.items():
        po = make_order(api_world.a, api_world.p1, f"PV-{word}")
        for name, value in fields.items():
            setattr(po, name, value)
        po.save()
        made[word] = po
    return made


def test_every_po_status_is_the_badge_of_the_page_and_a_filter(api_world, orders):
    assert set(PO_CASES) == set(statuses.PO_STATUSES)  # every word is tried
    client = bearer(api_world.p1_secret)
    listed = {po["name"]: po for po in client.get("/api/v1/purchase-orders/", {"page_size": 50}).json()["results"]}
    for word, po in orders.items():
        shown = listed[po.name]
        assert shown["status"] == word, (po.name, shown["status"])
        assert shown["status_label"] == _badge("suppliers/_po_status.html", po=po), word
        mine = PurchaseOrder.objects.filter(partner=api_world.p1, name__startswith="PV-")
        assert list(mine.filter(statuses.po_status_q(word))) == [po], word
        if word not in ("to_acknowledge", "acknowledged"):  # the page's tabs of those words are wider
            found = client.get("/api/v1/purchase-orders/", {"status": word}).json()["results"]
            assert [o["name"] for o in found] == [po.name], word


def test_the_po_list_filters_are_the_pages_tabs(api_world, orders):
    from suppliers.views import FILTER_LABELS

    client = bearer(api_world.p1_secret)
    for key, _ in FILTER_LABELS:
        if key:
            assert client.get("/api/v1/purchase-orders/", {"status": key}).status_code == 200, key
    tab = {o["name"] for o in client.get("/api/v1/purchase-orders/", {"status": "to_acknowledge"}).json()["results"]}
    assert tab == {"PV-to_acknowledge", "PV-changed", "PV-declined", "P20001"}  # as the page's tab lists them


def test_acknowledgement_and_receipt_words_are_the_filters_words(api_world, orders):
    client = bearer(api_world.p1_secret)
    listed = {po["name"]: po for po in client.get("/api/v1/purchase-orders/", {"page_size": 50}).json()["results"]}
    assert listed["PV-awaiting_buyer"]["acknowledgement_status"] == "awaiting_buyer"
    assert listed["PV-changed"]["acknowledgement_status"] == "changed"
    assert listed["PV-acknowledged"]["acknowledgement_status"] == "acknowledged"
    assert listed["PV-received"]["receipt_status"] == "received"
    assert listed["PV-to_acknowledge"]["receipt_status"] == "not_received"
    assert listed["PV-cancelled"]["state"] == "cancel"  # Odoo's own field keeps Odoo's word


def test_asn_and_sync_words_are_the_badges_of_the_page(api_world):
    client = bearer(api_world.p1_secret)
    asn = asn_create(membership=api_world.p1_user, po_ids=[api_world.po.pk])
    for word, label in statuses.ASN_STATUSES.items():
        Asn.objects.filter(pk=asn.pk).update(status=word)
        shown = client.get(f"/api/v1/asns/{asn.pk}/").json()
        asn.refresh_from_db()
        assert shown["status"] == word and shown["status_label"] == label
        assert _badge("suppliers/_asn_status.html", asn=asn) == label
    shown = client.get(f"/api/v1/asns/{asn.pk}/").json()
    assert shown["odoo_status"] == "portal_only"
    assert shown["odoo_status_label"] == _badge("suppliers/_sync_badge.html", e=None)
    now = timezone.now()
    for status, word in [("pending", "sending"), ("in_flight", "sending"), ("done", "in_odoo"), ("dead", "failed")]:
        event = OutboxEvent(status=status, delivered_at=now, last_error="Odoo said no", next_attempt_at=now)
        assert statuses.odoo_status(event) == word
        assert _badge("suppliers/_sync_badge.html", e=event).startswith(str(statuses.ODOO_STATUSES[word]))
    cancelled = OutboxEvent(status="cancelled", next_attempt_at=now)
    assert _badge("suppliers/_sync_badge.html", e=cancelled) == statuses.ODOO_STATUSES["cancelled"]


def test_an_acknowledgement_awaiting_the_buyer_says_so_in_the_pos_words(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    ack = client.post(
        f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/",
        {
            "lines": [
                {
                    "line_id": line.pk,
                    "decision": "change",
                    "promised_date": str(timezone.localdate() + timedelta(days=90)),
                }
            ]
        },
        format="json",
    ).json()
    assert ack["status"] == "awaiting_buyer" and ack["status_label"] == Acknowledgement.Status.PENDING.label
    po = client.get(f"/api/v1/purchase-orders/{api_world.po.pk}/").json()
    assert po["status"] == po["acknowledgement_status"] == "awaiting_buyer"
