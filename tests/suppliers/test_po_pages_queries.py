"""Query counts of the PO list and the PO page: they do not grow with the rows shown (issue 15).

The supplier's list has its own test in ``test_po_pages.py``; here the PO page (lines, messages,
acknowledgements, receipts, shipments) and the buyer's list across suppliers.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from suppliers.models import Acknowledgement
from suppliers.services.po_messages import po_message_post
from tests.conftest import login
from tests.factories import AcknowledgementFactory, AsnFactory, PartnerFactory, PurchaseOrderFactory, ReceiptFactory
from tests.factories.suppliers import PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def _grow(world, po, lines: int, rest: int) -> None:
    """Add ``lines`` lines and ``rest`` each of messages (both sides), acknowledgements, receipts, ASNs."""
    for n in range(lines):
        PurchaseOrderLineFactory(order=po, sequence=n + 10)
    for n in range(rest):
        who = world.p1_user if n % 2 == 0 else world.a_buyer
        po_message_post(membership=who, po_id=po.pk, body=f"Message {po.messages.count()}")
        version = po.acknowledgements.count() + 1
        AcknowledgementFactory(order=po, version=version, status=Acknowledgement.Status.SUPERSEDED)
        ReceiptFactory(order=po)
        AsnFactory(tenant=world.a, partner=world.p1, orders=[po])


@pytest.mark.parametrize("who", ["p1_user", "a_buyer"])
def test_po_page_query_count_does_not_grow_with_rows(world, client, django_assert_max_num_queries, who):
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1, lines=[{"quantity": 5}])
    _grow(world, po, lines=0, rest=1)
    login(client, getattr(world, who))
    url = reverse("po_detail", args=["alpha", po.pk])
    client.get(url)  # the supplier's first view marks the order seen; counted apart
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    _grow(world, po, lines=12, rest=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert "Message 5" in body


def test_buyer_list_query_count_does_not_grow_with_suppliers(world, client, django_assert_max_num_queries):
    login(client, world.a_buyer)
    PurchaseOrderFactory(tenant=world.a, partner=world.p1)
    client.get(reverse("po_list", args=["alpha"]))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("po_list", args=["alpha"]))
    for n in range(12):
        PurchaseOrderFactory(tenant=world.a, partner=PartnerFactory(tenant=world.a, name=f"Supplier {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("po_list", args=["alpha"]), {"sort": "newest"}).content.decode()
    assert "Supplier 11" in body
