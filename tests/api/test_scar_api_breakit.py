"""Review R2 of issue 13's SCAR API (quality.api.scars, scope ``scar:respond``) as a partner's ERP would use
it: each test shows one bug and fails on the code as reviewed; the report names the file and function at
fault. The world is tests/api/conftest.py's ``api_world``.
"""

from __future__ import annotations

import json

import pytest

from quality.models import ScarAnswer
from quality.services.scars import scar_cancel, scar_issue

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

V1 = "/api/v1/scars"


@pytest.fixture
def token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["scar:respond"])
    return secret


def _client(secret):
    client = bearer(secret)
    client.raise_request_exception = False  # a 500 is an answer here, not a crash of the test
    return client


def _scar(world, title="Burrs on bracket edges"):
    return scar_issue(membership=world.a_engineer, partner=world.p1, title=title)


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_a_lone_surrogate_in_an_answer_is_a_400_and_the_scar_stays_readable(api_world, token):
    """quality.scar_content._read_text lets lone surrogates (``"\\ud800"``, valid JSON escapes) through:
    on SQLite the answer is stored and every later read of the SCAR (API, pages, 8D PDF) is a 500
    (UnicodeEncodeError when rendered); PostgreSQL's jsonb refuses the row, a 500 on the write. NUL is
    refused already; lone surrogates should be too (portal.api.serializers.shown escapes them in names)."""
    scar = _scar(api_world)
    client = _client(token)
    body = '{"content": {"members": [{"name": "Ana \\ud800 Ruiz", "role": "Team leader"}]}}'
    answered = client.post(f"{V1}/{scar.pk}/steps/D1/answer/", data=body, content_type="application/json")
    problem = _problem(answered, 400)
    assert problem["errors"][0]["field"] == "content.members.0.name"
    assert not ScarAnswer.objects.filter(step__scar=scar).exists()
    assert client.get(f"{V1}/{scar.pk}/").status_code == 200


def test_an_unknown_key_with_a_lone_surrogate_is_told_back_escaped_not_a_500(api_world, token):
    """quality.scar_content._object keys an unknown field's error by the client's raw key
    (``content.<key>``), and quality.api.scars._problem_of passes it on: a key holding a lone surrogate
    makes the problem document unrenderable (500). StrictInputSerializer escapes such names (``shown``)."""
    scar = _scar(api_world)
    body = '{"content": {"members": [{"name": "Ana", "role": "Lead"}], "x\\udfff": 1}}'
    answered = _client(token).post(f"{V1}/{scar.pk}/steps/D1/answer/", data=body, content_type="application/json")
    problem = _problem(answered, 400)
    assert any(e["field"].startswith("content.x") for e in problem["errors"])


def test_thousands_of_unknown_keys_get_a_bounded_answer(api_world, token):
    """quality.scar_content._object (and _read_categories) write one error per unknown key, each naming all
    the step's fields: a 250 KB body of unknown keys gets a 1.6 MB problem document (and as much kept
    in IdempotencyRecord with a key). The API's own StrictInputSerializer tells back at most 20."""
    scar = _scar(api_world)
    body = {"content": {f"k{i}": 0 for i in range(20_000)}}
    sent = json.dumps(body)
    answered = _client(token).post(
        f"{V1}/{scar.pk}/steps/D1/answer/", data=sent, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big"
    )
    problem = _problem(answered, 400)
    assert len(problem["errors"]) <= 50
    assert len(answered.content) < len(sent)


def test_a_cancelled_scar_asks_for_no_next_step(api_world, token):
    """quality.api.scars._with_steps picks ``next_step`` among the steps waiting for the supplier whatever
    the SCAR's state: a cancelled SCAR (read-only: an answer is a 409) still tells the ERP "D1 needs you",
    where the supplier's own page (quality.views.supplier_scars.next_step) says nothing is asked."""
    scar = _scar(api_world)
    scar_cancel(membership=api_world.a_engineer, scar=scar, reason="Issued twice")
    client = _client(token)
    [row] = client.get(f"{V1}/").json()["results"]
    assert row["status"] == "cancelled"
    assert row["next_step"] is None
    assert client.get(f"{V1}/{scar.pk}/").json()["next_step"] is None
