"""A PO changed in Odoo after its shipment was announced (cancelled, a line removed or cut below what is
announced): the ASN says so to the supplier and the buyer, and the PO notification names it (simulated
Odoo 18 and 19)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import AuditEntry, Role
from suppliers.models import Asn, PurchaseOrderLine
from tests.conftest import login
from tests.factories import member

from .test_asn_split_shipments import announce, bracket_order, deliver, pull


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """These flows run against a simulated Odoo 18 (/jsonrpc) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db


def _page(who, asn) -> str:
    return login(Client(), who).get(reverse("asn_detail", args=[asn.tenant.slug, asn.pk])).content.decode()


def test_a_po_cancelled_in_odoo_after_its_asn_is_shown_on_the_asn_and_in_the_email(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    """t12: the ASN was submitted, then the buyer cancelled the PO in Odoo."""
    po = bracket_order(synced.tenant)
    asn = announce(synced, po, {"M8-BOLT-50": 500})
    assert deliver(synced.tenant) == ["done"]
    synced.gw.call("purchase.order", "button_cancel", [po.odoo_id])
    mailoutbox.clear()
    pull(synced, django_capture_on_commit_callbacks)
    asn.refresh_from_db()
    notice = f"{po.name} was cancelled in Odoo: nothing of this shipment is expected on it any more."
    assert asn.order_changes == [notice] and asn.status in Asn.OPEN_STATUSES
    entry = AuditEntry.objects.get(action="asn.order_changed", object_id=str(asn.pk))
    assert entry.actor is None and entry.changes == {"order_changes": [[], [notice]]}
    buyer = member(synced.tenant, Role.BUYER)
    for who in (synced.supplier, buyer):
        page = _page(who, asn)
        assert "Order changed in Odoo" in page and notice in page
    listing = login(Client(), buyer).get(reverse("asn_list", args=[synced.tenant.slug])).content.decode()
    assert "Order changed in Odoo" in listing
    [mail] = [m for m in mailoutbox if synced.supplier.user.email in m.to]
    assert mail.subject == f"Purchase order {po.name} cancelled"
    assert f"Your shipment {asn.number}" in mail.body and notice in mail.body
    # Over the API too, to the partner's ERP.
    from tests.api.conftest import bearer, issue

    admin = member(synced.tenant, Role.SUPPLIER_ADMIN, asn.partner)
    _, secret = issue(admin, scopes=["asn:read"])
    answer = bearer(secret).get(f"/api/v1/asns/{asn.pk}/")
    assert answer.status_code == 200 and answer.json()["order_changes"] == [notice]
    # A pull that finds nothing new says nothing new.
    mailoutbox.clear()
    pull(synced, django_capture_on_commit_callbacks)
    assert mailoutbox == [] and AuditEntry.objects.filter(action="asn.order_changed").count() == 1


def test_a_line_cut_below_what_is_announced_is_shown_even_when_the_acknowledgement_is_already_outdated(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    po = bracket_order(synced.tenant)
    a = announce(synced, po, {"M8-BOLT-50": 600})
    b = announce(synced, po, {"M8-BOLT-50": 200})
    assert deliver(synced.tenant) == ["done", "done"]
    bolt = po.lines.get(product__default_code="M8-BOLT-50")
    po.ack_status = "outdated"  # the supplier was told of an earlier change already
    po.save(update_fields=["ack_status"])
    synced.gw.write("purchase.order.line", [bolt.odoo_id], {"product_qty": 700})
    mailoutbox.clear()
    pull(synced, django_capture_on_commit_callbacks)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.order_changes == [
        f"{po.name}: {bolt.description.splitlines()[0][:60]} now asks 700 Units more; open shipments announce 800 "
        "(this one 600)."
    ]
    assert b.order_changes == [
        f"{po.name}: {bolt.description.splitlines()[0][:60]} now asks 700 Units more; open shipments announce 800 "
        "(this one 200)."
    ]
    [mail] = mailoutbox
    assert mail.subject == f"Purchase order {po.name} changed" and a.number in mail.body and b.number in mail.body
    # Within the tenant's tolerance (5 %) it is no longer a problem: the notices go.
    synced.gw.write("purchase.order.line", [bolt.odoo_id], {"product_qty": 780})
    pull(synced, django_capture_on_commit_callbacks)
    a.refresh_from_db()
    assert a.order_changes == []
    assert _page(synced.supplier, a).count("Order changed in Odoo") == 0


def test_a_line_removed_in_odoo_keeps_the_asn_and_says_so(synced, django_capture_on_commit_callbacks):
    """Odoo removes a line of a confirmed PO by cancel, back to draft, delete, confirm: the mirror keeps the
    line the ASN announced (with nothing ordered) instead of failing the pull."""
    po = bracket_order(synced.tenant)
    asn = announce(synced, po, {"M8-BOLT-50": 500, "ALU-BRKT-7": [("L-9", 100)]})
    assert deliver(synced.tenant) == ["done"]
    gw = synced.gw
    bolt = po.lines.get(product__default_code="M8-BOLT-50")
    gw.call("purchase.order", "button_cancel", [po.odoo_id])
    gw.call("purchase.order", "button_draft", [po.odoo_id])
    gw.unlink("purchase.order.line", [bolt.odoo_id])
    gw.call("purchase.order", "button_confirm", [po.odoo_id])
    pull(synced, django_capture_on_commit_callbacks)
    bolt = PurchaseOrderLine.objects.get(pk=bolt.pk)
    assert bolt.quantity == 0
    asn.refresh_from_db()
    assert asn.order_changes == [
        f"{po.name}: {bolt.description.splitlines()[0][:60]} is no longer on the order in Odoo (removed or set to 0); "
        "this shipment still announces 500 Units."
    ]
    assert asn.lines.count() == 2 and "no longer on the order" in _page(member(synced.tenant, Role.BUYER), asn)


def test_a_draft_of_a_po_cancelled_since_cannot_be_submitted(synced, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    from suppliers.services.asn_submission import asn_submit

    po = bracket_order(synced.tenant)
    draft = announce(synced, po, {"M8-BOLT-50": 500}, submit=False)
    synced.gw.call("purchase.order", "button_cancel", [po.odoo_id])
    pull(synced, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    assert draft.order_changes and draft.status == Asn.Status.DRAFT
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=synced.supplier, asn_id=draft.pk)
    assert f"{po.name} is no longer open in Odoo (Cancelled)" in caught.value.message_dict["__all__"][0]
