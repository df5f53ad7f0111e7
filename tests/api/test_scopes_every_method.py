"""A token's scopes hold on every method, OPTIONS and HEAD included, and an endpoint that names
no scope is closed rather than open."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.api.permissions import CLOSED, TokenHasScope
from portal.models import ApiToken

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


def _api_views():
    """Every DRF viewset route under /api/v1/ with its method-to-action map."""
    found = []

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern) and getattr(p.callback, "actions", None):
                found.append((str(p.pattern), p.callback.cls, p.callback.actions))

    walk(get_resolver().url_patterns)
    return found


def test_every_method_of_every_endpoint_names_a_scope():
    views = _api_views()
    assert len(views) >= 10  # the walk found the API (so this test can fail)
    for pattern, cls, actions in views:
        for method, action in actions.items():
            assert cls.required_scopes.get(action), f"{cls.__name__}.{action} ({method.upper()} {pattern}) has no scope"


def test_an_action_without_a_scope_is_closed_to_every_token(api_world):
    token = ApiToken.objects.get(membership__partner=api_world.p1)
    view = SimpleNamespace(action_map={"get": "list", "post": "create"}, required_scopes={"list": "po:read"})
    permission = TokenHasScope()
    assert permission.has_permission(SimpleNamespace(auth=token, method="GET"), view)
    assert not permission.has_permission(SimpleNamespace(auth=token, method="POST"), view)
    assert permission.message == CLOSED


def test_options_tells_nothing_to_a_token_without_the_scope(api_world):
    _, po_only = issue(api_world.p1_admin, scopes=["po:read"])
    response = bearer(po_only).options("/api/v1/asns/")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    assert b"orders" not in response.content and b"tracking_number" not in response.content


def test_options_describes_only_what_the_token_may_do_with_the_fields_it_really_reads(api_world):
    _, reader = issue(api_world.p1_admin, scopes=["asn:read"])
    read = bearer(reader).options("/api/v1/asns/").json()
    assert read["methods"] == ["GET", "HEAD"] and "actions" not in read
    _, writer = issue(api_world.p1_admin, scopes=["asn:read", "asn:write"])
    write = bearer(writer).options("/api/v1/asns/").json()
    assert write["methods"] == ["GET", "POST", "HEAD"]
    fields = write["actions"]["POST"]
    assert fields["orders"]["required"] is True and "lines" in fields and "number" not in fields


def test_options_on_another_partners_or_tenants_object_is_404(api_world):
    owner = bearer(api_world.p1_secret)
    asn = owner.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    urls = [
        f"/api/v1/asns/{asn['id']}/",
        f"/api/v1/asns/{asn['id']}/submit/",
        f"/api/v1/asns/{asn['id']}/certificates/",
        f"/api/v1/purchase-orders/{api_world.po.pk}/",
        f"/api/v1/purchase-orders/{api_world.po.name}/acknowledgements/",
    ]
    for url in urls:
        assert owner.options(url).status_code == 200, url
        for secret in (api_world.p2_secret, api_world.q1_secret):
            response = bearer(secret).options(url)
            assert response.status_code == 404, (url, response.status_code)
            told = {k: v for k, v in response.json().items() if k != "instance"}  # the URL they sent, echoed
            assert asn["number"] not in str(told) and "P20001" not in str(told)


def test_head_needs_the_scope_of_get(api_world):
    _, asn_only = issue(api_world.p1_admin, scopes=["asn:read"])
    assert bearer(asn_only).head("/api/v1/purchase-orders/").status_code == 403
    assert bearer(asn_only).head("/api/v1/asns/").status_code == 200
