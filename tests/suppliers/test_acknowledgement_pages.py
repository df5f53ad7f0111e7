"""The acknowledgement pages: the supplier's form, the buyer's decision, and nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from integrations.models import OutboxEvent
from suppliers.models import Acknowledgement, AckStatus, PurchaseOrder, PurchaseOrderLine, rules_for
from tests.conftest import login
from tests.factories import PurchaseOrderFactory
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db

SOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=20)
BOLTS_AND_NUTS = [("Hex bolt M8", 500), ("Hex nut M8", 800)]  # described lines, no product: all an answer needs


def _po(world, partner=None, name="P07001"):
    lines = [{"product": None, "description": text, "quantity": qty} for text, qty in BOLTS_AND_NUTS]
    return PurchaseOrderFactory(partner=partner or world.p1, name=name, date_planned=SOON, lines=lines)


def test_supplier_changes_a_line_beyond_tolerance_and_the_buyer_approves(world, client):
    po = _po(world)
    bolt, nut = po.lines.order_by("id")
    login(client, world.p1_user)
    detail = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert "Accept as is" in detail and "To acknowledge" in detail
    url = reverse("po_acknowledge", args=["alpha", po.pk])
    form = client.get(url).content.decode()
    assert "Hex bolt M8" in form and 'inputmode="decimal"' in form
    late = (SOON + timedelta(days=9)).date().isoformat()
    bad = client.post(
        url,
        {
            f"line-{bolt.pk}-decision": "change",
            f"line-{bolt.pk}-promised_date": late,
            f"line-{bolt.pk}-promised_qty": "lots",
            f"line-{nut.pk}-decision": "reject",
            "supplier_ref": "PIN-SO-1",
        },
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "“lots” is not a number." in page and "Say why you cannot deliver this line." in page
    assert f'value="{late}"' in page and 'value="PIN-SO-1"' in page  # what was typed stays
    assert not Acknowledgement.objects.exists()
    ok = client.post(
        url,
        {
            f"line-{bolt.pk}-decision": "change",
            f"line-{bolt.pk}-promised_date": late,
            f"line-{bolt.pk}-promised_qty": "450",
            f"line-{nut.pk}-decision": "accept",
            "supplier_ref": "PIN-SO-1",
            "comment": "Furnace maintenance",
        },
        follow=True,
    )
    assert "a buyer decides on them" in ok.content.decode()
    ack = Acknowledgement.objects.get()
    assert ack.status == "pending" and OutboxEvent.objects.get().topic == "po.ack_review_requested"

    client.logout()
    login(client, world.a_buyer)
    dashboard = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert "awaiting your decision" in dashboard and po.name in dashboard
    detail = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert "Approve changes" in detail and "beyond tolerance" in detail and "Furnace maintenance" in detail
    assert "Approving writes the promised dates and quantities to" in detail  # what approval does, said once
    decide = reverse("po_ack_decide", args=["alpha", po.pk, ack.pk])
    assert "Tell the supplier why" in client.post(decide, {"decision": "decline"}, follow=True).content.decode()
    client.post(decide, {"decision": "approve"})
    ack.refresh_from_db()
    po.refresh_from_db()
    assert ack.status == "approved" and ack.decided_by == world.a_buyer.user and po.ack_status == AckStatus.ACCEPTED
    sent = OutboxEvent.objects.get(topic="po.acknowledged")
    assert sent.payload["line_qtys"] == {str(bolt.odoo_id): "450"} and sent.payload["approved"] is True


def test_accept_as_is_in_one_click(world, client):
    po = _po(world)
    login(client, world.p1_user)
    done = client.post(reverse("po_acknowledge", args=["alpha", po.pk]), {"accept_all": "1"}, follow=True)
    assert "Odoo will show it within a minute" in done.content.decode()
    po.refresh_from_db()
    assert po.ack_status == AckStatus.ACCEPTED
    assert list(PurchaseOrder.objects.filter(pk=po.pk).values_list("acknowledgements__lines__decision", flat=True)) == [
        "accept",
        "accept",
    ]


def test_acknowledgement_pages_answer_404_outside_scope(world):
    po = _po(world)
    login_free = [world.p2_user, world.p2_admin, world.b_admin, world.q1_admin]
    assert_scoped(
        ScopeCase(reverse("po_acknowledge", args=["alpha", po.pk]), world.p1_user, login_free, ["Hex bolt M8"])
    )
    assert_scoped(
        ScopeCase(
            reverse("po_acknowledge", args=["alpha", po.pk]),
            world.p1_user,
            login_free,
            [],
            method="post",
            data={"accept_all": "1"},
            owner_status=302,
        )
    )
    ack = Acknowledgement.objects.get()
    Acknowledgement.objects.filter(pk=ack.pk).update(status="pending")
    assert_scoped(
        ScopeCase(
            reverse("po_ack_decide", args=["alpha", po.pk, ack.pk]),
            world.a_buyer,
            [world.p1_user, world.p2_admin, world.b_admin, world.q1_admin],
            [],
            method="post",
            data={"decision": "approve"},
            owner_status=302,
        )
    )
    ack.refresh_from_db()
    assert ack.decided_by == world.a_buyer.user  # only the buyer's own request decided it
    other = _po(world, world.p2, "P07002")
    assert_scoped(
        ScopeCase(
            reverse("po_ack_decide", args=["alpha", other.pk, ack.pk]),
            world.a_admin,
            [world.p2_admin],
            [],
            method="post",
            data={"decision": "approve"},
            owner_status=404,
        )
    )


def test_list_filters_put_what_needs_action_first(world, client, django_assert_max_num_queries):
    acked = _po(world, name="P08001")
    acked.ack_status = AckStatus.ACCEPTED
    acked.save()
    todo = _po(world, name="P08002")
    late = _po(world, name="P08003")
    late.ack_status = AckStatus.ACCEPTED
    late.save()
    late.lines.update(date_planned=datetime.now(UTC) - timedelta(days=2))
    PurchaseOrder.objects.filter(pk=late.pk).update(open_due_date=datetime.now(UTC) - timedelta(days=2))  # as pulled
    login(client, world.p1_user)
    body = client.get(reverse("po_list", args=["alpha"])).content.decode()
    assert body.index(todo.name) < body.index(late.name) < body.index(acked.name)
    assert "Late" in body
    only_late = client.get(reverse("po_list", args=["alpha"]), {"status": "late"}).content.decode()
    assert late.name in only_late and todo.name not in only_late and acked.name not in only_late
    found = client.get(reverse("po_list", args=["alpha"]), {"q": "Hex nut"}).content.decode()
    assert todo.name in found
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("po_list", args=["alpha"]), {"sort": "expected"})
    for i in range(25):
        _po(world, name=f"P09{i:03d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("po_list", args=["alpha"]), {"sort": "expected"})


def test_purchase_order_pdf_for_its_supplier_only(world, client):
    import io

    from pypdf import PdfReader

    po = _po(world)
    PurchaseOrderLine.objects.filter(order=po).update(vendor_product_code="PW-7")
    login(client, world.p1_user)
    pdf = client.get(reverse("po_pdf", args=["alpha", po.pk]))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert pdf["Content-Type"] == "application/pdf" and po.name in text and "Hex nut M8" in text and "PW-7" in text
    assert_scoped(
        ScopeCase(
            reverse("po_pdf", args=["alpha", po.pk]), world.p1_user, [world.p2_user, world.b_admin, world.q1_admin], []
        )
    )


def test_tenant_admin_sets_the_collaboration_rules(world, client):
    from portal.models import AuditEntry

    url = reverse("collaboration_settings", args=["alpha"])
    login(client, world.a_admin)
    bad = client.post(
        url,
        {
            "ack_days_early": "2",
            "ack_days_late": "-1",
            "ack_qty_under_pct": "150",
            "ack_qty_over_pct": "0",
            "asn_qty_over_pct": "5",
            "gs1_company_prefix": "12AB",
        },
    )
    page = bad.content.decode()
    assert bad.status_code == 200 and "from 0 to 100" in page and "6 to 11 digits" in page
    # Digits of another script are digits to \d, not to a GS1 barcode.
    arabic = {**{k: "0" for k in ("ack_days_early", "ack_days_late", "ack_qty_under_pct", "ack_qty_over_pct")}}
    arabic.update(asn_qty_over_pct="5", gs1_company_prefix="٠٦١٤١٤١", time_zone="UTC")
    refused = client.post(url, arabic)
    assert refused.status_code == 200 and "6 to 11 digits (0-9)" in refused.content.decode()
    world.a.refresh_from_db()
    assert rules_for(world.a).gs1_company_prefix != arabic["gs1_company_prefix"]
    client.post(
        url,
        {
            "ack_days_early": "2",
            "ack_days_late": "4",
            "ack_qty_under_pct": "5",
            "ack_qty_over_pct": "0",
            "asn_qty_over_pct": "10",
            "gs1_company_prefix": "0614141",
            "time_zone": "UTC",
        },
    )
    world.a.refresh_from_db()
    rules = rules_for(world.a)
    assert (rules.ack_days_late, rules.asn_qty_over_pct, rules.gs1_company_prefix) == (4, 10, "0614141")
    assert AuditEntry.objects.filter(action="tenant.collaboration_settings").exists()
    assert_scoped(
        ScopeCase(
            url,
            world.a_admin,
            [world.a_buyer, world.p1_admin, world.b_admin],
            ["GS1 company prefix"],
            swap_tenant=False,
        )
    )


def test_counts_are_cached_and_recounted_once_a_change_commits(world, client, django_capture_on_commit_callbacks):
    import re

    first, second = _po(world), _po(world, name="P07002")
    login(client, world.p1_user)
    url = reverse("po_list", args=["alpha"])

    def to_acknowledge():
        page = client.get(url).content.decode()
        return int(re.search(r"To acknowledge <span class=\"badge\">(\d+)</span>", page).group(1))

    assert to_acknowledge() == 2
    with django_capture_on_commit_callbacks(execute=False):  # as if its transaction had not committed yet
        client.post(reverse("po_acknowledge", args=["alpha", first.pk]), {"accept_all": "1"})
    assert to_acknowledge() == 2  # the cached count stands until the change commits
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("po_acknowledge", args=["alpha", second.pk]), {"accept_all": "1"})
    assert to_acknowledge() == 0  # recounted at once
