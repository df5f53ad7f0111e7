"""The partner API's scorecard (quality.api.scorecards), scope ``quality:read``: the token's partner's current
score, standing and figures (window and 12 months) with its last 12 months; one month's figures and inputs'
counts; problem details for a month not written YYYY-MM (400), a month without data (404) and a missing scope
(403); costs only when shared; another partner's scorecard unreachable whatever the request says."""

from __future__ import annotations

import pytest

from quality.models import QualityRules
from quality.scorecards.months import add_months, current_month
from quality.scorecards.standings import standings_for
from tests.quality.test_supplier_scorecard import otd, p1_scorecard, store

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

V1 = "/api/v1/scorecards"


@pytest.fixture
def token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["quality:read"])
    return secret


def test_the_current_scorecard_with_its_window_12_months_and_months(api_world, token):
    p1_scorecard(api_world)
    this = current_month(api_world.a)

    body = bearer(token).get(f"{V1}/").json()

    assert body["partner"] == "Pinewood Parts" and body["as_of"] == f"{this:%Y-%m}"
    # (87.72 x 25 + 51.02 x 15 + 15 x 15) / 55 = 57.88 (worked out in test_supplier_scorecard).
    assert body["score"] == "57.88" and body["previous_score"] == "91.5" and body["trend"] == -1
    assert body["standing"] == "Conditional" and body["window_months"] == 3
    # On time 250 of 300 = 83.33 % over the window, scored 83.33 / 95 = 87.72 with weight 25.
    assert body["figures"]["otd"] == {"value": "83.33", "score": "87.72", "target": "95", "weight": "25"}
    assert body["figures"]["asn"]["value"] is None  # no data, not 0 or 100
    assert body["figures_12"]["otd"]["value"] == "83.33"  # the month 13 back (10 of 40) is outside the 12
    # The months with data among the last 12, oldest first: two months ago (100 %) and this one (75 %).
    assert [(m["month"], m["figures"]["otd"]) for m in body["months"]] == [
        (f"{add_months(this, -2):%Y-%m}", "100"),
        (f"{this:%Y-%m}", "75"),
    ]
    assert "copq" not in body["figures"] and all("copq" not in m["figures"] for m in body["months"])


def test_costs_are_in_the_answers_only_when_the_tenant_shares_them(api_world, token):
    p1_scorecard(api_world)
    month = f"{current_month(api_world.a):%Y-%m}"

    hidden = bearer(token).get(f"{V1}/{month}/").json()
    assert "copq" not in hidden["inputs"] and "123.4" not in str(hidden)

    QualityRules.objects.create(tenant=api_world.a, share_costs=True)
    shown = bearer(token).get(f"{V1}/{month}/").json()
    assert shown["inputs"]["copq"] == {"by_currency": {"EUR": "123.4"}}
    assert "copq" in bearer(token).get(f"{V1}/").json()["figures"]


def test_one_month_with_its_figures_and_the_counts_behind_them(api_world, token):
    p1_scorecard(api_world)
    this = current_month(api_world.a)

    body = bearer(token).get(f"{V1}/{this:%Y-%m}/").json()

    assert body["month"] == f"{this:%Y-%m}"
    assert body["inputs"]["otd"]["quantity"] == "200" and body["inputs"]["otd"]["quantity_on_time"] == "150"
    assert body["inputs"]["lots"] == {"lots": 2, "accepted": 1, "rejected": 1}
    # 150 / 200 = 75 %; 1 of 2 lots = 50 %; 1 in 200 = 5000 PPM; 1 NCR.
    assert (body["figures"]["otd"], body["figures"]["lots"], body["figures"]["ppm"]) == ("75", "50", "5000")
    assert body["figures"]["ncrs"] == "1" and body["computed_at"].endswith("Z")


FULLWIDTH_YEAR = "\uff12\uff10\uff12\uff16"  # "2026" in fullwidth digits, which isdigit() takes


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "March", "1999-12", f"{FULLWIDTH_YEAR}-03", "2026-03-01"])
def test_a_month_not_written_yyyy_mm_is_a_400_problem(api_world, token, month):
    response = bearer(token).get(f"{V1}/{month}/")

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "YYYY-MM" in str(response.json())


def test_a_month_without_data_is_a_404_problem(api_world, token):
    p1_scorecard(api_world)

    response = bearer(token).get(f"{V1}/{add_months(current_month(api_world.a), -1):%Y-%m}/")

    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_token_without_quality_read_is_refused_with_a_403_problem(api_world):
    p1_scorecard(api_world)
    _, secret = issue(api_world.p1_admin, scopes=["po:read", "scar:respond"])

    for url in (f"{V1}/", f"{V1}/{current_month(api_world.a):%Y-%m}/"):
        response = bearer(secret).get(url)
        assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
        assert "quality:read" in response.json()["detail"] and "57.88" not in response.content.decode()


def test_another_partners_scorecard_cannot_be_reached(api_world, token):
    p1_scorecard(api_world)
    this = current_month(api_world.a)
    store(api_world.p2, {add_months(this, -1): {"otd": otd("300", "297")}}, standing=standings_for(api_world.a)[0])
    _, p2_secret = issue(api_world.p2_admin, scopes=["quality:read"])

    # P2's token: its own 99 % only; P1's month (this one) has no P2 data: 404, not P1's figures.
    theirs = bearer(p2_secret).get(f"{V1}/", {"partner": api_world.p1.pk}).json()
    assert theirs["partner"] == "Quarry Metals" and theirs["standing"] == "Preferred"
    assert [m["figures"]["otd"] for m in theirs["months"]] == ["99"] and "83.33" not in str(theirs)
    assert bearer(p2_secret).get(f"{V1}/{this:%Y-%m}/").status_code == 404
    # P1's token asking for P2's month gets P1's (none that month): 404.
    assert bearer(token).get(f"{V1}/{add_months(this, -1):%Y-%m}/", {"partner": api_world.p2.pk}).status_code == 404
    # Another tenant's token: an empty scorecard of its own partner.
    other = bearer(api_world.q1_secret).get(f"{V1}/").json()
    assert other["partner"] == "Riverside Plastics" and other["score"] is None and other["months"] == []


def test_before_the_first_run_the_scorecard_is_empty_not_an_error(api_world, token):
    body = bearer(token).get(f"{V1}/").json()

    assert body["score"] is None and body["standing"] is None and body["as_of"] is None
    assert body["figures"] == {} and body["months"] == [] and body["window_months"] == 0


def test_the_schema_documents_both_endpoints_with_the_scope(client):
    import yaml

    document = yaml.safe_load(client.get("/api/v1/schema/").content)
    current = document["paths"]["/api/v1/scorecards/"]["get"]
    month = document["paths"]["/api/v1/scorecards/{month}/"]["get"]
    assert current["summary"] == "Your scorecard" and month["summary"] == "One month of your scorecard"
    assert {"200", "400", "403", "404"} <= set(month["responses"])
