"""Invitations end to end: email, link, new and existing accounts, bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from portal.models import AuditEntry, Invitation, Membership, User
from portal.services.invitations import invitation_create, invitation_revoke, invitation_signup
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _link_from_outbox() -> str:
    match = re.search(r"http://[^\s]+/invitations/[^\s/]+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0).split("8000", 1)[-1] if ":8000" in match.group(0) else match.group(0)


def test_tenant_admin_invites_supplier_admin_who_signs_up(world, client, django_capture_on_commit_callbacks):
    login(client, world.a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partner_invite", args=["alpha", world.p1.pk]),
            {"email": "Olga@Pinewood.test", "role": "supplier_admin"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["olga@pinewood.test"]
    assert "Pinewood Parts" in mail.outbox[0].body
    path = _link_from_outbox()
    client.logout()

    page = client.get(path)
    assert page.status_code == 200 and "Create your account" in page.content.decode()

    bad = client.post(
        path,
        {
            "first_name": "Olga",
            "last_name": "Berg",
            "password1": "long-enough-pass-1",
            "password2": "different-pass-22",
        },
    )
    assert bad.status_code == 200
    assert "The two passwords differ." in bad.content.decode()
    assert 'value="Olga"' in bad.content.decode()
    assert not User.objects.filter(email="olga@pinewood.test").exists()

    ok = client.post(
        path,
        {
            "first_name": "Olga",
            "last_name": "Berg",
            "password1": "long-enough-pass-1",
            "password2": "long-enough-pass-1",
        },
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("dashboard", args=["alpha"])
    user = User.objects.get(email="olga@pinewood.test")
    membership = Membership.objects.get(user=user, tenant=world.a)
    assert membership.role == "supplier_admin" and membership.partner == world.p1
    assert get_perms(user, world.p1) == ["access_partner"] and get_perms(user, world.p2) == []
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200
    assert set(AuditEntry.objects.filter(tenant=world.a, actor=user).values_list("action", flat=True)) == {
        "invitation.accepted"
    }

    again = client.get(path)
    assert again.status_code == 404 and "used already" in again.content.decode()


def test_supplier_admin_invites_colleague_for_own_partner(world, client, django_capture_on_commit_callbacks):
    login(client, world.p1_admin)
    form = client.get(reverse("partner_invite", args=["alpha", world.p1.pk])).content.decode()
    assert 'value="supplier_user"' in form and 'value="tenant_admin"' not in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partner_invite", args=["alpha", world.p1.pk]),
            {"email": "mate@pinewood.test", "role": "supplier_user"},
        )
    invitation = Invitation.objects.get(email="mate@pinewood.test")
    assert invitation.partner == world.p1 and invitation.invited_by == world.p1_admin.user


def test_existing_user_of_another_tenant_gets_a_membership_not_a_second_account(
    world, client, django_capture_on_commit_callbacks
):
    outsider = world.q1_admin.user
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _, token = invitation_create(
            actor=world.a_admin, email=outsider.email.upper(), role="supplier_user", partner=world.p2
        )
    path = reverse("invitation_accept", args=[token])

    anonymous = client.get(path)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]

    login(client, world.p1_user)  # signed in as somebody else
    assert client.post(path).status_code == 403
    assert not Membership.objects.filter(user=outsider, tenant=world.a).exists()

    login(client, world.q1_admin)
    assert "Accept and join" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert User.objects.count() == users_before
    assert Membership.objects.filter(user=outsider).count() == 2
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200
    assert client.get(reverse("dashboard", args=["beta"])).status_code == 200


def test_inviting_a_current_member_is_a_field_error(world, client):
    login(client, world.a_admin)
    response = client.post(
        reverse("member_invite", args=["alpha"]), {"email": world.a_buyer.user.email, "role": "buyer"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "is already a member of Alpha Industries" in body
    assert world.a_buyer.user.email in body
    assert not Invitation.objects.filter(email=world.a_buyer.user.email).exists()


def test_invalid_email_and_role_are_field_errors(world, client):
    login(client, world.a_admin)
    response = client.post(reverse("member_invite", args=["alpha"]), {"email": "not-an-email", "role": "supplier_user"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in body
    assert "Select a valid choice" in body
    assert Invitation.objects.count() == 0


def test_new_invitation_replaces_pending_one_and_revoked_link_stops_working(world, client):
    first, first_token = invitation_create(actor=world.a_admin, email="twice@x.test", role="buyer", partner=None)
    second, _ = invitation_create(actor=world.a_admin, email="twice@x.test", role="inspector", partner=None)
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending"
    response = client.get(reverse("invitation_accept", args=[first_token]))
    assert response.status_code == 404 and "withdrawn" in response.content.decode()


def test_expired_and_unknown_links(world, client):
    invitation, token = invitation_create(actor=world.a_admin, email="late@x.test", role="buyer", partner=None)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "expired" in client.get(reverse("invitation_accept", args=[token])).content.decode()
    assert client.get(reverse("invitation_accept", args=["made-up-token"])).status_code == 404


def test_signup_on_an_invitation_revoked_meanwhile_writes_nothing(world):
    invitation, _ = invitation_create(actor=world.a_admin, email="race@x.test", role="buyer", partner=None)
    stale = Invitation.objects.get(pk=invitation.pk)
    invitation_revoke(actor=world.a_admin, invitation=invitation)
    with pytest.raises(Exception, match="revoked"):
        invitation_signup(invitation=stale, first_name="R", last_name="Ace", password="long-enough-pass-1")
    assert not User.objects.filter(email="race@x.test").exists()
    assert not Membership.objects.filter(user__email="race@x.test").exists()


def test_revoke_from_partner_page(world, client):
    invitation, _ = invitation_create(
        actor=world.p1_admin, email="gone@pinewood.test", role="supplier_user", partner=world.p1
    )
    login(client, world.p1_admin)
    response = client.post(reverse("invitation_revoke", args=["alpha", invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert AuditEntry.objects.filter(action="invitation.revoked", object_id=str(invitation.pk)).exists()
