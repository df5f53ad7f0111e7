"""Every route and method of the API (the scope matrix, ``scope_matrix.py``), knocked at with a token
lacking its scope, with tokens of another partner and of another tenant, and with a token holding
its scope alone."""

from __future__ import annotations

import pytest

from portal.api.scopes import api_scopes

from .conftest import bearer, issue
from .scope_matrix import MATRIX, Door, Knock

pytestmark = pytest.mark.django_db


def _send(secret: str, method: str, knock: Knock):
    body = knock.body() if knock.body else None
    client = bearer(secret)
    if body is None:
        return getattr(client, method.lower())(knock.url)
    return getattr(client, method.lower())(knock.url, body, format=knock.format)


def _body(response) -> str:
    """JSON, PDFs and file downloads alike: the bytes as text, to look for markers in."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _told(response) -> str:
    """An answer's text, less the URL a problem echoes (``instance``: the caller's own request)."""
    if response["Content-Type"].startswith("application/problem+json"):
        return str({k: v for k, v in response.json().items() if k != "instance"})
    return _body(response)


@pytest.mark.parametrize("route, method", sorted(MATRIX), ids=[f"{m} {r}" for r, m in sorted(MATRIX)])
def test_the_scope_matrix(api_world, route, method):
    door: Door = MATRIX[route, method]
    knock = door.prepare(api_world)

    _, lacking = issue(api_world.p1_admin, scopes=[s for s in api_scopes() if s != door.scope])
    refused = _send(lacking, method, knock)
    assert refused.status_code == 403, (refused.status_code, refused.content[:300])
    assert door.scope in refused.json()["detail"]

    for secret in (api_world.p2_secret, api_world.q1_secret):  # another partner, another tenant
        answer = _send(secret, method, knock)
        assert answer.status_code == door.intruder_status, (answer.status_code, answer.content[:300])
        for marker in knock.markers:
            assert marker not in _told(answer), f"{method} {knock.url} tells an intruder {marker!r}"
    if knock.unchanged is not None:
        assert knock.unchanged(), f"a refused {method} {knock.url} changed something"

    _, only = issue(api_world.p1_admin, scopes=[door.scope])
    answer = _send(only, method, knock)
    assert answer.status_code == door.owner_status, (answer.status_code, answer.content[:300])
    for marker in knock.markers:
        assert marker in _body(answer), f"the owner's answer lacks {marker!r}: the case proves nothing"
    if knock.unchanged is not None:
        assert not knock.unchanged(), "the owner's request changed nothing: the case proves nothing"
