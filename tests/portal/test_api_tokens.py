"""The API tokens page: a supplier admin creates, rotates and revokes; the secret is shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import ApiToken, AuditEntry, Membership
from portal.services.tokens import token_authenticate
from tests.conftest import login
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db


def test_supplier_admin_creates_a_token_seen_once_then_rotates_and_revokes_it(world, client):
    login(client, world.p1_admin)
    url = reverse("api_tokens", args=["alpha"])
    assert "No tokens yet" in client.get(url).content.decode()
    bad = client.post(url, {"action": "create", "name": "", "scopes": ["po:read", "root"], "expires_in_days": "9999"})
    page = bad.content.decode()
    assert bad.status_code == 400 and "Name the token" in page and "Unknown scope root" in page and "1 to 365" in page
    created = client.post(
        url, {"action": "create", "name": "SAP connector", "scopes": ["po:read", "asn:write"], "expires_in_days": "90"}
    )
    page = created.content.decode()
    token = ApiToken.objects.get()
    secret = page.split('value="', 1)[1].split('"', 1)[0] if 'id="secret"' in page else ""
    secret = page[page.index('id="secret"') :].split('value="', 1)[1].split('"', 1)[0]
    assert created["Cache-Control"] == "no-store" and secret.startswith(f"sqp_{token.prefix}_")
    assert token_authenticate(secret) == token and token.scopes == ["asn:write", "po:read"]
    listing = client.get(url).content.decode()
    assert "SAP connector" in listing and secret not in listing and f"sqp_{token.prefix}_…" in listing
    assert "@tokens.invalid" not in client.get(reverse("partner_detail", args=["alpha", world.p1.pk])).content.decode()
    rotated = client.post(url, {"action": "rotate", "token": token.pk}).content.decode()
    new_secret = rotated[rotated.index('id="secret"') :].split('value="', 1)[1].split('"', 1)[0]
    assert token_authenticate(secret) is None and token_authenticate(new_secret).pk == token.pk
    client.post(url, {"action": "revoke", "token": token.pk})
    assert token_authenticate(new_secret) is None
    assert not Membership.objects.get(pk=token.membership_id).is_active
    assert list(
        AuditEntry.objects.filter(action__startswith="api_token").values_list("action", flat=True).order_by("id")
    ) == ["api_token.created", "api_token.rotated", "api_token.revoked"]


def test_tokens_page_is_for_the_partners_own_admin_only(world, client):
    from portal.services.tokens import token_create

    token, _ = token_create(actor=world.p1_admin, name="Pinewood SAP link", scopes=["po:read"])
    url = reverse("api_tokens", args=["alpha"])
    assert_scoped(
        ScopeCase(
            url,
            world.p1_admin,
            [world.p1_user, world.a_admin, world.a_buyer, world.b_admin],
            ["Pinewood SAP link"],
            swap_tenant=False,
        )
    )
    login(client, world.p2_admin)
    assert (
        "Pinewood SAP link" not in client.get(url).content.decode()
    )  # another supplier's admin sees only its own tokens
    assert client.post(url, {"action": "revoke", "token": token.pk}).status_code == 404
    assert client.post(url, {"action": "revoke", "token": "1 OR 1"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_scopes_are_the_apps_registered_ones_in_their_order(world, client):
    """The portal names no scope itself: the suppliers app registers its four (suppliers/api/registration.py)
    and quality its two (quality/api/registration.py),
    the tokens page offers them with their labels, and token_create takes those and no other."""
    from pathlib import Path

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured, ValidationError

    from portal.api.scopes import api_scopes, scopes_register
    from portal.services.tokens import token_create

    assert api_scopes() == {
        "po:read": "Read purchase orders",
        "po:acknowledge": "Acknowledge purchase orders",
        "asn:read": "Read shipments (ASNs)",
        "asn:write": "Create, change, submit and cancel shipments",
        "quality:read": "Read inspection results of your lots and your scorecard",
        "scar:respond": "Read corrective action requests (SCAR / 8D), answer their steps and attach evidence",
    }
    login(client, world.p1_admin)
    page = client.get(reverse("api_tokens", args=["alpha"])).content.decode()
    labels = [page.index(label) for label in api_scopes().values()]
    assert labels == sorted(labels)
    with pytest.raises(ValidationError, match="Unknown scope ncr:write"):
        token_create(actor=world.p1_admin, name="ERP", scopes=["ncr:write"], expires_in_days=1)
    scopes_register({"po:read": "Read purchase orders"})  # the same again changes nothing
    with pytest.raises(ImproperlyConfigured, match="po:read is registered twice"):
        scopes_register({"po:read": "Read every order"})
    assert api_scopes()["po:read"] == "Read purchase orders"
    portal_code = [p for p in Path(settings.BASE_DIR, "portal").rglob("*.py") if "migrations" not in p.parts]
    assert not [p for p in portal_code if any(name in p.read_text() for name in api_scopes())]
