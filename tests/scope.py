"""The scope matrix: one helper every page, endpoint and download is run through.

Given a URL of an object, it checks that its owner gets it (so the check can
fail), and that a user of another partner of the same tenant and a user of
another tenant get 404 with none of the object's identifying text in the body,
both on the URL as it is and with the tenant slug swapped for their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.test import Client

from portal.models import Membership


@dataclass
class ScopeCase:
    url: str
    owner: Membership
    intruders: list[Membership]
    markers: list[str] = field(default_factory=list)
    method: str = "get"
    data: dict | None = None
    owner_status: int | None = 200
    # Object URLs are also tried under the intruder's own tenant slug (same id,
    # "their" tenant). Tenant-level pages are not: there the intruder's own
    # page rightly answers.
    swap_tenant: bool = True


def _request(client: Client, method: str, url: str, data: dict | None):
    return getattr(client, method)(url, data or {})


def _swap_tenant(url: str, slug: str) -> str:
    return re.sub(r"^/t/[^/]+/", f"/t/{slug}/", url)


def _body(response) -> str:
    """Pages, PDFs and file downloads alike: the bytes as text, to look for markers in."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def assert_scoped(case: ScopeCase) -> None:
    assert case.intruders, "a scope case needs at least one intruder"
    if case.owner_status is not None:
        client = Client()
        client.force_login(case.owner.user)
        response = _request(client, case.method, case.url, case.data)
        assert response.status_code == case.owner_status, (case.url, response.status_code)
        body = _body(response)
        for marker in case.markers:
            assert marker in body, f"owner's page lacks {marker!r}: the case proves nothing"
    for intruder in case.intruders:
        client = Client()
        client.force_login(intruder.user)
        urls = {case.url}
        if case.swap_tenant:
            urls.add(_swap_tenant(case.url, intruder.tenant.slug))
        for url in urls:
            response = _request(client, case.method, url, case.data)
            assert response.status_code == 404, (
                f"{intruder.user.email} ({intruder.role}, {intruder.tenant.slug}) got "
                f"{response.status_code} for {case.method.upper()} {url}"
            )
            body = _body(response)
            for marker in case.markers:
                assert marker not in body, f"404 for {url} leaks {marker!r}"


def assert_all_scoped(cases: Iterable[ScopeCase]) -> int:
    count = 0
    for case in cases:
        assert_scoped(case)
        count += 1
    return count


@dataclass
class ApiScopeCase:
    """An API URL tried with partner tokens: the owner's token gets ``owner_status`` (so the case
    can fail), every intruder's token gets a 404 problem that names none of the markers. The
    problem's ``instance`` echoes the intruder's own URL and is not looked at."""

    url: str
    owner_secret: str
    intruder_secrets: list[str]
    markers: list[str] = field(default_factory=list)
    method: str = "get"
    data: dict | None = None
    format: str | None = "json"
    owner_status: int | None = 200


def _api_client(secret: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _api_request(client, case: ApiScopeCase, data):
    kwargs = {"format": case.format} if data is not None and case.format else {}
    return (
        getattr(client, case.method)(case.url, data, **kwargs)
        if data is not None
        else getattr(client, case.method)(case.url)
    )


def assert_api_scoped(case: ApiScopeCase, data_factory=None) -> None:
    """``data_factory`` makes a fresh body per request (an uploaded file can be read once)."""
    assert case.intruder_secrets, "an API scope case needs at least one intruder"
    make = data_factory or (lambda: case.data)
    if case.owner_status is not None:
        response = _api_request(_api_client(case.owner_secret), case, make())
        assert response.status_code == case.owner_status, (case.method, case.url, response.status_code)
        body = _body(response)
        for marker in case.markers:
            assert marker in body, f"owner's answer lacks {marker!r}: the case proves nothing"
    for secret in case.intruder_secrets:
        response = _api_request(_api_client(secret), case, make())
        assert response.status_code == 404, (case.method, case.url, response.status_code, response.content[:200])
        assert response["Content-Type"] == "application/problem+json"
        told = {k: v for k, v in response.json().items() if k != "instance"}
        for marker in case.markers:
            assert marker not in str(told), f"404 for {case.url} leaks {marker!r}"
