"""schemathesis over the OpenAPI schema: generated requests (bounded) never get a 5xx, and every
answer matches the schema (status codes, content types, bodies)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from portal.api.scopes import api_scopes
from portal.services.tokens import token_create
from suppliers.models import rules_for

from .conftest import make_order

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def fuzz_token(world):
    # A real WSGI app closes the connection after each request; inside a test transaction it must
    # stay open (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    po = make_order(world.a, world.p1, "P30001")
    from suppliers.services.asn_drafts import asn_create

    asn_create(membership=world.p1_user, po_ids=[po.pk])
    from quality.services.scars import scar_issue

    # A SCAR of the token's partner, so the SCAR list answers a row (checked against its schema).
    scar_issue(membership=world.a_engineer, partner=world.p1, title="Fuzzed SCAR")
    _, secret = token_create(actor=world.p1_admin, name="fuzz", scopes=list(api_scopes()), expires_in_days=1)
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api_answers_match_the_schema_and_never_fail(case, fuzz_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"},
        # What the API promises: no server error, and answers as documented. (Lenient query parsing,
        # e.g. an unknown page_size falling back to the default, is allowed.)
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.response_headers_conformance,
        ],
    )
