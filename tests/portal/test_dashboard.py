"""Dashboards say what there is: a supplier's shipments and the way to announce one, the other side's
messages on orders, and people counted as people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.models import Role
from portal.services.tokens import token_create
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine, rules_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from suppliers.services.po_messages import po_message_post
from tests.conftest import login
from tests.factories import member
from tests.suppliers.inputs import asn_header, asn_lines

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)


def _order(tenant, partner, name: str, odoo_id: int) -> PurchaseOrder:
    bolt, _ = Product.objects.get_or_create(
        tenant=tenant, odoo_id=60, defaults={"default_code": "M8", "name": "Bolt", "tracking": "none"}
    )
    po = PurchaseOrder.objects.create(
        tenant=tenant, partner=partner, odoo_id=odoo_id, name=name, state="purchase", date_planned=SOON
    )
    PurchaseOrderLine.objects.create(
        tenant=tenant, order=po, odoo_id=odoo_id * 10, product=bolt, description="Bolt", quantity=100, date_planned=SOON
    )
    return po


def _shipment(world, po, *, submit: bool, by=None):
    by = by or world.p1_admin
    asn = asn_create(membership=by, po_ids=[po.pk])
    asn_update(
        membership=by,
        asn_id=asn.pk,
        header=asn_header(by, {"ship_date": SOON.date().isoformat(), "eta": SOON.date().isoformat() + "T10:00"}),
        lines=asn_lines([{"order_line": po.lines.get().pk, "quantity": "10", "items": []}]),
    )
    if submit:
        asn_submit(membership=by, asn_id=asn.pk)
    return asn


def _card(html: str, heading: str) -> str:
    start = html.index(f">{heading}</h3>")
    return html[start : html.index("</section>", start)]


def test_the_supplier_shipments_card_counts_and_offers_to_announce(client, world):
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    login(client, world.p1_user)
    url = reverse("dashboard", args=["alpha"])
    empty = _card(client.get(url).content.decode(), "Shipments")
    assert "No shipments announced." in empty and "Announce a shipment" not in empty  # no open order to ship
    assert "there are none right now" in empty

    po = _order(world.a, world.p1, "P00441", 441)
    cache.clear()  # the order counts are cached per member; a pull that brings orders resets them
    draft = _shipment(world, po, submit=False)
    sent = _shipment(world, _order(world.a, world.p1, "P00442", 442), submit=True)
    theirs = _shipment(world, _order(world.a, world.p2, "P00443", 443), submit=False, by=world.p2_admin)
    card = _card(client.get(url).content.decode(), "Shipments")
    assert theirs.number not in card
    assert "No shipments announced." not in card
    assert ">1</span> draft to submit" in card and "1 on the way" in card
    assert draft.number in card and sent.number in card
    assert f'href="{reverse("asn_new", args=["alpha"])}">Announce a shipment</a>' in card


def test_the_dashboard_costs_the_same_queries_with_one_shipment_or_many(client, world, django_assert_num_queries):
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    login(client, world.p1_admin)
    url = reverse("dashboard", args=["alpha"])
    _shipment(world, _order(world.a, world.p1, "P00400", 400), submit=True)
    _shipment(world, _order(world.a, world.p1, "P00401", 401), submit=False)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(2, 7):
        _shipment(world, _order(world.a, world.p1, f"P0040{n}", 400 + n), submit=n % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_the_buyer_sees_the_suppliers_messages_and_which_wait_for_an_answer(client, world):
    po = _order(world.a, world.p1, "P00441", 441)
    other = _order(world.a, world.p2, "P00450", 450)
    po_message_post(membership=world.p1_user, po_id=po.pk, body="The resin ships in two lots, is that fine?")
    po_message_post(membership=world.p2_admin, po_id=other.pk, body="Castings are a week late.")
    po_message_post(membership=world.a_buyer, po_id=other.pk, body="Noted, thanks.")
    login(client, world.a_buyer)
    card = _card(client.get(reverse("dashboard", args=["alpha"])).content.decode(), "Messages from suppliers")
    assert "The resin ships in two lots, is that fine?" in card and "Castings are a week late." in card
    assert "Noted, thanks." not in card  # the buyer's own side
    # The unanswered one is marked; the answered one is not.
    resin = card[card.index("P00441") : card.index("</li>", card.index("P00441"))]
    castings = card[card.index("P00450") : card.index("</li>", card.index("P00450"))]
    assert "Not answered" in resin and "Not answered" not in castings
    assert f"{reverse('po_detail', args=['alpha', po.pk])}#messages" in card

    # The supplier sees the buyer's side; another supplier sees nothing of it.
    login(client, world.p2_admin)
    card = _card(
        client.get(reverse("dashboard", args=["alpha"])).content.decode(), "Messages from <bdi>Alpha Industries</bdi>"
    )
    assert "Noted, thanks." in card and "resin" not in card
    login(client, world.p1_admin)
    card = _card(
        client.get(reverse("dashboard", args=["alpha"])).content.decode(), "Messages from <bdi>Alpha Industries</bdi>"
    )
    assert "No messages." in card


def test_a_buyer_scoped_to_one_supplier_sees_only_its_messages(client, world):
    from portal.services.memberships import membership_scope_set

    po = _order(world.a, world.p1, "P00441", 441)
    other = _order(world.a, world.p2, "P00450", 450)
    po_message_post(membership=world.p1_user, po_id=po.pk, body="From Pinewood")
    po_message_post(membership=world.p2_user, po_id=other.pk, body="From Quarry")
    scoped = member(world.a, Role.BUYER)
    membership_scope_set(actor=world.a_admin, membership=scoped, all_partners=False, partners=[world.p2])
    login(client, scoped)
    card = _card(client.get(reverse("dashboard", args=["alpha"])).content.decode(), "Messages from suppliers")
    assert "From Quarry" in card and "From Pinewood" not in card


def test_a_partners_people_are_counted_the_same_on_both_pages_and_never_its_api_clients(client, world):
    for name in ("ERP", "Label printer", "WMS"):
        token_create(actor=world.p1_admin, name=name, scopes=["po:read"])
    login(client, world.a_buyer)
    listing = client.get(reverse("partner_list", args=["alpha"])).content.decode()
    row = listing[listing.index("Pinewood Parts") : listing.index("</tr>", listing.index("Pinewood Parts"))]
    assert '<td class="num">2</td>' in row  # p1_admin and p1_user; not the three tokens
    detail = client.get(reverse("partner_detail", args=["alpha", world.p1.pk])).content.decode()
    assert "uses the portal yet" not in detail
    assert world.p1_admin.user.email in detail and world.p1_user.user.email in detail
    assert "tokens.invalid" not in detail  # an API client's address


def test_the_supplier_admins_team_card_counts_people_only(client, world):
    token_create(actor=world.p1_admin, name="ERP", scopes=["po:read"])
    login(client, world.p1_admin)
    html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert '<span class="stat">2</span> active users' in html


@pytest.mark.parametrize("role", ["a_buyer", "a_inspector", "a_engineer"])
def test_staff_see_what_is_on_its_way_to_the_dock_soonest_first(client, world, role):
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    later = _shipment(world, _order(world.a, world.p1, "P00441", 441), submit=True)
    later.eta = SOON + timedelta(days=3)
    later.save(update_fields=["eta"])
    sooner = _shipment(world, _order(world.a, world.p2, "P00442", 442), submit=True, by=world.p2_admin)
    draft = _shipment(world, _order(world.a, world.p1, "P00443", 443), submit=False)
    login(client, getattr(world, role))
    card = _card(client.get(reverse("dashboard", args=["alpha"])).content.decode(), "Shipments on the way")
    assert ">2</span> announced, not received yet" in card
    assert card.index(sooner.number) < card.index(later.number) and draft.number not in card
