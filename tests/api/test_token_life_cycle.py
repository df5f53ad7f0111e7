"""Tokens live only as long as everything behind them: their partner (portal and Odoo), their
membership and user, their own expiry and revocation. Whatever is no longer valid is refused on
every endpoint with a 401 problem that says nothing of the records, cannot be rotated, and comes
back exactly as it was when its partner does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import ApiToken, Membership, Partner, User
from portal.services.errors import NotInScope
from portal.services.partners import partner_deactivate, partner_reactivate
from portal.services.tokens import token_authenticate, token_create, token_revoke, token_rotate
from suppliers.models import Asn

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


@pytest.fixture
def endpoints(api_world):
    """Every endpoint of the partner API, with an ASN and an acknowledgement of P1's order to name."""
    owner = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    asn = owner.post(
        "/api/v1/asns/",
        {
            "orders": [api_world.po.pk],
            "packages": [{"kind": "carton"}],
            "lines": [
                {"order_line": line.pk, "quantity": "1", "items": [{"lot_name": "Z", "quantity": "1", "package": "1"}]}
            ],
        },
        format="json",
    ).json()
    ack = owner.post(
        f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/", {"accept_all": True}, format="json"
    ).json()
    po, a = api_world.po.pk, asn["id"]
    api_world.asn_number = asn["number"]
    api_world.reads = [
        "/api/v1/purchase-orders/",
        f"/api/v1/purchase-orders/{po}/",
        f"/api/v1/purchase-orders/{po}/lines/",
        f"/api/v1/purchase-orders/{po}/acknowledgements/",
        f"/api/v1/acknowledgements/{ack['id']}/",
        "/api/v1/asns/",
        f"/api/v1/asns/{a}/",
        f"/api/v1/asns/{a}/labels/",
        f"/api/v1/asns/{a}/packing-slip/",
    ]
    api_world.writes = [
        ("post", f"/api/v1/purchase-orders/{po}/acknowledgements/", {"accept_all": True}),
        ("post", f"/api/v1/asns/{a}/submit/", {}),
        ("post", f"/api/v1/asns/{a}/cancel/", {"reason": "x"}),
        ("post", "/api/v1/asns/", {"orders": [po]}),
        ("patch", f"/api/v1/asns/{a}/", {"carrier": "X"}),
    ]
    api_world.asn_id = a
    return api_world


def _all_refused(world, secret: str) -> None:
    client = bearer(secret)
    unknown = _problem(bearer("sqp_nothere_xyz").get(world.reads[0]), 401)
    for url in world.reads:
        body = _problem(client.get(url), 401)
        assert body["detail"] == unknown["detail"]  # the same answer as a token that never existed
        text = str(body)
        assert "P20001" not in text and world.asn_number not in text and "Pinewood" not in text, url
    for method, url, data in world.writes:
        _problem(getattr(client, method)(url, data, format="json"), 401)
    assert Asn.objects.get(pk=world.asn_id).status == "draft" and Asn.objects.count() == 1


def _all_answered(world, secret: str) -> None:
    client = bearer(secret)
    for url in world.reads:
        assert client.get(url).status_code == 200, url


def test_a_deactivated_partners_tokens_are_refused_everywhere_then_work_again_as_they_were(endpoints):
    world = endpoints
    other = bearer(world.p2_secret)
    _all_answered(world, world.p1_secret)
    before = ApiToken.objects.filter(partner=world.p1).values("pk", "prefix", "key_hash", "scopes", "expires_at")
    before = list(before)
    partner_deactivate(actor=world.a_admin, partner_id=world.p1.pk, reason="Audit")
    _all_refused(world, world.p1_secret)
    assert other.get("/api/v1/purchase-orders/").status_code == 200  # another partner is untouched
    # Nothing about the tokens changed: reactivation gives back the same secrets, scopes and expiry.
    after = ApiToken.objects.filter(partner=world.p1).values("pk", "prefix", "key_hash", "scopes", "expires_at")
    assert list(after) == before
    partner_reactivate(actor=world.a_admin, partner_id=world.p1.pk)
    _all_answered(world, world.p1_secret)


def test_archived_in_odoo_is_the_same_as_deactivated_and_a_pull_cannot_undo_a_deactivation(endpoints):
    world = endpoints
    Partner.objects.filter(pk=world.p1.pk).update(odoo_active=False)  # what the pull writes
    _all_refused(world, world.p1_secret)
    client = Client()
    client.force_login(world.p1_user.user)
    assert client.get(reverse("po_list", args=["alpha"])).status_code == 404
    Partner.objects.filter(pk=world.p1.pk).update(odoo_active=True)
    _all_answered(world, world.p1_secret)
    partner_deactivate(actor=world.a_admin, partner_id=world.p1.pk)
    Partner.objects.filter(pk=world.p1.pk).update(odoo_active=True)  # Odoo says active: the portal still says no
    _all_refused(world, world.p1_secret)


def test_no_token_can_be_created_rotated_or_revoked_through_a_deactivated_partner(endpoints, client):
    world = endpoints
    token = ApiToken.objects.filter(partner=world.p1).first()
    partner_deactivate(actor=world.a_admin, partner_id=world.p1.pk)
    for service, kwargs in (
        (token_create, {"name": "New", "scopes": ["po:read"]}),
        (token_rotate, {"token_id": token.pk}),
        (token_revoke, {"token_id": token.pk}),
    ):
        with pytest.raises(NotInScope):
            service(actor=world.p1_admin, **kwargs)
    client.force_login(world.p1_admin.user)
    url = reverse("api_tokens", args=["alpha"])
    assert client.post(url, {"action": "rotate", "token": token.pk}).status_code == 404
    assert client.post(url, {"action": "create", "name": "x", "scopes": ["po:read"]}).status_code == 404
    assert ApiToken.objects.filter(partner=world.p1).count() == 1
    token.refresh_from_db()
    assert token.rotated_at is None and token.revoked_at is None


def test_expired_and_revoked_tokens_cannot_be_rotated_or_used(api_world):
    expired, expired_secret = issue(api_world.p1_admin)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired on"):
        token_rotate(actor=api_world.p1_admin, token_id=expired.pk)
    assert ApiToken.objects.get(pk=expired.pk).key_hash == expired.key_hash  # the old secret was not replaced
    _problem(bearer(expired_secret).get("/api/v1/purchase-orders/"), 401)

    revoked, revoked_secret = issue(api_world.p1_admin)
    token_revoke(actor=api_world.p1_admin, token_id=revoked.pk)
    with pytest.raises(ValidationError, match="revoked"):
        token_rotate(actor=api_world.p1_admin, token_id=revoked.pk)
    # Reactivating its membership (by any path) does not bring a revoked token back.
    Membership.objects.filter(pk=revoked.membership_id).update(is_active=True)
    _problem(bearer(revoked_secret).get("/api/v1/purchase-orders/"), 401)


def test_a_rotated_away_secret_never_works_again(api_world):
    token, first = issue(api_world.p1_admin)
    _, second = token_rotate(actor=api_world.p1_admin, token_id=token.pk)
    _, third = token_rotate(actor=api_world.p1_admin, token_id=token.pk)
    for old in (first, second):
        assert token_authenticate(old) is None
        _problem(bearer(old).get("/api/v1/purchase-orders/"), 401)
    assert bearer(third).get("/api/v1/purchase-orders/").status_code == 200


def test_a_token_whose_user_or_membership_is_off_is_refused(api_world):
    token, secret = issue(api_world.p1_admin)
    User.objects.filter(pk=token.membership.user_id).update(is_active=False)
    _problem(bearer(secret).get("/api/v1/purchase-orders/"), 401)
    User.objects.filter(pk=token.membership.user_id).update(is_active=True)
    Membership.objects.filter(pk=token.membership_id).update(is_active=False)
    _problem(bearer(secret).get("/api/v1/purchase-orders/"), 401)
    Membership.objects.filter(pk=token.membership_id).update(is_active=True)
    assert bearer(secret).get("/api/v1/purchase-orders/").status_code == 200
    # A token never acts for another partner, even if its membership were moved there.
    Membership.objects.filter(pk=token.membership_id).update(partner=api_world.p2)
    _problem(bearer(secret).get("/api/v1/purchase-orders/"), 401)


def test_a_partner_reactivated_while_a_token_expired_keeps_it_expired(api_world):
    token, secret = issue(api_world.p1_admin, days=1)
    partner_deactivate(actor=api_world.a_admin, partner_id=api_world.p1.pk)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    partner_reactivate(actor=api_world.a_admin, partner_id=api_world.p1.pk)
    _problem(bearer(secret).get("/api/v1/purchase-orders/"), 401)
    assert bearer(api_world.p1_secret).get("/api/v1/purchase-orders/").status_code == 200


def test_the_tokens_page_offers_no_rotation_of_an_expired_token_and_says_why(api_world, client):
    ApiToken.objects.filter(partner=api_world.p1).update(expires_at=timezone.now() - timedelta(days=1))
    token = ApiToken.objects.get(partner=api_world.p1)
    client.force_login(api_world.p1_admin.user)
    url = reverse("api_tokens", args=["alpha"])
    page = client.get(url).content.decode()
    assert "Expired" in page and 'value="rotate"' not in page and 'value="revoke"' in page
    refused = client.post(url, {"action": "rotate", "token": token.pk})
    assert refused.status_code == 400 and "create a new token instead" in refused.content.decode()
    assert ApiToken.objects.get(pk=token.pk).key_hash == token.key_hash
