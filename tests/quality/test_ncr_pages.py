"""The NCR pages: list (what needs action first, filters, bounded queries), a new NCR by hand,
the NCR page and its actions through the services, readers who may not act, and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Role
from quality.models import Ncr, NcrApproval, NcrContainment, NcrDisposition, NcrFile
from tests.factories import ProductFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.ncr_scenes import awaiting, contained, defect_code, open_ncr, second_engineer
from tests.quality.outcomes import outcome
from tests.quality.test_recording import _png
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db
A = "alpha"


def _client(client, membership):
    client.force_login(membership.user)
    return client


def test_list_puts_my_signature_first_and_stays_bounded_in_queries(world, client, django_assert_max_num_queries):
    product = ProductFactory(tenant=world.a, name="Alu bracket 7")
    for n in range(30):
        open_ncr(world.a_engineer, world.p1 if n % 2 else world.p2, lot=f"LOT-{n:03d}", product=product)
    target = open_ncr(world.a_engineer, world.p1, lot="LOT-SIGN", title="Needs my signature", product=product)
    contained(world.a_engineer, target)
    awaiting(world.a_engineer, target)
    signer = second_engineer(world.a)
    _client(client, signer)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("ncr_list", args=[A]))
    assert response.status_code == 200
    body = response.content.decode()
    first = body.index("Awaiting your signature")
    assert body.index(target.number, first) < body.index("<table", first)
    assert "31 open" in body or "31 open" in " ".join(body.split())
    # Search by lot and filter by partner.
    found = client.get(reverse("ncr_list", args=[A]), {"q": "LOT-SIGN"}).content.decode()
    assert target.number in found and "LOT-001" not in found
    only_p2 = client.get(reverse("ncr_list", args=[A]), {"partner": world.p2.pk}).content.decode()
    assert "LOT-SIGN" not in only_p2 and "LOT-000" in only_p2


def test_empty_list_says_what_to_do(world, client):
    body = _client(client, world.a_engineer).get(reverse("ncr_list", args=[A])).content.decode()
    assert "No open NCRs." in body and reverse("ncr_new", args=[A]) in body


def test_new_ncr_from_an_inspection_is_prefilled_and_opens(world, client):
    # An accepted lot: a rejected one is claimed by its own NCR, where a finding is added (the claim rule).
    inspection = outcome(world.p1, lot="LOT-PRE-9", reject=False)
    _client(client, world.a_engineer)
    page = client.get(reverse("ncr_new", args=[A]), {"inspection": inspection.pk}).content.decode()
    assert "LOT-PRE-9" in page and f'value="{inspection.pk}"' in page
    code = defect_code(world.a)
    data = {
        "source": "lot",
        "partner": world.p1.pk,
        "product": inspection.product_id,
        "title": "Found later: cracks",
        "severity": "major",
        "defect_codes": [code.pk],
        "description": "Cracks after bending.",
        "inspection": inspection.pk,
        "receipt": inspection.receipt_id,
        "lots-TOTAL_FORMS": "2",
        "lots-INITIAL_FORMS": "0",
        "lots-0-lot_name": "LOT-PRE-9",
        "lots-0-affected": "12",
        "lots-0-suspect": "3",
        "lots-0-inspection": inspection.pk,
        "lots-1-lot_name": "",
        "lots-1-affected": "",
        "lots-1-suspect": "",
    }
    response = client.post(reverse("ncr_new", args=[A]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ncr = Ncr.objects.get(title="Found later: cracks")
    assert response["Location"] == reverse("ncr_detail", args=[A, ncr.pk])
    [lot] = ncr.lots.all()
    assert (lot.lot_name, lot.affected, lot.suspect, lot.inspection_id) == ("LOT-PRE-9", 12, 3, inspection.pk)
    assert list(ncr.defect_codes.all()) == [code] and ncr.receipt_id == inspection.receipt_id


def test_new_ncr_refused_keeps_what_was_typed_and_says_why(world, client):
    product = ProductFactory(tenant=world.a)
    data = {
        "source": "production",
        "partner": world.p1.pk,
        "product": product.pk,
        "title": "",
        "severity": "major",
        "lots-TOTAL_FORMS": "1",
        "lots-INITIAL_FORMS": "0",
        "lots-0-lot_name": "LOT-KEEP-1",
        "lots-0-affected": "-5",
    }
    response = _client(client, world.a_engineer).post(reverse("ncr_new", args=[A]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "LOT-KEEP-1" in body and "This field is required" in body
    assert not Ncr.objects.exists()


def test_ncr_page_moves_from_open_to_contained_with_containment(world, client):
    ncr = open_ncr(world.a_engineer, world.p1)
    _client(client, world.a_engineer)
    page = client.get(reverse("ncr_detail", args=[A, ncr.pk])).content.decode()
    assert "Record at least one containment action" in page and "Mark contained" in page
    refused = client.post(reverse("ncr_move", args=[A, ncr.pk]), {"action": "contain"})
    assert refused.status_code == 400 and "Record at least one containment action" in refused.content.decode()
    client.post(reverse("ncr_containment_add", args=[A, ncr.pk]), {"action": "Stop the line", "owner": "Ops"})
    item = NcrContainment.objects.get(ncr=ncr)
    client.post(reverse("ncr_containment_done", args=[A, ncr.pk, item.pk]))
    response = client.post(reverse("ncr_move", args=[A, ncr.pk]), {"action": "contain"})
    assert response.status_code == 302
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.CONTAINED


def test_material_review_refuses_the_author_and_records_the_second_signature(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1))
    d = awaiting(world.a_engineer, ncr)
    url = reverse("ncr_disposition_decide", args=[A, ncr.pk, d.pk])
    own = _client(client, world.a_engineer).post(url, {"decision": "approve", "password": PASSWORD})
    assert own.status_code == 400
    assert "The author of a disposition cannot approve it" in own.content.decode()
    signer = second_engineer(world.a)
    _client(client, signer)
    page = client.get(reverse("ncr_detail", args=[A, ncr.pk])).content.decode()
    assert "Approved: scrap 40 of lot LOT-NCR-4411" in page  # the meaning, shown before signing
    wrong = client.post(url, {"decision": "approve", "password": "not-it"})
    assert wrong.status_code == 400 and not NcrApproval.objects.exists()
    assert client.post(url, {"decision": "approve", "password": PASSWORD, "comment": "ok"}).status_code == 302
    approval = NcrApproval.objects.get()
    assert approval.signer == signer.user and approval.meaning.startswith("Approved: scrap 40")
    d.refresh_from_db()
    assert d.status == NcrDisposition.Status.APPLIED
    page = client.get(reverse("ncr_detail", args=[A, ncr.pk])).content.decode()
    assert approval.meaning in page


def test_files_are_bounded_shared_on_request_and_served_in_scope(world, client):
    ncr = open_ncr(world.a_engineer, world.p1)
    _client(client, world.a_engineer)
    bad = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    refused = client.post(reverse("ncr_file_add", args=[A, ncr.pk]), {"file": bad})
    assert refused.status_code == 400 and "not a PDF, PNG or JPEG" in refused.content.decode()
    photo = SimpleUploadedFile("burr.png", _png(), content_type="image/png")
    ok = client.post(reverse("ncr_file_add", args=[A, ncr.pk]), {"file": photo, "shared_with_supplier": "on"})
    assert ok.status_code == 302
    item = NcrFile.objects.get()
    assert item.shared_with_supplier
    served = client.get(reverse("ncr_file", args=[A, ncr.pk, item.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_inspectors_and_buyers_read_but_every_post_is_refused(world, client):
    ncr = open_ncr(world.a_engineer, world.p1)
    posts = [
        (reverse("ncr_edit", args=[A, ncr.pk]), {"title": "changed", "severity": "minor"}),
        (reverse("ncr_containment_add", args=[A, ncr.pk]), {"action": "x", "owner": "y"}),
        (reverse("ncr_move", args=[A, ncr.pk]), {"action": "contain"}),
        (reverse("ncr_cancel", args=[A, ncr.pk]), {"reason": "no"}),
        (
            reverse("ncr_disposition_propose", args=[A, ncr.pk]),
            {"lot": ncr.lots.get().pk, "kind": "scrap", "quantity": "1"},
        ),
        (reverse("ncr_new", args=[A]), {}),
    ]
    for reader in (world.a_inspector, world.a_buyer):
        _client(client, reader)
        page = client.get(reverse("ncr_detail", args=[A, ncr.pk]))
        assert page.status_code == 200 and "LOT-NCR-4411" in page.content.decode()
        assert "Mark contained" not in page.content.decode()
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (reader.role, url)
    ncr.refresh_from_db()
    assert (ncr.title, ncr.status, ncr.containments.count()) == ("Burrs on the brackets", "open", 0)


def test_suppliers_and_outsiders_get_404_on_every_ncr_page(world):
    ncr = open_ncr(world.a_engineer, world.p1)
    NcrFile.objects.all().delete()
    upload_engineer = world.a_engineer
    from quality.services.ncrs import ncr_file_add

    item = ncr_file_add(
        membership=upload_engineer, ncr=ncr, upload=SimpleUploadedFile("a.png", _png()), shared_with_supplier=True
    )
    same_partner_supplier = [world.p1_admin, world.p1_user]
    outsiders = [world.p2_admin, member(world.b, Role.QUALITY_ENGINEER), world.b_admin]
    owner = world.a_engineer
    for url, markers in [
        (reverse("ncr_detail", args=[A, ncr.pk]), ["LOT-NCR-4411", ncr.number]),
        (reverse("ncr_file", args=[A, ncr.pk, item.pk]), []),
        (reverse("ncr_pdf", args=[A, ncr.pk]), []),
    ]:
        assert_scoped(ScopeCase(url, owner=owner, intruders=[*same_partner_supplier, *outsiders], markers=markers))
    for url in (reverse("ncr_list", args=[A]), reverse("ncr_new", args=[A])):
        assert_scoped(ScopeCase(url, owner=owner, intruders=same_partner_supplier, swap_tenant=False))


def test_cancel_needs_a_reason_shown_at_the_form(world, client):
    ncr = open_ncr(world.a_engineer, world.p1)
    _client(client, world.a_engineer)
    refused = client.post(reverse("ncr_cancel", args=[A, ncr.pk]), {"reason": ""})
    assert refused.status_code == 400 and "Say why the NCR is cancelled." in refused.content.decode()
    assert client.post(reverse("ncr_cancel", args=[A, ncr.pk]), {"reason": "Duplicate of another"}).status_code == 302
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.CANCELLED and ncr.cancel_reason == "Duplicate of another"
    assert Decimal(ncr.lots.get().affected) == 40
