"""A partner deactivated in the portal loses every way in through its people, and gets exactly that back.

Each path is tried as the partner's own supplier admin and user: first it answers them (so the check
can fail), then, deactivated, 404 with nothing of the partner's records in the body, then, reactivated,
the same answer as before.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.models import AuditEntry, Invitation, Membership, Partner
from portal.services.errors import NotInScope
from portal.services.invitations import invitation_create
from portal.services.memberships import membership_deactivate, membership_reactivate
from portal.services.partners import partner_deactivate, partner_reactivate
from portal.services.tokens import token_create
from suppliers.models import Certificate, Product, PurchaseOrder
from tests.conftest import login
from tests.factories import ProductFactory
from tests.suppliers.test_asn_pages import _submitted

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


@pytest.fixture
def desk(world):
    """Pinewood Parts (P1) with a submitted shipment, a certificate, an order and a colleague."""
    asn = _submitted(world)
    cert = Certificate(
        tenant=world.a,
        asn=asn,
        kind="coc",
        filename="coc.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=world.p1_user.user,
    )
    cert.file.save("coc.pdf", SimpleUploadedFile("coc.pdf", b"%PDF-1.4\n"), save=True)
    po = asn.orders.get()
    slug = "alpha"
    world.asn, world.cert, world.po = asn, cert, po
    # (url, who, markers in the owner's answer): pages, documents, files and management pages.
    world.paths = [
        (reverse("dashboard", args=[slug]), world.p1_user, ["Pinewood Parts"]),
        (reverse("po_list", args=[slug]), world.p1_user, [po.name]),
        (reverse("po_detail", args=[slug, po.pk]), world.p1_user, [po.name]),
        (reverse("po_pdf", args=[slug, po.pk]), world.p1_user, []),
        (reverse("po_acknowledge", args=[slug, po.pk]), world.p1_user, [po.name]),
        (reverse("asn_list", args=[slug]), world.p1_user, [asn.number]),
        (reverse("asn_new", args=[slug]), world.p1_user, [po.name]),
        (reverse("asn_detail", args=[slug, asn.pk]), world.p1_user, [asn.number, "R-77"]),
        (reverse("asn_pdf", args=[slug, asn.pk, "packing-slip"]), world.p1_user, []),
        (reverse("asn_pdf", args=[slug, asn.pk, "labels"]) + "?size=a6", world.p1_user, []),
        (reverse("asn_certificate", args=[slug, asn.pk, cert.pk]), world.p1_user, []),
        (reverse("asn_template", args=[slug, "csv"]), world.p1_user, []),
        (reverse("partner_detail", args=[slug, world.p1.pk]), world.p1_admin, [world.p1_user.user.email]),
        (reverse("partner_invite", args=[slug, world.p1.pk]), world.p1_admin, ["Pinewood Parts"]),
        (reverse("member_detail", args=[slug, world.p1_user.pk]), world.p1_admin, [world.p1_user.user.email]),
        (reverse("member_activation", args=[slug, world.p1_user.pk]), world.p1_admin, [world.p1_user.user.email]),
        (reverse("api_tokens", args=[slug]), world.p1_admin, ["API"]),
    ]
    return world


def _answers(paths) -> dict[str, int]:
    out = {}
    for url, who, _ in paths:
        client = Client()
        client.force_login(who.user)
        out[url] = client.get(url).status_code
    return out


def test_every_page_document_and_file_closes_and_reopens_with_the_partner(desk):
    before = _answers(desk.paths)
    assert set(before.values()) == {200}, before
    for url, who, markers in desk.paths:  # the markers prove the owner's answer holds the record
        client = Client()
        client.force_login(who.user)
        body = _body(client.get(url))
        assert all(m in body for m in markers), (url, markers)

    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk, reason="Contract ended")

    for url, who, markers in desk.paths:
        client = Client()
        client.force_login(who.user)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
            body = _body(response)
            for marker in [*markers, desk.po.name, desk.asn.number, "Pinewood Parts"]:
                assert marker not in body, f"404 for {url} leaks {marker!r}"
    # Writes through the pages do nothing either.
    client = login(Client(), desk.p1_user)
    client.post(reverse("asn_detail", args=["alpha", desk.asn.pk]), {"action": "cancel", "reason": "gone"})
    desk.asn.refresh_from_db()
    assert desk.asn.status == "submitted"
    # The home page no longer offers the tenant, nor does the tenant chooser.
    home = login(Client(), desk.p1_user)
    assert "/t/alpha/" not in _body(home.get(reverse("tenant_choose")))
    assert home.get(reverse("home")).status_code == 200  # the chooser, empty: not a redirect into alpha
    # Staff keep reading the partner's records.
    buyer = login(Client(), desk.a_buyer)
    assert buyer.get(reverse("po_detail", args=["alpha", desk.po.pk])).status_code == 200
    assert buyer.get(reverse("asn_detail", args=["alpha", desk.asn.pk])).status_code == 200
    # Another partner of the tenant is untouched.
    other = login(Client(), desk.p2_user)
    assert other.get(reverse("po_list", args=["alpha"])).status_code == 200

    partner_reactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    assert _answers(desk.paths) == before


def test_selectors_answer_nothing_to_a_membership_of_a_deactivated_partner(desk):
    """Even a membership object loaded before the deactivation, or from a task, reads nothing."""
    ProductFactory(tenant=desk.a, odoo_id=77, default_code="X-1", name="Visible to all members")
    fresh = Membership.objects.select_related("partner").get(pk=desk.p1_user.pk)
    assert PurchaseOrder.objects.visible_to(fresh).exists() and Product.objects.visible_to(fresh).exists()
    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    fresh = Membership.objects.select_related("partner").get(pk=desk.p1_user.pk)
    assert fresh.is_active and not fresh.has_access  # the membership itself is kept as it was
    for model in (PurchaseOrder, Product, Partner, Invitation):
        assert not model.objects.visible_to(fresh).exists(), model
    assert not Membership.objects.visible_to(fresh).exists()
    assert not Membership.objects.active().filter(pk=desk.p1_user.pk).exists()
    assert Membership.objects.active().filter(pk=desk.p2_user.pk).exists()
    assert Membership.objects.active().filter(pk=desk.a_buyer.pk).exists()  # staff have no partner


def test_only_a_tenant_admin_deactivates_and_both_directions_are_audited(desk, client):
    url = reverse("partner_activation", args=["alpha", desk.p1.pk])
    for outsider in (desk.a_buyer, desk.a_engineer, desk.p1_admin, desk.p2_admin, desk.b_admin):
        c = login(Client(), outsider)
        assert c.get(url).status_code == 404 and c.post(url).status_code == 404, outsider.role
        with pytest.raises(NotInScope):
            partner_deactivate(actor=outsider, partner_id=desk.p1.pk)
    with pytest.raises(NotInScope):  # another tenant's partner is not found
        partner_deactivate(actor=desk.b_admin, partner_id=desk.p1.pk)
    desk.p1.refresh_from_db()
    assert desk.p1.is_active

    token_create(actor=desk.p1_admin, name="ERP", scopes=["po:read"])
    invitation_create(actor=desk.a_admin, email="new@pinewood.example", role="supplier_user", partner=desk.p1)
    login(client, desk.a_admin)
    page = client.get(url).content.decode()
    assert "Deactivate <bdi>Pinewood Parts</bdi>?" in page
    assert "2 people of <bdi>Pinewood Parts</bdi>" in page and "1 API token is refused" in page
    assert "1 pending invitation cannot be accepted" in page
    too_long = client.post(url, {"reason": "x" * 501})
    assert too_long.status_code == 400 and "under 500 characters" in too_long.content.decode()
    desk.p1.refresh_from_db()
    assert desk.p1.is_active
    done = client.post(url, {"reason": "Contract ended"}, follow=True)
    assert "Pinewood Parts is deactivated" in done.content.decode()
    desk.p1.refresh_from_db()
    assert (desk.p1.is_active, desk.p1.status, desk.p1.deactivation_reason) == (False, "deactivated", "Contract ended")
    entry = AuditEntry.objects.get(action="partner.deactivated")
    assert entry.actor == desk.a_admin.user and entry.object_id == str(desk.p1.pk)
    assert entry.changes["is_active"] == [True, False] and entry.changes["reason"] == [None, "Contract ended"]
    assert entry.changes["suspended_people"] == [None, 2] and entry.changes["suspended_api_tokens"] == [None, 1]
    detail = client.get(reverse("partner_detail", args=["alpha", desk.p1.pk])).content.decode()
    assert "Deactivated" in detail and "Contract ended" in detail and "Invite a user" not in detail
    listing = client.get(reverse("partner_list", args=["alpha"])).content.decode()
    assert "Deactivated" in listing
    # Nobody is invited to a deactivated partner.
    assert client.get(reverse("partner_invite", args=["alpha", desk.p1.pk])).status_code == 302
    refused = client.post(
        reverse("partner_invite", args=["alpha", desk.p1.pk]), {"email": "x@pinewood.example", "role": "supplier_user"}
    )
    assert refused.status_code == 200 and "deactivated in the portal" in refused.content.decode()
    assert not Invitation.objects.filter(email="x@pinewood.example").exists()

    back = client.post(url, follow=True)
    assert "active again, with the access it had before" in back.content.decode()
    desk.p1.refresh_from_db()
    assert desk.p1.is_active and desk.p1.deactivated_at is None
    assert AuditEntry.objects.get(action="partner.reactivated").changes == {"is_active": [False, True]}


def test_memberships_follow_the_partner_and_are_given_back_as_they_were(desk):
    membership_deactivate(actor=desk.p1_admin, membership=desk.p1_user)  # one colleague was already out
    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    with pytest.raises(ValidationError, match="deactivated in the portal"):
        membership_reactivate(actor=desk.a_admin, membership=Membership.objects.get(pk=desk.p1_user.pk))
    with pytest.raises(NotInScope):  # the partner's own admin manages nobody now
        membership_deactivate(actor=desk.p1_admin, membership=desk.p1_user)
    partner_reactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    states = dict(Membership.objects.filter(partner=desk.p1).values_list("pk", "is_active"))
    assert states == {desk.p1_admin.pk: True, desk.p1_user.pk: False}  # exactly what was there
    client = login(Client(), desk.p1_user)
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 404
    client = login(Client(), desk.p1_admin)
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200


def test_a_tokens_membership_is_not_managed_as_a_person(desk):
    token, _ = token_create(actor=desk.p1_admin, name="ERP", scopes=["po:read"])
    for service in (membership_deactivate, membership_reactivate):
        with pytest.raises(NotInScope):
            service(actor=desk.a_admin, membership=token.membership)


def test_invitations_of_a_deactivated_partner_wait_and_then_work(desk, client):
    _, link = invitation_create(
        actor=desk.p1_admin, email="eva@pinewood.example", role="supplier_user", partner=desk.p1
    )
    url = reverse("invitation_accept", args=[link])
    assert client.get(url).status_code == 200
    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    held = client.get(url)
    assert held.status_code == 403 and "suspended" in held.content.decode()
    signup = {
        "first_name": "Eva",
        "last_name": "Lind",
        "password1": "a-long-passw0rd!",
        "password2": "a-long-passw0rd!",
    }
    assert client.post(url, signup).status_code == 403
    assert not Membership.objects.filter(user__email="eva@pinewood.example").exists()
    partner_reactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    joined = client.post(url, signup)
    assert joined.status_code == 302 and joined["Location"] == reverse("dashboard", args=["alpha"])
    assert Membership.objects.get(user__email="eva@pinewood.example").partner == desk.p1


def test_people_are_counted_alike_on_the_list_and_the_page_and_tokens_are_not_people(desk, client):
    token_create(actor=desk.p1_admin, name="ERP", scopes=["po:read"])
    token_create(actor=desk.p1_admin, name="WMS", scopes=["po:read"])
    login(client, desk.a_buyer)
    listing = client.get(reverse("partner_list", args=["alpha"])).content.decode()
    row = listing[listing.index("Pinewood Parts") :].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in row  # its admin and its user; not the two tokens
    page = client.get(reverse("partner_detail", args=["alpha", desk.p1.pk])).content.decode()
    assert "uses the portal yet" not in page
    assert desk.p1_admin.user.email in page and desk.p1_user.user.email in page
    assert "@tokens.invalid" not in page
    assert ">Deactivate<" not in page  # a buyer sees the people, a tenant admin manages them


def test_archived_in_odoo_the_pull_closes_the_partner_and_a_full_pull_keeps_a_portal_deactivation(synced, request):
    from integrations.odoo import OdooGateway
    from integrations.services.pull import tenant_pull

    request.addfinalizer(lambda: synced.sim.control("reset"))  # leave the session's simulator as seeded
    tenant, supplier = synced.tenant, synced.supplier
    admin = OdooGateway(synced.sim.config(transport="jsonrpc", login="admin", password="admin"))
    page = reverse("po_list", args=[tenant.slug])
    client = login(Client(), supplier)
    assert client.get(page).status_code == 200
    admin.write("res.partner", [11], {"active": False})
    tenant_pull(tenant=tenant)
    partner = Partner.objects.get(tenant=tenant, odoo_id=11)
    assert (partner.is_active, partner.status) == (False, "archived")
    assert client.get(page).status_code == 404
    admin.write("res.partner", [11], {"active": True})
    tenant_pull(tenant=tenant)
    assert client.get(page).status_code == 200

    tenant_admin = synced.admin
    partner_deactivate(actor=tenant_admin, partner_id=partner.pk)
    admin.write("res.partner", [11], {"email": "orders-new@nordic-fasteners.example"})  # a change in Odoo
    tenant_pull(tenant=tenant)
    tenant_pull(tenant=tenant, full=True)  # the nightly full pull rewrites every partner
    partner.refresh_from_db()
    assert partner.email == "orders-new@nordic-fasteners.example"
    assert (partner.odoo_active, partner.is_active, partner.status) == (True, False, "deactivated")
    assert client.get(page).status_code == 404


def test_a_deactivated_partners_people_get_no_mail_about_its_orders(desk, mailoutbox):
    from suppliers.services.notifications import send

    assert send("po_changed", desk.po.pk) == 2 and desk.p1_user.user.email in mailoutbox[0].to
    mailoutbox.clear()
    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    assert send("po_changed", desk.po.pk) == 0 and mailoutbox == []


def test_a_scoped_buyer_keeps_its_grant_on_a_deactivated_partner_through_a_scope_edit(desk):
    from portal.services.memberships import membership_scope_set

    membership_scope_set(actor=desk.a_admin, membership=desk.a_buyer, all_partners=False, partners=[desk.p1])
    partner_deactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    buyer = Membership.objects.get(pk=desk.a_buyer.pk)
    assert list(Partner.objects.visible_to(buyer)) == [desk.p1]  # staff still read its history
    # The scope form offers only active partners; saving it with P2 must not drop P1.
    membership_scope_set(actor=desk.a_admin, membership=buyer, all_partners=False, partners=[desk.p2])
    partner_reactivate(actor=desk.a_admin, partner_id=desk.p1.pk)
    buyer = Membership.objects.get(pk=desk.a_buyer.pk)
    assert sorted(p.pk for p in Partner.objects.visible_to(buyer)) == sorted([desk.p1.pk, desk.p2.pk])
