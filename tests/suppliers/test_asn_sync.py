"""ASNs against the simulated Odoo: what the receipt holds after, and what a redelivery changes (nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.models import OutboxEvent
from integrations.services.delivery import event_deliver
from integrations.services.pull import tenant_pull
from suppliers.models import Asn, PurchaseOrder, rules_for
from suppliers.services.asn_certificates import asn_attach_certificate
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_cancel, asn_submit
from suppliers.services.gs1 import sscc_valid
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """These flows run against a simulated Odoo 18 (/jsonrpc) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% certificate of conformance\n"


def _bracket_order(tenant):
    return (
        PurchaseOrder.objects.filter(tenant=tenant, state="purchase", lines__product__default_code="ALU-BRKT-7")
        .exclude(receipt_status="partial")
        .distinct()
        .first()
    )


def _shipment(synced, *, bolt_qty=None):
    tenant = synced.tenant
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    po = _bracket_order(tenant)
    bolt = po.lines.get(product__default_code="M8-BOLT-50")
    bracket = po.lines.get(product__default_code="ALU-BRKT-7")
    eta = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=3)
    asn = asn_create(
        membership=synced.supplier,
        po_ids=[po.pk],
        header=asn_header(
            synced.supplier,
            {
                "ship_date": dt.date.today().isoformat(),
                "eta": eta.isoformat(),
                "carrier": "DHL",
                "tracking_number": "JD014600006281",
            },
        ),
    )
    asn_update(
        membership=synced.supplier,
        asn_id=asn.pk,
        packages=asn_packages([{"kind": "pallet"}, {"kind": "carton", "weight_kg": "12.5"}]),
        lines=asn_lines(
            [
                {
                    "order_line": bolt.pk,
                    "quantity": bolt_qty or bolt.quantity,
                    "items": [{"quantity": bolt_qty or bolt.quantity, "package": "1"}],
                },
                {
                    "order_line": bracket.pk,
                    "quantity": bracket.quantity,
                    "items": [
                        {
                            "lot_name": "LOT-A-7",
                            "quantity": bracket.quantity - 150,
                            "package": "1",
                            "expiry_date": "2028-01-31",
                        },
                        {"lot_name": "LOT-B-7", "quantity": 150, "package": "2"},
                    ],
                },
            ]
        ),
    )
    return asn, po, bolt, bracket, eta


def _deliver(tenant):
    return [event_deliver(event_id=str(e.id)) for e in OutboxEvent.objects.filter(tenant=tenant, status="pending")]


def test_submitted_asn_lands_on_the_three_step_receipt_with_lots_and_converges_on_redelivery(
    synced, django_capture_on_commit_callbacks
):
    asn, po, bolt, bracket, eta = _shipment(synced)
    packages = list(asn.packages.order_by("id"))
    assert [p.sscc[:8] for p in packages] == ["00614141", "00614141"] and all(sscc_valid(p.sscc) for p in packages)
    asn_attach_certificate(
        membership=synced.supplier,
        asn_id=asn.pk,
        line_id=asn.lines.get(order_line=bracket).pk,
        lot_name="LOT-A-7",
        upload=SimpleUploadedFile("coc LOT-A-7.pdf", PDF),
        kind="coc",
    )
    asn = asn_submit(membership=synced.supplier, asn_id=asn.pk)
    assert asn.status == Asn.Status.IN_TRANSIT  # ships today
    assert _deliver(synced.tenant) == ["done"]
    gw = synced.gw
    [picking] = [p for p in gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"]]
    receipt = gw.read("stock.picking", [picking], ["scheduled_date", "location_dest_id", "move_ids", "state"])[0]
    assert receipt["scheduled_date"] == eta.strftime("%Y-%m-%d %H:%M:%S")
    assert receipt["location_dest_id"][1] == "WH/Input"  # first of three steps
    lines = gw.search_read("stock.move.line", [["picking_id", "=", picking]], ["product_id", "lot_name", "quantity"])
    got = sorted(
        (line["product_id"][1].split("]")[0].strip("["), line["lot_name"] or "", line["quantity"]) for line in lines
    )
    assert got == sorted(
        [
            ("M8-BOLT-50", "", float(bolt.quantity)),
            ("ALU-BRKT-7", "LOT-A-7", float(bracket.quantity - 150)),
            ("ALU-BRKT-7", "LOT-B-7", 150.0),
        ]
    )
    notes = gw.search_read(
        "mail.message", [["model", "=", "stock.picking"], ["res_id", "=", picking]], ["body", "attachment_ids"]
    )
    [note] = [n for n in notes if asn.number in n["body"]]
    assert packages[0].sscc in note["body"] and len(note["attachment_ids"]) == 1
    attachment = gw.read("ir.attachment", note["attachment_ids"], ["name", "res_model"])[0]
    assert attachment["name"] == f"{asn.number} - coc LOT-A-7.pdf" and attachment["res_model"] == "stock.picking"

    # A redelivery (a crash before "done") finds everything in place and adds nothing.
    OutboxEvent.objects.filter(pk=asn.outbox_event_id).update(status="pending", attempts=1)
    assert _deliver(synced.tenant) == ["done"]
    assert len(gw.search("stock.move.line", [["picking_id", "=", picking]])) == len(lines)
    assert len(gw.search("ir.attachment", [["res_id", "=", picking], ["res_model", "=", "stock.picking"]])) == 1
    assert (
        len(
            [
                n
                for n in gw.search_read(
                    "mail.message", [["model", "=", "stock.picking"], ["res_id", "=", picking]], ["body"]
                )
                if asn.number in n["body"]
            ]
        )
        == 1
    )

    # The dock validates the receipt in Odoo; the next pull marks the ASN received.
    result = gw.call("stock.picking", "button_validate", [picking])
    assert result is True
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=synced.tenant)
    asn.refresh_from_db()
    assert asn.status == Asn.Status.RECEIVED
    with pytest.raises(ValidationError):
        asn_cancel(membership=synced.supplier, asn_id=asn.pk, reason="too late")


def test_asn_that_does_not_match_the_receipt_is_reported_not_forced(synced):
    asn, po, bolt, _bracket, _ = _shipment(synced)
    gw = synced.gw
    gw.write("purchase.order.line", [bolt.odoo_id], {"product_qty": float(bolt.quantity) - 500})  # buyer cut it
    picking = gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"][0]
    domain = [["picking_id", "=", picking], ["product_id.default_code", "=", "M8-BOLT-50"]]
    before = gw.search_read("stock.move.line", domain, ["lot_name", "quantity"])
    asn_submit(membership=synced.supplier, asn_id=asn.pk)
    assert _deliver(synced.tenant) == ["done"]
    asn.refresh_from_db()
    assert len(asn.odoo_mismatches) == 1 and "the receipt expects 1,500" in asn.odoo_mismatches[0]
    assert gw.search_read("stock.move.line", domain, ["lot_name", "quantity"]) == before  # not forced
    lots = {row["lot_name"] for row in gw.search_read("stock.move.line", [["picking_id", "=", picking]], ["lot_name"])}
    assert {"LOT-A-7", "LOT-B-7"} <= lots  # the line that matches still went through


def test_cancelling_a_submitted_asn_takes_its_lots_off_the_receipt(synced):
    asn, po, *_ = _shipment(synced)
    asn_submit(membership=synced.supplier, asn_id=asn.pk)
    assert _deliver(synced.tenant) == ["done"]
    with pytest.raises(ValidationError) as no_reason:
        asn_cancel(membership=synced.supplier, asn_id=asn.pk)
    assert "reason" in no_reason.value.message_dict
    asn_cancel(membership=synced.supplier, asn_id=asn.pk, reason="Truck broke down")
    assert _deliver(synced.tenant) == ["done"]
    picking = synced.gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"][0]
    names = {
        line["lot_name"]
        for line in synced.gw.search_read("stock.move.line", [["picking_id", "=", picking]], ["lot_name"])
    }
    assert not names & {"LOT-A-7", "LOT-B-7"}


def test_reconciliation_finds_lots_and_dates_gone_from_odoo(synced, django_capture_on_commit_callbacks):
    from integrations.models import SyncDrift
    from integrations.services.reconcile import tenant_reconcile
    from suppliers.services.acknowledgements import LineAnswer, ack_submit, local_date

    asn, po, _bolt, _bracket, _ = _shipment(synced)
    asn_submit(membership=synced.supplier, asn_id=asn.pk)
    first, *rest = list(po.lines.order_by("sequence", "id"))
    promised = local_date(first.date_planned, synced.tenant) + dt.timedelta(days=1)
    ack_submit(
        membership=synced.supplier,
        po_id=po.pk,
        answers=[
            LineAnswer(line_id=first.pk, decision="change", promised_date=promised),
            *[LineAnswer(line_id=x.pk) for x in rest],
        ],
    )
    assert set(_deliver(synced.tenant)) == {"done"}
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 0  # all as delivered
    gw = synced.gw
    picking = gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"][0]
    lot_b = gw.search("stock.move.line", [["picking_id", "=", picking], ["lot_name", "=", "LOT-B-7"]])
    gw.unlink("stock.move.line", lot_b)
    gw.write("purchase.order.line", [first.odoo_id], {"date_planned": "2030-01-01 12:00:00"})
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 2
    messages = sorted(SyncDrift.objects.values_list("message", flat=True))
    assert "LOT-B-7" in messages[0] and "promised" in messages[1]


def test_a_certificate_whose_file_left_storage_fails_the_delivery_with_what_to_do(synced):
    """Same kind as a photo gone from storage: the handler says which certificate to upload again
    (a permanent failure on the sync monitor), instead of an unexplained OSError retried for hours."""
    from suppliers.models import Certificate

    asn, _po, _bolt, bracket, _eta = _shipment(synced)
    asn_attach_certificate(
        membership=synced.supplier,
        asn_id=asn.pk,
        line_id=asn.lines.get(order_line=bracket).pk,
        lot_name="LOT-A-7",
        upload=SimpleUploadedFile("coc LOT-A-7.pdf", PDF),
        kind="coc",
    )
    asn = asn_submit(membership=synced.supplier, asn_id=asn.pk)
    record = Certificate.objects.get(asn=asn)
    record.file.storage.delete(record.file.name)
    assert _deliver(synced.tenant) == ["dead"]
    event = OutboxEvent.objects.get(tenant=synced.tenant, topic="asn.submitted")
    assert "coc LOT-A-7.pdf" in event.last_error and "upload it again" in event.last_error
