"""Certificates live their own life: saving or submitting the draft never takes them away, a line or lot
that carries one is not dropped silently, and removing one is an explicit, audited action."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditEntry
from portal.services.errors import NotInScope
from suppliers.models import Asn, AsnLine, Certificate
from suppliers.services.asn_certificates import asn_attach_certificate, asn_remove_certificate
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_payload, asn_submit
from tests.conftest import login
from tests.suppliers.inputs import asn_header, asn_lines

from .test_asn_pages import _order

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% certificate of analysis\n"


def _draft(world):
    po = _order(world)
    resin, sensor = po.lines.order_by("id")
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {"order_line": resin.pk, "quantity": "10", "items": [{"lot_name": "R-77", "quantity": "10"}]},
                {
                    "order_line": sensor.pk,
                    "quantity": "2",
                    "items": [{"lot_name": "SN-1", "quantity": "1"}, {"lot_name": "SN-2", "quantity": "1"}],
                },
            ]
        ),
    )
    line = asn.lines.get(order_line=resin)
    lot_cert = asn_attach_certificate(
        membership=world.p1_user,
        asn_id=asn.pk,
        upload=SimpleUploadedFile("coa R-77.pdf", PDF),
        kind="coa",
        line_id=line.pk,
        lot_name="R-77",
    )
    whole = asn_attach_certificate(
        membership=world.p1_user, asn_id=asn.pk, upload=SimpleUploadedFile("coc.pdf", PDF + b"2"), kind="coc"
    )
    return asn, po, resin, sensor, line, lot_cert, whole


def _form(po, resin_qty="10", resin_lot="R-77", **extra):
    """The editor's fields as a browser sends them back after a plain save."""
    resin, sensor = po.lines.order_by("id")
    return {
        "ship_date": date.today().isoformat(),
        "eta": (date.today() + timedelta(days=2)).isoformat() + "T09:30",
        "carrier": "DHL",
        "tracking_number": "",
        "note": "",
        "pkg-0-kind": "",
        "pkg-0-weight_kg": "",
        "pkg-0-sscc": "",
        "line-0-order_line": resin.pk,
        "line-0-quantity": resin_qty,
        "line-0-item-0-lot_name": resin_lot,
        "line-0-item-0-quantity": resin_qty,
        "line-0-item-0-expiry_date": "",
        "line-0-item-0-package": "",
        "line-1-order_line": sensor.pk,
        "line-1-quantity": "2",
        "line-1-item-0-lot_name": "SN-1",
        "line-1-item-0-quantity": "1",
        "line-1-item-0-expiry_date": "",
        "line-1-item-0-package": "",
        "line-1-item-1-lot_name": "SN-2",
        "line-1-item-1-quantity": "1",
        "line-1-item-1-expiry_date": "",
        "line-1-item-1-package": "",
        **extra,
    }


def test_certificates_survive_saving_and_submitting_the_draft_in_the_browser(world, client):
    asn, po, _resin, _sensor, line, lot_cert, whole = _draft(world)
    items = sorted(asn.items.values_list("pk", flat=True))
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    assert client.post(url, {**_form(po), "action": "save"}).status_code == 302
    assert client.post(url, {**_form(po, resin_qty="9", resin_lot="R-77"), "action": "save"}).status_code == 302
    assert sorted(Certificate.objects.values_list("pk", "line_id", "lot_name")) == [
        (lot_cert.pk, line.pk, "R-77"),
        (whole.pk, None, ""),
    ]
    assert AsnLine.objects.get(pk=line.pk).quantity == 9  # the same line, changed in place
    assert sorted(asn.items.values_list("pk", flat=True)) == items  # and the same items
    done = client.post(url, {**_form(po), "action": "submit"}, follow=True)
    assert "submitted; the receipt" in done.content.decode()
    asn.refresh_from_db()
    assert asn.status in Asn.OPEN_STATUSES and asn.certificates.count() == 2
    assert sorted(c["name"] for c in asn.outbox_event.payload["certificates"]) == ["coa R-77.pdf", "coc.pdf"]
    page = client.get(url).content.decode()
    assert "coa R-77.pdf" in page and "coc.pdf" in page
    trail = AuditEntry.objects.filter(action__startswith="asn.certificate").order_by("id")
    assert [(e.action, e.object_id) for e in trail] == [
        ("asn.certificate_added", str(lot_cert.pk)),
        ("asn.certificate_added", str(whole.pk)),
    ]


def test_a_line_or_lot_that_carries_a_certificate_is_not_dropped_silently(world, client):
    asn, po, resin, sensor, line, lot_cert, _ = _draft(world)
    with pytest.raises(ValidationError) as dropped:
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines(
                [
                    {"order_line": resin.pk, "quantity": "0"},
                    {"order_line": sensor.pk, "quantity": "2", "items": [{"lot_name": "SN-1", "quantity": "1"}]},
                ]
            ),
        )
    assert dropped.value.message_dict == {
        "lines.0.quantity": [
            "coa R-77.pdf is attached to [LAB-LOT-001] Resin; remove the certificate first, or keep the line."
        ]
    }
    with pytest.raises(ValidationError) as left_out:  # the API sends whole lists: a line not listed is dropped
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines([{"order_line": sensor.pk, "quantity": "1", "items": []}]),
        )
    assert "coa R-77.pdf is attached to" in left_out.value.message_dict["lines"][0]
    with pytest.raises(ValidationError) as renamed:
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines(
                [{"order_line": resin.pk, "quantity": "10", "items": [{"lot_name": "R-78", "quantity": "10"}]}]
            ),
        )
    assert renamed.value.message_dict["lines.0.items"] == [
        "coa R-77.pdf is the certificate of lot R-77; remove the certificate first, or keep the lot."
    ]
    assert Certificate.objects.filter(pk=lot_cert.pk, line=line).exists()
    # In the browser the message stands next to the line and everything typed stays.
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    page = client.post(url, {**_form(po, resin_qty="0", resin_lot=""), "carrier": "UPS", "action": "save"})
    body = page.content.decode()
    assert page.status_code == 400 and "remove the certificate first, or keep the line" in body
    assert 'value="UPS"' in body


def test_removing_a_certificate_is_explicit_and_audited(world, client, django_capture_on_commit_callbacks):
    asn, po, resin, _sensor, line, lot_cert, whole = _draft(world)
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    assert "Remove <bdi>coa R-77.pdf</bdi>" in client.get(url).content.decode()
    stored = lot_cert.file.name
    storage = lot_cert.file.storage
    assert storage.exists(stored)
    with pytest.raises(NotInScope):  # another partner's user does not reach it
        asn_remove_certificate(membership=world.p2_user, asn_id=asn.pk, certificate_id=lot_cert.pk)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"action": "remove_certificate", "certificate": lot_cert.pk}, follow=True)
    assert "coa R-77.pdf removed from" in done.content.decode()
    assert list(asn.certificates.values_list("pk", flat=True)) == [whole.pk]
    entry = AuditEntry.objects.get(action="asn.certificate_removed")
    assert entry.actor == world.p1_user.user and entry.object_id == str(lot_cert.pk)
    assert entry.changes["filename"] == ["coa R-77.pdf", None] and entry.changes["sha256"][0] == lot_cert.sha256
    assert entry.changes["lot_name"] == ["R-77", None] and entry.changes["line"] == ["[LAB-LOT-001] Resin", None]
    assert not storage.exists(stored)
    # Now the lot may change: nothing depends on its name any more.
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [{"order_line": resin.pk, "quantity": "10", "items": [{"lot_name": "R-78", "quantity": "10"}]}]
        ),
    )
    bad = client.post(url, {"action": "remove_certificate", "certificate": "99999999"}, follow=True)
    assert "No certificate 99999999" in bad.content.decode()
    # A submitted shipment keeps its certificates: Odoo has them.
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"}),
        lines=asn_lines(
            [
                {"order_line": resin.pk, "quantity": "10", "items": [{"lot_name": "R-78", "quantity": "10"}]},
                {
                    "order_line": po.lines.order_by("id").last().pk,
                    "quantity": "2",
                    "items": [{"lot_name": "SN-1", "quantity": "1"}, {"lot_name": "SN-2", "quantity": "1"}],
                },
            ]
        ),
    )
    asn_submit(membership=world.p1_user, asn_id=asn.pk)
    with pytest.raises(ValidationError) as sent:
        asn_remove_certificate(membership=world.p1_user, asn_id=asn.pk, certificate_id=whole.pk)
    assert "its certificates went to Odoo" in sent.value.message_dict["__all__"][0]
    assert "Remove coc.pdf" not in client.get(url).content.decode()
    assert [c["name"] for c in asn_payload(Asn.objects.get(pk=asn.pk))["certificates"]] == ["coc.pdf"]
    assert line.pk == asn.lines.get(order_line=resin).pk
