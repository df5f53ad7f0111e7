"""Reviewer r3 trying to break the scorecard API: tokens of each kind, odd months, methods and Accept
headers. Every error is an RFC 9457 problem, never another partner's figure, never a 500; the query count
does not grow with the periods."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import ApiToken
from quality.scorecards.months import add_months, current_month
from tests.quality.test_supplier_scorecard import otd, p1_scorecard, store

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

V1 = "/api/v1/scorecards"
PROBLEM = "application/problem+json"


@pytest.fixture
def token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["quality:read"])
    return secret


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    return body


ODD_MONTHS = [
    "2026-13",
    "0000-01",
    "2026-1",
    "2026-00",
    "9999-12",
    "-2026-01",
    "2026_01",
    "\u0662\u0660\u0662\u0666-\u0660\u0661",  # Arabic-Indic digits
    "\uff12\uff10\uff12\uff16-01",
    "2026-01%00",
    "2026-01%20",
    "%2E%2E",
    "2026-0\u0661",
    "x" * 20,
    "'; DROP TABLE x;--",
    "<script>",
]


@pytest.mark.parametrize("month", ODD_MONTHS)
def test_odd_months_are_400_problems(api_world, token, month):
    p1_scorecard(api_world)
    body = problem(bearer(token).get(f"{V1}/{month}/"), 400)
    assert "57.88" not in str(body)


@pytest.mark.parametrize("month", ["x" * 21, "2" * 300, "2026-01" * 50])
def test_very_long_months_are_problems_not_html(api_world, token, month):
    response = bearer(token).get(f"{V1}/{month}/")
    problem(response, response.status_code)
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("path", ["../", "..", "2026-01/..", "2026-01/extra/", "..%2F..%2Fadmin/"])
def test_dot_segments_and_deeper_paths_are_problems(api_world, token, path):
    response = bearer(token).get(f"{V1}/{path}")
    assert response.status_code < 500
    if response.status_code >= 400:
        problem(response, response.status_code)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [f"{V1}/", f"{V1}/2026-01/"])
def test_writes_are_405_problems(api_world, token, method, url):
    p1_scorecard(api_world)
    response = getattr(bearer(token), method)(url, {"score": "100"}, format="json")
    body = problem(response, 405)
    assert "57.88" not in str(body)


def test_head_and_options_answer_without_another_partners_data(api_world, token):
    p1_scorecard(api_world)
    month = f"{current_month(api_world.a):%Y-%m}"
    head = bearer(token).head(f"{V1}/")
    assert head.status_code == 200 and head.content == b""
    assert bearer(token).head(f"{V1}/{month}/").status_code == 200
    options = bearer(token).options(f"{V1}/")
    assert options.status_code == 200 and "57.88" not in options.content.decode()
    # OPTIONS without a token must not be a 500
    anon = bearer(None).options(f"{V1}/")
    assert anon.status_code < 500


@pytest.mark.parametrize(
    "accept", ["application/xml", "text/html", "text/csv", "application/problem+json", "*/*;q=0", "garbage///"]
)
def test_accept_headers_never_500_and_errors_stay_problems(api_world, token, accept):
    p1_scorecard(api_world)
    client = bearer(token)
    ok = client.get(f"{V1}/", HTTP_ACCEPT=accept)
    assert ok.status_code < 500
    if ok.status_code >= 400:
        problem(ok, ok.status_code)
    bad = client.get(f"{V1}/2026-13/", HTTP_ACCEPT=accept)
    assert bad.status_code in (400, 406)
    problem(bad, bad.status_code)


def test_missing_expired_revoked_and_bogus_tokens_are_401_problems(api_world):
    p1_scorecard(api_world)
    month = f"{current_month(api_world.a):%Y-%m}"
    row, expired = issue(api_world.p1_admin, scopes=["quality:read"])
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    other = api_world.p1_other_admin
    row2, revoked = issue(other, scopes=["quality:read"])
    ApiToken.objects.filter(pk=row2.pk).update(revoked_at=timezone.now())
    for secret in (None, expired, revoked, "nonsense", "x" * 5000):
        for url in (f"{V1}/", f"{V1}/{month}/", f"{V1}/2026-13/"):
            response = bearer(secret).get(url)
            body = problem(response, 401)
            assert "57.88" not in str(body) and "Pinewood" not in str(body)


def test_missing_scope_is_403_before_the_month_is_read(api_world):
    p1_scorecard(api_world)
    _, secret = issue(api_world.p1_admin, scopes=["po:read"])
    for month in ("2026-13", "0000-01", "x" * 20, f"{current_month(api_world.a):%Y-%m}"):
        body = problem(bearer(secret).get(f"{V1}/{month}/"), 403)
        assert "quality:read" in body["detail"]


def test_p2_and_another_tenant_never_see_p1s_figures(api_world, token):
    p1_scorecard(api_world)
    this = current_month(api_world.a)
    _, p2 = issue(api_world.p2_admin, scopes=["quality:read"])
    for secret in (p2, api_world.q1_secret):
        client = bearer(secret)
        listing = client.get(f"{V1}/", {"partner": api_world.p1.pk, "partner_id": api_world.p1.pk})
        assert listing.status_code == 200 and "57.88" not in listing.content.decode()
        assert "Pinewood" not in listing.content.decode()
        for month in (this, add_months(this, -2)):
            problem(client.get(f"{V1}/{month:%Y-%m}/"), 404)


def test_query_count_does_not_grow_with_periods(api_world, token):
    this = current_month(api_world.a)
    store(api_world.p1, {add_months(this, -i): {"otd": otd("10", "9")} for i in range(2)})
    client = bearer(token)
    client.get(f"{V1}/")  # warm: the token's last use is written at most once a while
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{V1}/").status_code == 200
    api_world.p1.score.delete()
    api_world.p1.scorecard_periods.all().delete()
    store(api_world.p1, {add_months(this, -i): {"otd": otd("10", "9")} for i in range(24)})
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{V1}/").json()
    assert len(body["months"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)
    month = f"{this:%Y-%m}"
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{V1}/{month}/").status_code == 200
    assert len(one.captured_queries) <= len(many.captured_queries)


@pytest.mark.parametrize("query", ["?format=api", "?format=xml", "?format=csv", "?format=json&page=-1", "?limit=x"])
def test_format_and_paging_parameters_never_500_and_errors_stay_problems(api_world, token, query):
    p1_scorecard(api_world)
    for url in (f"{V1}/{query}", f"{V1}/2026-13/{query}"):
        response = bearer(token).get(url)
        assert response.status_code < 500
        if response.status_code >= 400:
            problem(response, response.status_code)


def test_without_the_trailing_slash_is_not_an_html_page(api_world, token):
    p1_scorecard(api_world)
    for url in (V1, f"{V1}/2026-01", f"{V1}/2026-13"):
        response = bearer(token).get(url)
        assert response.status_code < 500
        if response.status_code >= 400:
            problem(response, response.status_code)
        assert "57.88" not in response.content.decode() or response.status_code == 200
