"""A JSON body nested past the bound is a 400 problem naming it, not a RecursionError (500)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.api.parsers import MAX_JSON_DEPTH, JsonTooDeep, json_depth_check, json_loads_bounded
from portal.models import IdempotencyRecord

from .conftest import bearer
from .test_problem_details import assert_problem

pytestmark = pytest.mark.django_db

TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels."


def _nested_objects(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def _raw(client, method: str, url: str, body: str, **headers):
    return getattr(client, method)(url, data=body.encode(), content_type="application/json", **headers)


@pytest.fixture
def asn(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    created = client.post(
        "/api/v1/asns/",
        {
            "orders": [api_world.po.pk],
            "ship_date": (date.today() + timedelta(days=1)).isoformat(),
            "eta": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            "lines": [{"order_line": line.pk, "quantity": "10", "items": [{"lot_name": "L-1", "quantity": "10"}]}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    return client, created.json()


def test_an_acknowledgement_of_50_000_brackets_is_a_400(api_world):
    client = bearer(api_world.p1_secret)
    url = f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/"
    body = assert_problem(_raw(client, "post", url, "[" * 50_000), 400)
    assert body["detail"] == TOO_DEEP
    # The Idempotency-Key path reads the body too (its fingerprint): same answer, and no key is kept.
    body = assert_problem(_raw(client, "post", url, "[" * 50_000, HTTP_IDEMPOTENCY_KEY="deep-1"), 400)
    assert body["detail"] == TOO_DEEP and not IdempotencyRecord.objects.filter(key="deep-1").exists()


def test_an_asn_patch_of_20_000_nested_objects_is_a_400(asn):
    client, shipment = asn
    body = assert_problem(_raw(client, "patch", f"/api/v1/asns/{shipment['id']}/", _nested_objects(20_000)), 400)
    assert body["detail"] == TOO_DEEP


def test_a_body_one_level_past_the_bound_is_refused_and_one_at_it_is_read(asn):
    client, shipment = asn
    url = f"/api/v1/asns/{shipment['id']}/"
    deep = _raw(client, "patch", url, '{"carrier": "DHL", "x": ' + _nested_objects(MAX_JSON_DEPTH) + "}")
    assert assert_problem(deep, 400)["detail"] == TOO_DEEP
    # At the bound the body is parsed: the answer is about the field the ASN does not have, not the nesting.
    at_bound = _raw(client, "patch", url, '{"carrier": "DHL", "x": ' + _nested_objects(MAX_JSON_DEPTH - 1) + "}")
    errors = assert_problem(at_bound, 400).get("errors", [])
    assert [e["field"] for e in errors] == ["x"], errors


def test_the_deepest_real_body_passes(asn):
    """ASN -> lines -> items -> (packages): the API's deepest body, far under the bound."""
    client, shipment = asn
    line = shipment["lines"][0]
    body = {
        "carrier": "DHL",
        "lines": [
            {"order_line": line["order_line"], "quantity": "10", "items": [{"lot_name": "L-9", "quantity": "10"}]}
        ],
    }
    response = _raw(client, "patch", f"/api/v1/asns/{shipment['id']}/", json.dumps(body))
    assert response.status_code == 200, response.content
    assert response.json()["carrier"] == "DHL"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, True),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), False),
        (json.dumps({"note": "[" * 1000}), True),  # brackets inside a string are text
        (json.dumps({"note": '\\"[[[' * 100, "a": [[1]]}), True),  # so are escaped quotes before them
        ("[" * 30 + json.dumps("]" * 100) + "]" * 30, True),
        ('"unterminated [[[', True),  # not judged here: json.loads says it is not JSON
    ],
)
def test_depth_check_counts_brackets_outside_strings(text, ok):
    if ok:
        json_depth_check(text)
    else:
        with pytest.raises(JsonTooDeep, match="deeper than 32"):
            json_depth_check(text)


def test_bounded_loads_refuses_what_the_interpreter_cannot_parse():
    with pytest.raises(JsonTooDeep):
        json_loads_bounded("[" * 100_000)
    with pytest.raises(JsonTooDeep):  # a bound larger than the stack still answers, never RecursionError
        json_loads_bounded("[" * 100_000 + "]" * 100_000, limit=10**9)
    assert json_loads_bounded('{"a": [1, {"b": "[{"}]}') == {"a": [1, {"b": "[{"}]}
