"""The inspector's pages: the list with the dock's scan field (SSCC, lot, PO, receipt), the inspection
page (grid, verdict, sign-off, photos), the JSON endpoint of the offline queue, and their scope
(other partner or tenant, suppliers, buyers: 404)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import Inspection, InspectionResult
from quality.selectors import sscc_of_scan
from quality.services.inspections import inspections_from_receipt
from tests.conftest import login
from tests.factories import AsnItemFactory, AsnLineFactory, PackageFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.test_recording import _png, make_inspection

pytestmark = pytest.mark.django_db

SSCC = "006141410000000012"  # check digit 2 (GS1 mod 10)


@pytest.fixture
def lot(world):
    return make_inspection(world.p1, lot="LOT-77")


def _urls(inspection):
    detail = reverse("inspection_detail", args=["alpha", inspection.pk])
    return detail, reverse("inspection_results", args=["alpha", inspection.pk])


def _send(client, url, **body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_list_shows_what_waits_and_a_scan_opens_the_lot(client, world, lot):
    inspection, *_ = lot
    login(client, world.a_inspector)
    url = reverse("inspection_list", args=["alpha"])
    html = client.get(url).content.decode()
    assert "Lot LOT-77" in html and 'id="scan"' in html and "sample 3" in html
    detail = reverse("inspection_detail", args=["alpha", inspection.pk])
    assert client.get(url, {"scan": "lot-77"}).url == detail
    assert client.get(url, {"scan": inspection.receipt.name}).url == detail
    assert client.get(url, {"scan": inspection.receipt.order.name}).url == detail
    assert "Nothing matches" in client.get(url, {"scan": "NOPE"}).content.decode()


def test_an_sscc_scan_finds_the_lots_packed_in_that_package(client, world, lot):
    inspection, *_ = lot
    line = AsnLineFactory(asn__partner=world.p1, order_line__product=inspection.product)
    AsnItemFactory(line=line, lot_name="LOT-77", package=PackageFactory(asn=line.asn, sscc=SSCC))
    assert sscc_of_scan(f"(00){SSCC}") == SSCC == sscc_of_scan(f"00{SSCC}") and sscc_of_scan("LOT-77") is None
    login(client, world.a_inspector)
    url = reverse("inspection_list", args=["alpha"])
    assert client.get(url, {"scan": f"(00){SSCC}"}).url == reverse("inspection_detail", args=["alpha", inspection.pk])
    login(client, member(world.b, Role.INSPECTOR))  # another tenant's inspector finds nothing
    assert "Nothing matches" in client.get(reverse("inspection_list", args=["beta"]), {"scan": SSCC}).content.decode()


def test_the_page_shows_sampling_the_grid_and_records_a_posted_form(client, world, lot):
    inspection, length, finish = lot
    login(client, world.a_inspector)
    detail, _ = _urls(inspection)
    html = client.get(detail).content.decode()
    assert 'inputmode="decimal"' in html and 'capture="environment"' in html and "Not complete" in html
    assert f'name="r-3-{length.pk}"' in html and f'name="r-3-{finish.pk}"' not in html  # minors: 2 units
    response = client.post(
        detail, {"action": "record", f"r-1-{length.pk}": "10,35", f"r-2-{length.pk}": "abc", f"r-1-{finish.pk}": "pass"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Out of tolerance" not in html or "10,35" in html  # the typed value is kept
    assert 'value="abc"' in html and 'aria-invalid="true"' in html
    assert InspectionResult.objects.get(inspection=inspection, unit=1, characteristic=length).defect
    response = client.post(detail, {"action": "record", f"r-2-{length.pk}": "10.1"})
    assert response.status_code == 302
    html = client.get(detail).content.decode()
    assert "Out of tolerance" in html and "<span data-recorded>3</span> of 5 results recorded" in html


def test_the_json_endpoint_is_idempotent_per_key_and_answers_the_tally(client, world, lot):
    inspection, length, finish = lot
    login(client, world.a_inspector)
    _, endpoint = _urls(inspection)
    first = _send(client, endpoint, client_key="k1", unit=1, characteristic=length.pk, value="10,5")
    assert first.status_code == 201 and first.json()["result"]["defect"] is True
    assert first.json()["verdict"]["classes"]["major"]["defective"] == 1
    assert first.json()["verdict"]["missing"] == 4  # the sign-off's "still to record" follows it on the tablet
    again = _send(client, endpoint, client_key="k1", unit=1, characteristic=length.pk, value="10,5")
    assert again.status_code == 200 and again.json()["result"]["id"] == first.json()["result"]["id"]
    assert InspectionResult.objects.filter(inspection=inspection).count() == 1
    bad = _send(client, endpoint, client_key="k2", unit=1, characteristic=finish.pk)
    assert bad.status_code == 400 and "pass or fail" in json.dumps(bad.json())
    assert _send(client, endpoint, client_key="k3", unit=1, characteristic=finish.pk, passed=False).status_code == 201


def test_signing_on_the_page_asks_the_password_and_leaves_it_read_only(client, world, lot):
    inspection, length, finish = lot
    login(client, world.a_inspector)
    detail, endpoint = _urls(inspection)
    for unit in (1, 2, 3):
        _send(client, endpoint, client_key=f"l{unit}", unit=unit, characteristic=length.pk, value="10")
    for unit in (1, 2):
        _send(client, endpoint, client_key=f"f{unit}", unit=unit, characteristic=finish.pk, passed=True)
    wrong = client.post(detail, {"action": "sign", "password": "nope"})
    assert wrong.status_code == 400 and "not your password" in wrong.content.decode()
    assert client.post(detail, {"action": "sign", "password": PASSWORD}).status_code == 302
    html = client.get(detail).content.decode()
    assert "Inspected and found accepted" in html and 'class="measure"' not in html and "Open a correction" in html
    late = _send(client, endpoint, client_key="late", unit=1, characteristic=length.pk, value="11")
    assert late.status_code == 400 and "read-only" in late.json()["errors"]["__all__"]
    response = client.post(detail, {"action": "correct"})
    correction = Inspection.objects.get(corrects=inspection)
    assert response.url == reverse("inspection_detail", args=["alpha", correction.pk])


def test_a_photo_is_uploaded_and_served_to_who_sees_the_inspection_only(client, world, lot):
    inspection, *_ = lot
    login(client, world.a_inspector)
    detail, _ = _urls(inspection)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(detail, {"action": "photo", "unit": "1", "photo": SimpleUploadedFile("p.png", _png())})
    assert response.status_code == 302
    photo = inspection.photos.get()
    url = reverse("inspection_photo", args=["alpha", inspection.pk, photo.pk])
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    refused = client.post(detail, {"action": "photo", "photo": SimpleUploadedFile("p.png", b"GIF89a....")})
    assert refused.status_code == 400 and "not a JPEG or PNG" in refused.content.decode()
    login(client, world.p1_admin)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["p1_user", "p1_admin", "a_buyer", "p2_admin"])
def test_suppliers_and_buyers_never_see_recording_pages(client, world, lot, who):
    inspection, length, _ = lot
    login(client, getattr(world, who))
    detail, endpoint = _urls(inspection)
    assert client.get(reverse("inspection_list", args=["alpha"])).status_code == 404
    assert client.get(detail).status_code == 404
    assert _send(client, endpoint, client_key="x", unit=1, characteristic=length.pk, value="10").status_code == 404


def test_an_inspector_of_another_partner_or_tenant_gets_404(client, world, lot):
    inspection, length, _ = lot
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    login(client, only_p2)
    detail, endpoint = _urls(inspection)
    assert client.get(detail).status_code == 404
    assert _send(client, endpoint, client_key="x", unit=1, characteristic=length.pk, value="10").status_code == 404
    assert "LOT-77" not in client.get(reverse("inspection_list", args=["alpha"])).content.decode()
    login(client, member(world.b, Role.INSPECTOR))
    assert client.get(reverse("inspection_detail", args=["beta", inspection.pk])).status_code == 404
    assert client.get(detail).status_code == 404  # not a member of alpha


def test_the_inspector_and_engineer_reach_the_list_from_the_navigation(client, world, lot):
    for who in (world.a_inspector, world.a_engineer):
        login(client, who)
        html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
        assert f'href="{reverse("inspection_list", args=["alpha"])}"' in html


def _raw(client, url, body: str | bytes, content_type="application/json", **extra):
    return client.post(url, data=body, content_type=content_type, **extra)


@pytest.mark.parametrize(
    "body",
    [
        '{"client_key": "k", "unit": Infinity, "characteristic": 1}',
        '{"client_key": "k", "unit": 1, "characteristic": -Infinity}',
        '{"client_key": "k", "unit": 1, "characteristic": NaN}',
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "\xff not utf-8",
        "[1, 2]",
    ],
)
def test_the_endpoint_refuses_what_is_not_its_json_with_a_json_400(client, world, lot, body):
    inspection, *_ = lot
    login(client, world.a_inspector)
    _, endpoint = _urls(inspection)
    response = _raw(client, endpoint, body.encode("latin-1"))
    assert response.status_code == 400 and "errors" in response.json()
    assert not InspectionResult.objects.exists()


def test_the_endpoint_answers_json_for_a_form_post_an_oversized_body_and_a_missing_csrf_token(client, world, lot):
    inspection, length, _ = lot
    login(client, world.a_inspector)
    _, endpoint = _urls(inspection)
    form = client.post(endpoint, {"client_key": "k", "unit": "1", "characteristic": str(length.pk), "value": "10"})
    assert form.status_code == 415 and "JSON" in form.json()["errors"]["__all__"]
    big = json.dumps({"client_key": "k", "unit": 1, "characteristic": length.pk, "note": "x" * 3_000_000})
    response = _raw(client, endpoint, big)
    assert response.status_code == 413 and "at most" in response.json()["errors"]["__all__"]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    login(strict, world.a_inspector)
    response = _send(strict, endpoint, client_key="k", unit=1, characteristic=length.pk, value="10")
    assert response.status_code == 403 and "CSRF" in response.json()["errors"]["__all__"]
    assert not InspectionResult.objects.exists()


@pytest.mark.parametrize("value", ["1234567890123", "1" * 29, 1e15, 10**30])
def test_a_huge_measurement_is_a_400_naming_the_limit_by_json_and_by_the_page(client, world, lot, value):
    inspection, length, _ = lot
    login(client, world.a_inspector)
    detail, endpoint = _urls(inspection)
    assert _send(client, endpoint, client_key="ok", unit=1, characteristic=length.pk, value="10").status_code == 201
    for _ in range(2):  # the queue's resend of the same key is refused the same way
        response = _send(client, endpoint, client_key="huge", unit=1, characteristic=length.pk, value=value)
        assert response.status_code == 400 and "999,999,999,999.999999" in response.json()["errors"]["value"]
    response = client.post(detail, {"action": "record", f"r-1-{length.pk}": str(value)})
    assert response.status_code == 400 and "999,999,999,999.999999" in response.content.decode()
    assert client.get(detail).status_code == 200
    assert InspectionResult.objects.get(inspection=inspection, superseded=False).value == 10


def test_nul_in_the_endpoint_or_the_page_form_is_a_400(client, world, lot):
    inspection, length, _ = lot
    login(client, world.a_inspector)
    detail, endpoint = _urls(inspection)
    for body in ({"client_key": "k\x00"}, {"client_key": "k", "note": "\x00"}):
        response = _send(client, endpoint, unit=1, characteristic=length.pk, value="10", **body)
        assert response.status_code == 400 and "NUL" in json.dumps(response.json())
    response = client.post(detail, {"action": "record", f"r-1-{length.pk}": "10", f"k-1-{length.pk}": "a\x00b"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = client.post(detail, {"action": "photo", "note": "a\x00b", "photo": SimpleUploadedFile("p.png", _png())})
    assert photo.status_code == 400 and not inspection.photos.exists()
    assert not InspectionResult.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"unit": 1.9},
        {"unit": True},
        {"unit": " 2 "},
        {"characteristic": "CHAR"},
        {"characteristic": 10**30},
        {"passed": 1},
        {"client_key": {"a": 1}},
        {"note": ["x"]},
        {"value": True},
        {"value": {"v": 10}},
    ],
)
def test_the_endpoint_takes_only_the_json_types_it_documents(client, world, lot, body):
    inspection, length, finish = lot
    login(client, world.a_inspector)
    _, endpoint = _urls(inspection)
    which = finish if "passed" in body else length
    sent = {"client_key": "k", "unit": 1, "characteristic": which.pk, "value": "10"} | body
    if sent["characteristic"] == "CHAR":
        sent["characteristic"] = str(length.pk)
    response = _send(client, endpoint, **sent)
    assert response.status_code == 400 and "errors" in response.json()
    assert not InspectionResult.objects.exists()


def test_a_number_value_is_taken_and_a_key_reused_with_another_value_is_a_409(client, world, lot):
    inspection, length, finish = lot
    login(client, world.a_inspector)
    _, endpoint = _urls(inspection)
    assert _send(client, endpoint, client_key="k", unit=1, characteristic=length.pk, value=10.05).status_code == 201
    assert _send(client, endpoint, client_key="k", unit=1, characteristic=length.pk, value="10,050").status_code == 200
    other = _send(client, endpoint, client_key="k", unit=1, characteristic=length.pk, value="10.1")
    assert other.status_code == 409 and other.json()["result"]["value"] == "10.05"
    assert _send(client, endpoint, client_key="k", unit=2, characteristic=length.pk, value=10.05).status_code == 409
    assert _send(client, endpoint, client_key="f", unit=1, characteristic=finish.pk, passed=True).status_code == 201
    assert _send(client, endpoint, client_key="f", unit=1, characteristic=finish.pk, passed=False).status_code == 409
    assert InspectionResult.objects.filter(inspection=inspection).count() == 2


def test_an_unknown_action_is_a_400_and_records_nothing(client, world, lot):
    inspection, length, _ = lot
    login(client, world.a_inspector)
    detail, _ = _urls(inspection)
    response = client.post(detail, {"action": "recrod", f"r-1-{length.pk}": "10"})
    assert response.status_code == 400 and "Unknown action" in response.content.decode()
    assert not InspectionResult.objects.exists()


def test_a_big_sample_is_paged_by_units_and_the_verdict_still_covers_all(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quality.models import DefectClass, SamplingRule
    from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory
    from tests.quality.receipts import done_receipt, product

    def lot_of(n, name):
        item = product(world.a, name=name)
        rules = [{"defect_class": DefectClass.MAJOR, "mode": SamplingRule.Mode.FIXED, "sample_size": n, "accept": 0}]
        version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=item), rules=rules)
        chars = [CharacteristicFactory(version=version, name=f"C{i}", position=i) for i in (1, 2, 3)]
        [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(item, [(name, n)])]))
        return inspection, chars

    login(client, world.a_inspector)
    small, _ = lot_of(3, "SMALL")
    big, chars = lot_of(5000, "BIG")
    InspectionResult.objects.bulk_create(
        InspectionResult(
            tenant_id=big.tenant_id, inspection=big, unit=u, characteristic=chars[0], value=10, client_key=f"b{u}"
        )
        for u in range(1, 5001)
    )
    sizes = {}
    counts = {}
    for inspection in (small, big):
        detail, _ = _urls(inspection)
        client.get(detail)  # warm caches (session, tenant) alike
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail)
        assert response.status_code == 200
        sizes[inspection.pk], counts[inspection.pk] = len(response.content), len(queries)
    assert sizes[big.pk] < 1_000_000 and counts[big.pk] == counts[small.pk]
    html = client.get(_urls(big)[0], {"units": "51-100"}).content.decode()
    assert f'name="r-51-{chars[0].pk}"' in html and f'name="r-101-{chars[0].pk}"' not in html
    assert f'name="r-50-{chars[0].pk}"' not in html and "Units 51\u2013100 of 5000" in html
    assert "?units=101-150" in html and "?units=4951-5000" in html
    assert "<span data-recorded>5000</span> of 15000 results recorded" in html
    page = client.post(_urls(big)[0] + "?units=51-100", {"action": "record", f"r-52-{chars[1].pk}": "10"})
    assert page.status_code == 302 and page.url.endswith("?units=51-100")
    assert InspectionResult.objects.filter(inspection=big, unit=52, characteristic=chars[1]).exists()


def test_the_scan_field_reads_labels_references_and_says_what_is_wrong(client, world, lot):
    inspection, *_ = lot
    order = inspection.receipt.order
    order.partner_ref = "NF-SO-5531"
    order.save(update_fields=["partner_ref"])
    login(client, world.a_inspector)
    url = reverse("inspection_list", args=["alpha"])
    detail = reverse("inspection_detail", args=["alpha", inspection.pk])
    assert client.get(url, {"scan": "nf-so-5531"}).url == detail  # the supplier's reference on its papers
    assert client.get(url, {"scan": "]C10109501101530003\x1d10LOT-77"}).url == detail  # GS1-128, AI 10
    assert client.get(url, {"scan": "(01)09501101530003(10)LOT\u201177"}).url == detail  # typed, odd hyphen
    wrong = client.get(url, {"scan": "006141410000000018"})
    assert wrong.status_code == 400 and "check digit is wrong" in wrong.content.decode()
    long = client.get(url, {"scan": "L" * 129})
    assert long.status_code == 400 and "at most 128 characters; this one has 129" in long.content.decode()
