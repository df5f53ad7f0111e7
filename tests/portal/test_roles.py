"""What each role may and may not do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import get_perms

from portal.models import Invitation, Membership, Partner
from portal.services.errors import NotInScope
from portal.services.invitations import invitation_create
from portal.services.memberships import membership_deactivate, membership_scope_set
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_supplier_user_cannot_invite_or_manage(world, client):
    login(client, world.p1_user)
    assert client.get(reverse("partner_invite", args=["alpha", world.p1.pk])).status_code == 404
    response = client.post(
        reverse("partner_invite", args=["alpha", world.p1.pk]), {"email": "x@y.test", "role": "supplier_user"}
    )
    assert response.status_code == 404
    assert not Invitation.objects.filter(email="x@y.test").exists()
    for name in ("member_list", "member_invite", "audit_list", "partner_list"):
        assert client.get(reverse(name, args=["alpha"])).status_code == 404, name
    with pytest.raises(NotInScope):
        invitation_create(actor=world.p1_user, email="x@y.test", role="supplier_user", partner=world.p1)


def test_supplier_user_cannot_reach_django_admin(world, client):
    login(client, world.p1_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_supplier_sees_only_its_partner(world, client):
    login(client, world.p1_user)
    assert list(Partner.objects.visible_to(world.p1_user)) == [world.p1]
    assert client.get(reverse("partner_detail", args=["alpha", world.p1.pk])).status_code == 200
    assert client.get(reverse("partner_detail", args=["alpha", world.p2.pk])).status_code == 404
    assert get_perms(world.p1_user.user, world.p1) == ["access_partner"]
    assert get_perms(world.p1_user.user, world.p2) == []


def test_supplier_admin_cannot_grant_scope_on_another_partner(world, client):
    login(client, world.p1_admin)
    url = reverse("partner_invite", args=["alpha", world.p2.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "spy@pinewood.test", "role": "supplier_admin"}).status_code == 404
    assert not Invitation.objects.filter(email="spy@pinewood.test").exists()
    with pytest.raises(NotInScope):
        invitation_create(actor=world.p1_admin, email="spy@pinewood.test", role="supplier_admin", partner=world.p2)
    with pytest.raises(NotInScope):
        membership_scope_set(actor=world.p1_admin, membership=world.p1_user, all_partners=False, partners=[world.p2])
    with pytest.raises(ValidationError):
        invitation_create(actor=world.p1_admin, email="boss@pinewood.test", role="tenant_admin", partner=world.p1)
    response = client.post(reverse("member_scope", args=["alpha", world.p1_user.pk]), {"partners": [world.p2.pk]})
    assert response.status_code == 404
    assert get_perms(world.p1_user.user, world.p2) == []


def test_supplier_admin_deactivates_own_colleague_only(world, client):
    login(client, world.p1_admin)
    assert client.post(reverse("member_activation", args=["alpha", world.p2_user.pk])).status_code == 404
    assert Membership.objects.get(pk=world.p2_user.pk).is_active
    response = client.post(reverse("member_activation", args=["alpha", world.p1_user.pk]))
    assert response.status_code == 302
    world.p1_user.refresh_from_db()
    assert not world.p1_user.is_active
    assert get_perms(world.p1_user.user, world.p1) == []
    login(client, world.p1_user)
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 404
    with pytest.raises(ValidationError):
        membership_deactivate(actor=world.p1_admin, membership=world.p1_admin)


def test_buyer_scoped_to_a_subset_sees_only_those_partners(world, client):
    membership_scope_set(actor=world.a_admin, membership=world.a_buyer, all_partners=False, partners=[world.p2])
    world.a_buyer.refresh_from_db()
    assert list(Partner.objects.visible_to(world.a_buyer)) == [world.p2]
    login(client, world.a_buyer)
    body = client.get(reverse("partner_list", args=["alpha"])).content.decode()
    assert "Quarry Metals" in body and "Pinewood Parts" not in body
    assert client.get(reverse("partner_detail", args=["alpha", world.p1.pk])).status_code == 404


def test_tenant_admin_sets_scope_through_the_page(world, client):
    login(client, world.a_admin)
    url = reverse("member_scope", args=["alpha", world.a_engineer.pk])
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Choose at least one supplier" in response.content.decode()
    response = client.post(url, {"partners": [world.p1.pk]})
    assert response.status_code == 302
    world.a_engineer.refresh_from_db()
    assert not world.a_engineer.all_partners
    assert list(Partner.objects.visible_to(world.a_engineer)) == [world.p1]


def test_tampered_partner_of_other_tenant_answers_404(world, client):
    login(client, world.a_admin)
    assert client.get(reverse("partner_detail", args=["alpha", world.q1.pk])).status_code == 404
    assert client.get(reverse("partner_invite", args=["alpha", world.q1.pk])).status_code == 404
    with pytest.raises(NotInScope):
        invitation_create(actor=world.a_admin, email="x@q.test", role="supplier_admin", partner=world.q1)
