"""Every page of this app, tried by a user of another partner and of another tenant."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEntry, Invitation
from portal.services.invitations import invitation_create
from tests.scope import ApiScopeCase, ScopeCase, assert_api_scoped, assert_scoped

pytestmark = pytest.mark.django_db


def test_tenant_pages_answer_404_to_other_tenants(world):
    tenant_level = dict(swap_tenant=False)
    cases = [
        ScopeCase(
            reverse("dashboard", args=["alpha"]),
            world.p1_user,
            [world.b_admin, world.q1_admin],
            ["Alpha Industries"],
            **tenant_level,
        ),
        ScopeCase(
            reverse("partner_list", args=["alpha"]), world.a_buyer, [world.b_admin], ["Pinewood Parts"], **tenant_level
        ),
        ScopeCase(
            reverse("member_list", args=["alpha"]),
            world.a_admin,
            [world.b_admin],
            [world.p1_user.user.email],
            **tenant_level,
        ),
        ScopeCase(
            reverse("audit_list", args=["alpha"]),
            world.a_admin,
            [world.b_admin],
            ["membership.created"],
            **tenant_level,
        ),
        ScopeCase(
            reverse("member_invite", args=["alpha"]),
            world.a_admin,
            [world.b_admin],
            ["Alpha Industries"],
            **tenant_level,
        ),
    ]
    for case in cases:
        assert_scoped(case)


def test_partner_pages_answer_404_to_other_partner_and_other_tenant(world):
    url = reverse("partner_detail", args=["alpha", world.p1.pk])
    assert_scoped(
        ScopeCase(
            url,
            world.p1_user,
            [world.p2_admin, world.p2_user, world.b_admin, world.q1_admin],
            ["Pinewood Parts", world.p1_user.user.email],
        )
    )
    invite = reverse("partner_invite", args=["alpha", world.p1.pk])
    assert_scoped(
        ScopeCase(invite, world.p1_admin, [world.p2_admin, world.b_admin, world.q1_admin], ["Pinewood Parts"])
    )


def test_member_pages_answer_404_outside_scope(world):
    colleague = world.p1_user
    for name in ("member_detail", "member_activation"):
        url = reverse(name, args=["alpha", colleague.pk])
        assert_scoped(
            ScopeCase(url, world.p1_admin, [world.p2_admin, world.b_admin, world.q1_admin], [colleague.user.email])
        )
    scope_url = reverse("member_scope", args=["alpha", world.a_buyer.pk])
    assert_scoped(
        ScopeCase(
            scope_url,
            world.a_admin,
            [world.p1_admin, world.b_admin],
            [],
            method="post",
            data={"all_partners": "on"},
            owner_status=None,
        )
    )


def test_invitation_revoke_answers_404_outside_scope(world):
    invitation, _ = invitation_create(
        actor=world.p1_admin, email="new@pinewood.test", role="supplier_user", partner=world.p1
    )
    url = reverse("invitation_revoke", args=["alpha", invitation.pk])
    assert_scoped(
        ScopeCase(
            url, world.p1_admin, [world.p2_admin, world.b_admin, world.q1_admin], [], method="post", owner_status=None
        )
    )
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_audit_entry_answers_404_outside_scope(world):
    entry = AuditEntry.objects.get(tenant=world.a, action="membership.created", object_id=str(world.p1_user.pk))
    url = reverse("audit_detail", args=["alpha", entry.pk])
    assert_scoped(ScopeCase(url, world.a_admin, [world.p1_admin, world.a_buyer, world.b_admin], [entry.object_repr]))


def test_partner_api_certificates_and_order_numbers_answer_404_outside_scope(world):
    """The API's newer doors (orders by their Odoo number, certificates up, down and out, OPTIONS)
    tried with tokens of another partner and of another tenant: 404, nothing told, nothing changed."""
    import io

    from portal.api.scopes import api_scopes
    from portal.services.tokens import token_create
    from suppliers.models import Certificate
    from tests.api.conftest import bearer, make_order

    def secret(admin):
        return token_create(actor=admin, name="ERP", scopes=list(api_scopes()), expires_in_days=1)[1]

    owner, intruders = secret(world.p1_admin), [secret(world.p2_admin), secret(world.q1_admin)]
    po = make_order(world.a, world.p1, "P40001")
    make_order(world.b, world.q1, "P40002")
    client = bearer(owner)
    asn = client.post("/api/v1/asns/", {"orders": ["P40001"]}, format="json").json()

    def pdf():
        upload = io.BytesIO(b"%PDF-1.4 certificate")
        upload.name = "coc-P40001.pdf"
        return {"file": upload, "kind": "coc"}

    upload_url = f"/api/v1/asns/{asn['id']}/certificates/"
    assert_api_scoped(
        ApiScopeCase(upload_url, owner, intruders, method="post", format="multipart", owner_status=201),
        data_factory=pdf,
    )
    cert = Certificate.objects.get()
    cert_url = f"/api/v1/asns/{asn['id']}/certificates/{cert.pk}/"
    cases = [
        ApiScopeCase(cert_url, owner, intruders, ["%PDF"]),
        ApiScopeCase(f"/api/v1/purchase-orders/{po.name}/", owner, intruders, ["Resin"]),
        ApiScopeCase(f"/api/v1/purchase-orders/{po.name}/lines/", owner, intruders, ["Resin"]),
        ApiScopeCase(f"/api/v1/purchase-orders/{po.name}/acknowledgements/", owner, intruders, []),
        ApiScopeCase(f"/api/v1/asns/{asn['id']}/", owner, intruders, ["PATCH"], method="options"),
        ApiScopeCase(upload_url, owner, intruders, ["lot_name"], method="options"),
        ApiScopeCase(cert_url, owner, intruders, [], method="options"),
        ApiScopeCase(f"/api/v1/purchase-orders/{po.name}/", owner, intruders, ["GET"], method="options"),
        ApiScopeCase(cert_url, owner, intruders, [], method="delete", owner_status=None),
        ApiScopeCase(
            f"/api/v1/purchase-orders/{po.name}/acknowledgements/",
            owner,
            intruders,
            [],
            method="post",
            data={"accept_all": True},
            owner_status=None,
        ),
    ]
    for case in cases:
        assert_api_scoped(case)
    assert Certificate.objects.filter(pk=cert.pk).exists() and Certificate.objects.count() == 1
    assert not po.acknowledgements.exists()


def test_scope_helper_fails_when_a_page_leaks(world, client):
    """The helper itself must be able to fail: a page visible to the intruder trips it."""
    case = ScopeCase(reverse("dashboard", args=["alpha"]), world.p1_user, [world.p2_user], ["Alpha Industries"])
    with pytest.raises(AssertionError):
        assert_scoped(case)
