"""Every page of this app, tried by a user of another partner and of another tenant."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEntry, Invitation
from portal.services.invitations import invitation_create
from tests.scope import ScopeCase, assert_scoped

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


def test_scope_helper_fails_when_a_page_leaks(world, client):
    """The helper itself must be able to fail: a page visible to the intruder trips it."""
    case = ScopeCase(reverse("dashboard", args=["alpha"]), world.p1_user, [world.p2_user], ["Alpha Industries"])
    with pytest.raises(AssertionError):
        assert_scoped(case)
