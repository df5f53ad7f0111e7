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
