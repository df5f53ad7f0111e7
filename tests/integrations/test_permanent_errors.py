"""Which Odoo errors retry and which go to the exception queue: Odoo's exception name first, then
the HTTP status (a wrong field or selection value is HTTP 500 over JSON-2 on a real Odoo 19, yet
retrying it changes nothing)."""

from __future__ import annotations

import pytest
from django.db import transaction

from integrations.handlers import HANDLERS, handler
from integrations.models import EventStatus, TenantSyncState
from integrations.odoo import OdooGateway
from integrations.odoo.errors import (
    CredentialsRejected,
    OdooPermanentError,
    OdooTransientError,
    classify,
    classify_status,
)
from integrations.services.delivery import event_deliver
from integrations.services.outbox import outbox_emit
from tests.factories import odoo_tenant

PYTHON_ERRORS = ["builtins.ValueError", "builtins.TypeError", "builtins.IndexError", "builtins.AttributeError"]
PYTHON_ERRORS += ["builtins.KeyError"]


def _kind(error) -> str:
    if isinstance(error, CredentialsRejected):
        return "credentials"
    if isinstance(error, OdooPermanentError):
        return "permanent"
    assert isinstance(error, OdooTransientError)
    return "transient"


@pytest.mark.parametrize("name", PYTHON_ERRORS)
@pytest.mark.parametrize("status", [500, 400, 422])
def test_a_python_error_of_the_server_is_permanent_whatever_the_status(name, status):
    error = classify_status(status, name, "Wrong value for purchase.order.state: 'x'", model="purchase.order")
    assert _kind(error) == "permanent" and error.name == name and error.status == status


@pytest.mark.parametrize("name", PYTHON_ERRORS)
def test_a_python_error_is_permanent_over_jsonrpc_too(name):
    assert _kind(classify(name, "Invalid field 'x' in 'purchase.order'")) == "permanent"


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [
        (500, "http.500", "transient"),  # a 500 that names nothing: the server or a proxy in trouble
        (500, "", "transient"),
        (500, "werkzeug.exceptions.InternalServerError", "transient"),
        (502, "http.502", "transient"),
        (503, "http.503", "transient"),
        (503, "werkzeug.exceptions.ServiceUnavailable", "transient"),
        (504, "http.504", "transient"),
        (408, "http.408", "transient"),
        (429, "werkzeug.exceptions.TooManyRequests", "transient"),
        (500, "psycopg2.OperationalError", "transient"),
        (500, "psycopg2.errors.SerializationFailure", "transient"),
        (422, "werkzeug.exceptions.UnprocessableEntity", "permanent"),
        (422, "http.422", "permanent"),
        (422, "odoo.exceptions.UserError", "permanent"),
        (422, "odoo.exceptions.ValidationError", "permanent"),
        (404, "odoo.exceptions.MissingError", "permanent"),
        (403, "odoo.exceptions.AccessError", "permanent"),
        (400, "werkzeug.exceptions.BadRequest", "permanent"),
        (401, "werkzeug.exceptions.Unauthorized", "credentials"),
        (401, "http.401", "credentials"),
        (500, "odoo.exceptions.AccessDenied", "credentials"),
    ],
)
def test_json2_status_and_name(status, name, kind):
    assert _kind(classify_status(status, name, "...")) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("odoo.http.SessionExpiredException", "transient"),
        ("psycopg2.OperationalError", "transient"),
        ("psycopg2.errors.AdminShutdown", "transient"),  # unknown to the portal: worth another try
        ("some.addon.UnheardOfError", "transient"),
        ("odoo.exceptions.ConcurrencyError", "transient"),
        ("odoo.exceptions.UserError", "permanent"),
        ("odoo.exceptions.MissingError", "permanent"),
        ("odoo.exceptions.SomeNewBusinessError", "permanent"),
        ("builtins.ConnectionError", "transient"),
        ("builtins.MemoryError", "transient"),
        ("", "permanent"),  # an answer that is an error without a name is a protocol problem
        ("odoo.exceptions.AccessDenied", "credentials"),
    ],
)
def test_jsonrpc_name(name, kind):
    assert _kind(classify(name, "...")) == kind


WRONG_WRITES = {
    "unknown field": ({"no_such_field": 1}, "no_such_field"),
    "wrong selection value": ({"state": "not_a_state"}, "not_a_state"),
}


@pytest.fixture
def bad_write_topic():
    """A throwaway topic whose handler writes what the event says to a purchase order."""

    @handler("test.bad_write")
    def bad_write(gw: OdooGateway, event) -> dict:
        gw.write("purchase.order", [event.payload["po_odoo_id"]], event.payload["values"])
        return {"written": True}

    yield "test.bad_write"
    HANDLERS.pop("test.bad_write", None)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(WRONG_WRITES))
def test_a_wrong_value_over_json2_goes_to_the_queue_at_once_and_spares_the_breaker(
    case, odoo_sim, bad_write_topic, settings
):
    values, word = WRONG_WRITES[case]
    tenant = odoo_tenant(odoo_sim, f"json2-{case.replace(' ', '-')}", transport="json2")
    gw = OdooGateway(tenant.odoo_config())
    assert gw.transport_name == "json2"
    po_id = gw.search("purchase.order", [], limit=1)[0]
    # What JSON-2 answers (shared/odoo-reference/odoo19/transcripts/user_error_validation_error.json):
    # HTTP 500 and builtins.ValueError.
    with pytest.raises(OdooPermanentError) as refused:
        gw.write("purchase.order", [po_id], values)
    assert (refused.value.status, refused.value.name) == (500, "builtins.ValueError")

    # One transient failure would open the breaker: a misclassified 500 would show at once.
    settings.PORTAL_BREAKER_THRESHOLD = 1
    TenantSyncState.objects.create(tenant=tenant, consecutive_failures=0)
    with transaction.atomic():
        event = outbox_emit(
            tenant=tenant, topic=bad_write_topic, aggregate=tenant, payload={"po_odoo_id": po_id, "values": values}
        )
    assert event_deliver(event_id=str(event.id)) == "dead"
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD and event.attempts == 1
    assert event.last_error_class.startswith("permanent:builtins.ValueError")
    assert word in event.last_error
    state = TenantSyncState.objects.get(tenant=tenant)
    assert state.consecutive_failures == 0 and state.open_until is None and state.opened_count == 0
    assert event_deliver(event_id=str(event.id)) == "skipped"  # no second attempt
