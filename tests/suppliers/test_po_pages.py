"""Purchase order pages: what a supplier sees, and what nobody else sees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.factories import PurchaseOrderFactory
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db
ORDERED = datetime(2026, 11, 20, tzinfo=UTC)


def _po(tenant, partner, name, state="purchase", **extra):
    bolts = {"product": None, "description": f"{name} bolts", "quantity": 500, "price_unit": 2}
    return PurchaseOrderFactory(
        tenant=tenant, partner=partner, name=name, state=state, date_order=ORDERED, lines=[bolts], **extra
    )


def test_supplier_sees_its_published_orders_with_status(world, client):
    mine = _po(world.a, world.p1, "P01001", partner_ref="PIN-77")
    _po(world.a, world.p1, "P01002", state="draft")
    _po(world.a, world.p2, "P01003")
    login(client, world.p1_user)
    body = client.get(reverse("po_list", args=["alpha"])).content.decode()
    assert "P01001" in body and "PIN-77" in body and "To acknowledge" in body
    assert "P01002" not in body and "P01003" not in body
    detail = client.get(reverse("po_detail", args=["alpha", mine.pk])).content.decode()
    assert "P01001 bolts" in detail and "500" in detail
    searched = client.get(reverse("po_list", args=["alpha"]), {"q": "PIN-77"}).content.decode()
    assert "P01001" in searched
    assert "No order matches" in client.get(reverse("po_list", args=["alpha"]), {"q": "nothing"}).content.decode()
    assert "P01001" in client.get(reverse("dashboard", args=["alpha"])).content.decode()


def test_buyer_sees_orders_across_its_suppliers(world, client):
    _po(world.a, world.p1, "P02001")
    _po(world.a, world.p2, "P02002", receipt_status="partial")
    login(client, world.a_buyer)
    body = client.get(reverse("po_list", args=["alpha"]), {"status": "partial"}).content.decode()
    assert "P02002" in body and "P02001" not in body and "Quarry Metals" in body


def test_order_pages_answer_404_outside_scope(world):
    po = _po(world.a, world.p1, "P03001")
    assert_scoped(
        ScopeCase(
            reverse("po_detail", args=["alpha", po.pk]),
            world.p1_user,
            [world.p2_admin, world.p2_user, world.b_admin, world.q1_admin],
            ["P03001", "P03001 bolts"],
        )
    )
    assert_scoped(
        ScopeCase(reverse("po_list", args=["alpha"]), world.p1_user, [world.b_admin], ["P03001"], swap_tenant=False)
    )
    draft = _po(world.a, world.p1, "P03002", state="draft")
    assert_scoped(
        ScopeCase(reverse("po_detail", args=["alpha", draft.pk]), world.a_admin, [world.p1_user], [], owner_status=404)
    )


def test_list_query_count_does_not_grow_with_rows(world, client, django_assert_max_num_queries):
    login(client, world.p1_user)
    for i in range(3):
        _po(world.a, world.p1, f"P04{i:03d}")
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("po_list", args=["alpha"]))
    for i in range(3, 30):
        _po(world.a, world.p1, f"P04{i:03d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("po_list", args=["alpha"]))


def test_supplier_posts_a_message_that_waits_for_odoo(world, client, django_capture_on_commit_callbacks):
    from integrations.models import OutboxEvent
    from suppliers.models import PurchaseOrderMessage

    po = _po(world.a, world.p1, "P05001")
    login(client, world.p1_user)
    url = reverse("po_message", args=["alpha", po.pk])
    empty = client.post(url, {"body": "   "})
    assert empty.status_code == 400 and "Write a message first." in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {"body": "Shipping on Friday, 2 pallets."})
    assert response.status_code == 302
    message = PurchaseOrderMessage.objects.get(order=po)
    event = OutboxEvent.objects.get(pk=message.outbox_event_id)
    assert event.topic == "po.message_posted" and event.payload["po_odoo_id"] == po.odoo_id
    assert event.status == "pending" and event.aggregate_id == str(po.pk)
    page = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert "Shipping on Friday, 2 pallets." in page and "Sending to Odoo" in page


def test_message_post_answers_404_outside_scope_and_writes_nothing(world):
    from suppliers.models import PurchaseOrderMessage

    po = _po(world.a, world.p1, "P06001")
    assert_scoped(
        ScopeCase(
            reverse("po_message", args=["alpha", po.pk]),
            world.p1_user,
            [world.p2_user, world.b_admin],
            [],
            method="post",
            data={"body": "hi"},
            owner_status=None,
        )
    )
    assert not PurchaseOrderMessage.objects.exists()
