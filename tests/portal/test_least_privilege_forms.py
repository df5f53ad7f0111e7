"""Forms that hand out rights start from the least: an invitation from the least privileged role, a new
API token from no scope at all; more is what the person ticks."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models import ApiToken, Role
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _role_options(html: str) -> list[tuple[str, bool]]:
    select = re.search(r'<select name="role"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, bool(selected)) for value, selected in re.findall(r'<option value="(\w+)"( selected)?', select)]


def test_a_supplier_invitation_defaults_to_supplier_user(client, world):
    login(client, world.p1_admin)
    options = _role_options(client.get(reverse("partner_invite", args=["alpha", world.p1.pk])).content.decode())
    assert options == [(Role.SUPPLIER_USER, True), (Role.SUPPLIER_ADMIN, False)]
    # A tenant admin inviting for a supplier starts from the same.
    login(client, world.a_admin)
    options = _role_options(client.get(reverse("partner_invite", args=["alpha", world.p1.pk])).content.decode())
    assert options[0] == (Role.SUPPLIER_USER, True)


def test_a_staff_invitation_defaults_to_inspector_and_lists_roles_by_privilege(client, world):
    login(client, world.a_admin)
    html = client.get(reverse("member_invite", args=["alpha"])).content.decode()
    assert _role_options(html) == [
        (Role.INSPECTOR, True),
        (Role.QUALITY_ENGINEER, False),
        (Role.BUYER, False),
        (Role.TENANT_ADMIN, False),
    ]
    assert "Tenant admin: everything, including members, Odoo and rules" in html


def test_an_invitation_sent_with_errors_keeps_the_role_chosen(client, world):
    login(client, world.p1_admin)
    response = client.post(
        reverse("partner_invite", args=["alpha", world.p1.pk]), {"email": "not an address", "role": "supplier_admin"}
    )
    assert response.status_code == 200
    assert (Role.SUPPLIER_ADMIN, True) in _role_options(response.content.decode())


def _ticked(html: str) -> list[str]:
    return re.findall(r'name="scopes" value="([\w:]+)" checked', html)


def test_a_new_token_starts_with_no_scope_ticked_and_needs_one(client, world):
    login(client, world.p1_admin)
    url = reverse("api_tokens", args=["alpha"])
    html = client.get(url).content.decode()
    assert re.findall(r'name="scopes" value="([\w:]+)"', html) == [
        "po:read",
        "po:acknowledge",
        "asn:read",
        "asn:write",
        "quality:read",
        "scar:respond",
    ]
    assert _ticked(html) == []
    refused = client.post(url, {"action": "create", "name": "ERP", "expires_in_days": "30"})
    assert refused.status_code == 400 and "Choose at least one scope." in refused.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_form_sent_back_keeps_exactly_the_scopes_and_expiry_chosen(client, world):
    login(client, world.p1_admin)
    url = reverse("api_tokens", args=["alpha"])
    # No name: refused, and what was chosen is kept (both scopes, not every scope containing "read").
    response = client.post(
        url, {"action": "create", "name": "", "scopes": ["po:read", "asn:write"], "expires_in_days": "180"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert _ticked(html) == ["po:read", "asn:write"]
    assert '<option value="180" selected>' in html and '<option value="90" selected>' not in html
    created = client.post(url, {"action": "create", "name": "ERP", "scopes": ["po:read"], "expires_in_days": "30"})
    assert created.status_code == 200 and ApiToken.objects.get().scopes == ["po:read"]
    assert _ticked(created.content.decode()) == []  # the next one starts from nothing again
