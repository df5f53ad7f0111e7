"""A page that answers an error shows every field as typed; cancelling drafts; refusals that fit.

Only a value read from the database is formatted on the page: text the supplier typed comes back
exactly ("499,5", "1.234,5", "abc"), so saving again after fixing another field loses nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from suppliers.models import Asn
from suppliers.services.asn_drafts import asn_create
from suppliers.services.asn_submission import asn_cancel, asn_mark_shipped, asn_submit
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory
from tests.suppliers.inputs import asn_header

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=20)


def _draft(world):
    """A draft of one untracked line of 1000 pieces, prefilled with what is open."""
    screws = ProductFactory(tenant=world.a, odoo_id=61, default_code="SCR-4", name="Screw", tracking="none")
    po = PurchaseOrderFactory(
        partner=world.p1, name="P20001", date_planned=SOON, lines=[{"product": screws, "quantity": 1000}]
    )
    header = asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"})
    return asn_create(membership=world.p1_user, po_ids=[po.pk], header=header), po.lines.get()


def _editor(asn, line, **fields):
    form = {
        "ship_date": "2026-12-01",
        "eta": "2026-12-03T08:00",
        "carrier": "",
        "tracking_number": "",
        "note": "",
        "pkg-0-kind": "",
        "pkg-0-sscc": "",
        "pkg-0-weight_kg": "",
        "line-0-order_line": line.pk,
        "line-0-quantity": "0",
        "line-0-item-0-lot_name": "",
        "line-0-item-0-expiry_date": "",
        "line-0-item-0-quantity": "",
        "line-0-item-0-package": "",
        "action": "save",
    }
    return {**form, **fields}


def test_a_weight_error_keeps_the_quantities_as_typed_and_the_next_save_keeps_the_line(world, client):
    asn, line = _draft(world)
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    typed = {"line-0-quantity": "499,5", "pkg-0-kind": "carton", "pkg-0-weight_kg": "12kg"}
    bad = client.post(url, _editor(asn, line, **typed, **{"line-0-item-0-quantity": "1.234,5"}))
    page = bad.content.decode()
    assert bad.status_code == 400 and "“12kg” is not a number." in page
    assert 'name="line-0-quantity" value="499,5"' in page
    assert 'name="line-0-item-0-quantity" value="1.234,5"' in page
    assert 'name="pkg-0-weight_kg" value="12kg"' in page
    fixed = client.post(url, _editor(asn, line, **{**typed, "pkg-0-weight_kg": "12"}))
    assert fixed.status_code == 302
    assert asn.lines.get().quantity == Decimal("499.5")
    shown = client.get(url).content.decode()  # read from the database: formatted
    assert 'name="line-0-quantity" value="499.5000"' in shown and 'name="pkg-0-weight_kg" value="12"' in shown


def test_every_editor_field_comes_back_as_typed_after_an_error(world, client):
    asn, line = _draft(world)
    login(client, world.p1_user)
    typed = {
        "ship_date": "abc",
        "eta": "soon",
        "carrier": "DHL <Express>",
        "tracking_number": "JD 1",
        "note": "Gate 4",
        "line-0-quantity": "1,2,3",
        "line-0-item-0-lot_name": "L-1",
        "line-0-item-0-expiry_date": "abc",
        "line-0-item-0-quantity": "abc",
    }
    bad = client.post(reverse("asn_detail", args=["alpha", asn.pk]), _editor(asn, line, **typed))
    page = bad.content.decode()
    assert bad.status_code == 400
    for name, text in typed.items():
        if name == "note":
            assert '<textarea id="note" name="note" rows="2" maxlength="4000">Gate 4</textarea>' in page
        else:
            shown = text.replace("<", "&lt;").replace(">", "&gt;")
            assert f'name="{name}" value="{shown}"' in page or f'name="{name}" maxlength="80" value="{shown}"' in page


def test_an_error_of_a_field_without_a_message_beside_it_is_listed_at_the_top(world, client):
    asn, line = _draft(world)
    login(client, world.p1_user)
    tampered = _editor(asn, line, **{"pkg-0-kind": "carton", "pkg-0-sscc": "123", "line-0-quantity": "5"})
    bad = client.post(reverse("asn_detail", args=["alpha", asn.pk]), tampered)
    assert bad.status_code == 400
    unshown = bad.context["unshown_errors"]
    assert unshown and all(message in bad.content.decode() for message in unshown)


def test_a_draft_is_cancelled_in_the_browser(world, client):
    asn, _line = _draft(world)
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    assert "Cancel this draft" in client.get(url).content.decode()
    done = client.post(url, {"action": "cancel", "reason": ""}, follow=True)  # a draft needs no reason
    asn.refresh_from_db()
    assert asn.status == Asn.Status.CANCELLED and f"Draft {asn.number} cancelled." in done.content.decode()
    assert asn.outbox_event is None  # nothing went to Odoo, nothing to take back


def test_each_refusal_of_the_asn_lifecycle_says_what_is_wrong(world):
    asn, _line = _draft(world)
    me = world.p1_user

    def refusal(call, **kwargs) -> str:
        with pytest.raises(ValidationError) as caught:
            call(membership=me, asn_id=asn.pk, **kwargs)
        return caught.value.message_dict["__all__"][0]

    assert refusal(asn_mark_shipped) == f"{asn.number} is a draft; submit it first."
    Asn.objects.filter(pk=asn.pk).update(status=Asn.Status.SUBMITTED)
    assert refusal(asn_submit) == f"{asn.number} is “Submitted” already; only a draft is submitted."
    Asn.objects.filter(pk=asn.pk).update(status=Asn.Status.RECEIVED)
    assert refusal(asn_cancel, reason="x") == f"{asn.number} is “Received”; goods on a receipt cannot be un-announced."
    assert refusal(asn_mark_shipped).startswith(f"{asn.number} is “Received” already;")
    Asn.objects.filter(pk=asn.pk).update(status=Asn.Status.CANCELLED)
    assert refusal(asn_cancel, reason="x") == f"{asn.number} is already cancelled."
    assert refusal(asn_submit) == f"{asn.number} is cancelled."


def _ack_po(world):
    lines = [{"product": None, "description": "Hex bolt M8", "quantity": 500}]
    po = PurchaseOrderFactory(partner=world.p1, name="P20002", date_planned=SOON, lines=lines)
    return po, po.lines.get()


def test_the_acknowledgement_page_keeps_every_answer_as_typed(world, client):
    po, bolt = _ack_po(world)
    login(client, world.p1_user)
    key = f"line-{bolt.pk}"
    typed = {f"{key}-promised_qty": "1.234,5", f"{key}-promised_date": "abc", f"{key}-reason": "Furnace <1>"}
    bad = client.post(reverse("po_acknowledge", args=["alpha", po.pk]), {f"{key}-decision": "change", **typed})
    page = bad.content.decode()
    assert bad.status_code == 400
    assert f'name="{key}-promised_qty" value="1.234,5"' in page
    assert f'name="{key}-promised_date" value="abc"' in page
    assert f'name="{key}-reason" value="Furnace &lt;1&gt;"' in page


def test_a_tampered_decision_is_shown_on_the_acknowledgement_page(world, client):
    po, bolt = _ack_po(world)
    login(client, world.p1_user)
    bad = client.post(reverse("po_acknowledge", args=["alpha", po.pk]), {f"line-{bolt.pk}-decision": "approve"})
    page = bad.content.decode()
    assert bad.status_code == 400 and "(got “approve”)" in page
