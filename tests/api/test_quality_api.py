"""The partner API's inspection results (quality.api): scope ``quality:read`` (403 without), the
token's partner's signed outcomes only, no notes, reasons or people, shared photos only, filters,
another partner's or tenant's outcome 404, and a list whose queries do not grow with its rows."""

from __future__ import annotations

import pytest

from tests.quality.outcomes import PHOTO_NOTE, REASON, RESULT_NOTE, decide, outcome, photos_of
from tests.scope import ApiScopeCase, assert_api_scoped

from .conftest import bearer, issue
from .test_schema_fuzz import schema  # loaded at import: loading it later would close the test's database

pytestmark = pytest.mark.django_db

V1 = "/api/v1/inspections"
# Token, throttle, membership, the page, the lots' dispositions: the same for 2 rows or 12.
QUERIES = 10


@pytest.fixture
def read_token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["quality:read"])
    return secret


def _lots(answer) -> set[str]:
    return {row["lot_name"] for row in answer.json()["results"]}


def test_the_list_needs_quality_read_and_shows_only_the_partners_signed_outcomes(api_world, read_token):
    mine = outcome(api_world.p1, lot="LOT-API-1", reject=True)
    decide(mine, released=40, returned=50)
    outcome(api_world.p1, lot="LOT-API-OPEN", sign=False)
    outcome(api_world.p2, lot="LOT-API-P2")
    outcome(api_world.q1, lot="LOT-API-Q1")
    _, without = issue(api_world.p1_admin, scopes=["po:read", "asn:read"])
    refused = bearer(without).get(f"{V1}/")
    assert refused.status_code == 403 and "quality:read" in refused.json()["detail"]
    answer = bearer(read_token).get(f"{V1}/")
    assert answer.status_code == 200 and _lots(answer) == {"LOT-API-1"}
    [row] = answer.json()["results"]
    assert (row["result"], row["result_label"]) == ("reject", "Rejected")
    assert row["purchase_order"] == mine.receipt.order.name
    assert (row["lot_size"], row["accepted"], row["rejected"], row["returned"], row["on_hold"]) == (
        "100.0000",
        "40.0000",
        "50.0000",
        "50.0000",
        "10.0000",
    )
    assert row["inspected_at"].endswith("Z")
    assert _lots(bearer(api_world.p2_secret).get(f"{V1}/")) == {"LOT-API-P2"}


def test_an_outcome_shows_defects_decisions_and_shared_photos_never_notes_reasons_or_people(api_world, read_token):
    mine = outcome(api_world.p1, lot="LOT-API-2", reject=True, photos=(True, False))
    decide(mine, returned=100)
    answer = bearer(read_token).get(f"{V1}/{mine.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert [(c["defect_class"], c["defective"], c["accept"], c["reject"]) for c in body["defect_classes"]] == [
        ("major", 2, 1, 2),
        ("minor", 0, 0, 1),
    ]
    length = body["characteristics"][0]
    assert (length["name"], length["uom"], length["defective"]) == ("Length", "mm", 2)
    assert length["values"] == [{"unit": 1, "value": "12.500000"}, {"unit": 2, "value": "9.500000"}]
    assert [(d["kind"], d["returned"]) for d in body["dispositions"]] == [("reject", "100.0000")]
    [shared], [hidden] = photos_of(mine, shared=True), photos_of(mine, shared=False)
    assert [p["id"] for p in body["photos"]] == [shared.pk]
    text = answer.content.decode()
    for internal in (RESULT_NOTE, PHOTO_NOTE, REASON, "INTERNAL", "reason", "note", api_world.a_inspector.user.email):
        assert internal not in text, internal
    photo = bearer(read_token).get(f"{V1}/{mine.pk}/photos/{shared.pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content).startswith(b"\x89PNG")
    missing = bearer(read_token).get(f"{V1}/{mine.pk}/photos/{hidden.pk}/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_another_partners_or_tenants_outcome_and_an_unsigned_one_answer_404(api_world, read_token):
    mine = outcome(api_world.p1, lot="LOT-API-3", photos=(True,))
    [photo] = photos_of(mine, shared=True)
    for url, marker in ((f"{V1}/{mine.pk}/", "LOT-API-3"), (f"{V1}/{mine.pk}/photos/{photo.pk}/", "PNG")):
        assert_api_scoped(ApiScopeCase(url, read_token, [api_world.p2_secret, api_world.q1_secret], markers=[marker]))
    for secret in (api_world.p2_secret, api_world.q1_secret):
        assert _lots(bearer(secret).get(f"{V1}/", {"lot": "LOT-API-3"})) == set()
    waiting = outcome(api_world.p1, lot="LOT-API-WAIT", sign=False)
    assert bearer(read_token).get(f"{V1}/{waiting.pk}/").status_code == 404


def test_the_list_filters_and_refuses_what_it_cannot_read(api_world, read_token):
    good = outcome(api_world.p1, lot="LOT-API-GOOD")
    outcome(api_world.p1, lot="LOT-API-BAD", reject=True)
    client = bearer(read_token)
    assert _lots(client.get(f"{V1}/", {"result": "accept"})) == {"LOT-API-GOOD"}
    assert _lots(client.get(f"{V1}/", {"result": "reject"})) == {"LOT-API-BAD"}
    assert _lots(client.get(f"{V1}/", {"lot": "bad"})) == {"LOT-API-BAD"}
    assert _lots(client.get(f"{V1}/", {"po": good.receipt.order.name})) == {"LOT-API-GOOD"}
    assert _lots(client.get(f"{V1}/", {"product": good.product.default_code})) == {"LOT-API-GOOD"}
    refused = client.get(f"{V1}/", {"result": "maybe"})
    assert refused.status_code == 400 and "result" in str(refused.json())
    assert client.get(f"{V1}/", {"lot": "x" * 101}).status_code == 400


def test_the_list_costs_the_same_queries_for_2_or_12_outcomes(api_world, read_token, django_assert_max_num_queries):
    client = bearer(read_token)
    for n in range(2):
        decide(outcome(api_world.p1, lot=f"LOT-APIQ-{n}"), released=100)
    with django_assert_max_num_queries(QUERIES) as few:
        assert client.get(f"{V1}/").status_code == 200
    for n in range(2, 12):
        decide(outcome(api_world.p1, lot=f"LOT-APIQ-{n}"), released=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get(f"{V1}/")
    assert len(answer.json()["results"]) == 12


def _as_schemathesis(answer, url: str):
    """Django's test answer as the response schemathesis validates."""
    import requests
    from schemathesis.core.transport import Response

    return Response(
        status_code=answer.status_code,
        headers={name: [value] for name, value in answer.headers.items()},
        content=answer.content,
        request=requests.Request("GET", f"http://testserver{url}").prepare(),
        elapsed=0.0,
        verify=False,
    )


def test_answers_with_data_match_the_published_schema(api_world, read_token):
    """The fuzz's world has no inspection: here a decided, rejected lot with a shared photo is read
    and each JSON answer is checked against the schema it publishes (the photo is bytes)."""
    mine = outcome(api_world.p1, lot="LOT-API-SCHEMA", reject=True, photos=(True,))
    decide(mine, released=10, returned=90)
    for path, url in (("/api/v1/inspections/", f"{V1}/"), ("/api/v1/inspections/{id}/", f"{V1}/{mine.pk}/")):
        answer = bearer(read_token).get(url)
        assert answer.status_code == 200, url
        schema[path]["GET"].validate_response(_as_schemathesis(answer, url))


def test_a_photo_whose_file_left_storage_is_a_404_everywhere_not_a_500(api_world, read_token, client):
    """The record says a photo was taken, the file is gone (a restore without the media directory):
    the API, the supplier's page and the inspector's page all answer 404."""
    from django.urls import reverse

    from tests.conftest import login

    mine = outcome(api_world.p1, lot="LOT-API-GONE", photos=(True,))
    [shared] = photos_of(mine, shared=True)
    shared.file.storage.delete(shared.file.name)
    answer = bearer(read_token).get(f"{V1}/{mine.pk}/photos/{shared.pk}/")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    slug = api_world.a.slug
    login(client, api_world.p1_admin)
    assert client.get(reverse("supplier_result_photo", args=[slug, mine.pk, shared.pk])).status_code == 404
    login(client, api_world.a_inspector)
    assert client.get(reverse("inspection_photo", args=[slug, mine.pk, shared.pk])).status_code == 404
