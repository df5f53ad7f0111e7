"""A plain page view writes nothing to the database (issue 15): not the session, not a stamp.

The one write a GET keeps is the first view of a new PO by its supplier (``supplier_seen_at``,
which takes the "New" badge off and tells the buyer the supplier has seen it): once per PO, so
every page here is visited twice and the second visit must write nothing.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import login
from tests.factories import AsnFactory, PurchaseOrderFactory

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE")
SUPPLIER_PAGES = [
    "dashboard",
    "po_list",
    "po_detail",
    "asn_list",
    "asn_detail",
    "supplier_scar_list",
    "supplier_result_list",
]
BUYER_PAGES = ["dashboard", "po_list", "po_detail", "asn_list", "asn_detail", "ncr_list", "scar_list"]


def _writes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _urls(world, names: list[str]) -> list[str]:
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1, lines=[{"quantity": 5}])
    asn = AsnFactory(tenant=world.a, partner=world.p1, orders=[po])
    by_pk = {"po_detail": po.pk, "asn_detail": asn.pk}
    return [reverse(name, args=["alpha", by_pk[name]] if name in by_pk else ["alpha"]) for name in names]


@pytest.mark.parametrize(("who", "pages"), [("p1_user", SUPPLIER_PAGES), ("a_buyer", BUYER_PAGES)])
def test_second_visit_of_each_page_writes_nothing(world, client, who, pages):
    login(client, getattr(world, who))
    urls = _urls(world, pages)
    for url in urls:
        _writes(client, url)
    for url in urls:
        assert _writes(client, url) == [], url


def test_the_first_page_of_a_tenant_writes_the_session_and_the_next_ones_do_not(world, client):
    """The session remembers the last tenant (the home page goes there): written when it changes only."""
    login(client, world.p1_user)
    first = _writes(client, reverse("po_list", args=["alpha"]))
    assert any("django_session" in sql for sql in first), first
    assert client.session["tenant_slug"] == "alpha"
    assert _writes(client, reverse("dashboard", args=["alpha"])) == []


def test_supplier_first_view_of_a_po_marks_it_seen_once(world, client):
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1)
    login(client, world.p1_user)
    client.get(reverse("po_list", args=["alpha"]))  # the session's tenant is written on this first page
    first = _writes(client, reverse("po_detail", args=["alpha", po.pk]))
    assert len(first) == 1 and "supplier_seen_at" in first[0]
    po.refresh_from_db()
    assert po.supplier_seen_at is not None
    assert _writes(client, reverse("po_detail", args=["alpha", po.pk])) == []


def test_membership_is_read_once_per_request(world, client):
    for who in (world.p1_user, world.a_buyer):
        client.logout()
        login(client, who)
        client.get(reverse("po_list", args=["alpha"]))
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("po_list", args=["alpha"]))
        reads = [q["sql"] for q in captured.captured_queries if 'FROM "portal_membership"' in q["sql"]]
        assert len(reads) == 1, reads
