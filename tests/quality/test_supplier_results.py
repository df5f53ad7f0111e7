"""The supplier's "Inspection results" (quality.views.supplier, quality.supplier_selectors): its own
signed outcomes with quantities, defects and shared photos; nothing unsigned, no notes, no reasons,
no people; the newest signed revision of a corrected one; filters; scope (another partner, another
tenant, staff: 404); the engineer's share switch (audited, engineers only); bounded queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models import AuditEntry, Role
from quality.models import InspectionPhoto
from quality.services.recording import inspection_correct, inspection_sign
from tests.conftest import login
from tests.factories import member
from tests.factories.portal import PASSWORD
from tests.quality.outcomes import PHOTO_NOTE, REASON, RESULT_NOTE, decide, outcome, photos_of
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db

# The list page's queries (session, membership, navigation badges, the page, its count, the lots'
# dispositions and their sizes as received), whatever the number of rows.
QUERIES = 14  # 14 since the "Corrective actions" badge (open SCAR steps) joined the navigation


def _list(slug="alpha", **params):
    return reverse("supplier_result_list", args=[slug]), params


def _detail(inspection):
    return reverse("supplier_result_detail", args=[inspection.tenant.slug, inspection.pk])


def _photo(inspection, photo):
    return reverse("supplier_result_photo", args=[inspection.tenant.slug, inspection.pk, photo.pk])


def _text(response) -> str:
    return response.content.decode()


def test_a_supplier_sees_its_signed_outcome_and_shared_photos_never_notes_reasons_or_people(client, world):
    rejected = outcome(world.p1, lot="LOT-SIGNED", reject=True, photos=(True, False))
    decide(rejected, released=40, returned=50, scrapped=5)
    outcome(world.p1, lot="LOT-OPEN", sign=False)
    login(client, world.p1_user)
    url, _ = _list()
    page = _text(client.get(url))
    assert "LOT-SIGNED" in page and "LOT-OPEN" not in page
    assert "Rejected" in page and ">40<" in page and ">55<" in page and ">5<" in page  # accepted, rejected, held
    detail = _text(client.get(_detail(rejected)))
    assert "Inspected by Quality" in detail and rejected.receipt.order.name in detail
    assert "unit 1: 12.5 mm; unit 2: 9.5 mm" in detail  # the measured values of the defective units
    assert "Accept part" in detail and "(50 returned, 5 scrapped)" in detail
    for internal in (RESULT_NOTE, PHOTO_NOTE, REASON, world.a_inspector.user.email, "INTERNAL"):
        assert internal not in detail, internal
    [shared], [hidden] = photos_of(rejected, shared=True), photos_of(rejected, shared=False)
    assert _photo(rejected, shared) in detail and _photo(rejected, hidden) not in detail
    answer = client.get(_photo(rejected, shared))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content).startswith(b"\x89PNG")
    assert client.get(_photo(rejected, hidden)).status_code == 404
    # A photo of one outcome named under another is not found either.
    other = outcome(world.p1, lot="LOT-OTHER", photos=(True,))
    assert client.get(reverse("supplier_result_photo", args=["alpha", other.pk, shared.pk])).status_code == 404


def test_an_unsigned_inspection_has_no_outcome_yet(client, world):
    waiting = outcome(world.p1, lot="LOT-WAIT", sign=False, photos=(True,))
    login(client, world.p1_admin)
    assert client.get(_detail(waiting)).status_code == 404
    assert client.get(_photo(waiting, photos_of(waiting, shared=True)[0])).status_code == 404


def test_a_corrected_result_shows_its_newest_signed_revision_with_the_earlier_shared_photos(client, world):
    original = outcome(world.p1, lot="LOT-FIX", reject=True, photos=(True,))
    correction = inspection_correct(membership=world.a_inspector, inspection=original)
    login(client, world.p1_user)
    url, _ = _list()
    # While the correction is open, the signed original is the outcome of record.
    assert _detail(original) in _text(client.get(url)) and _detail(correction) not in _text(client.get(url))
    inspection_sign(membership=world.a_inspector, inspection=correction, password=PASSWORD)
    page = _text(client.get(url))
    assert _detail(correction) in page and _detail(original) not in page
    assert client.get(_detail(original)).status_code == 404
    detail = _text(client.get(_detail(correction)))
    assert "corrected result" in detail
    [photo] = photos_of(original, shared=True)  # a correction copies results, not photos
    assert _photo(correction, photo) in detail and client.get(_photo(correction, photo)).status_code == 200
    assert client.get(_photo(original, photo)).status_code == 404


def test_the_list_filters_by_result_po_product_and_lot(client, world):
    good = outcome(world.p1, lot="LOT-GOOD-7")
    bad = outcome(world.p1, lot="LOT-BAD-9", reject=True)
    login(client, world.p1_user)
    url, _ = _list()

    def shown(**params):
        page = _text(client.get(url, params))
        return {name for name, inspection in (("good", good), ("bad", bad)) if _detail(inspection) in page}

    assert shown() == {"good", "bad"}
    assert shown(result="accept") == {"good"} and shown(result="reject") == {"bad"}
    assert shown(result="nonsense") == {"good", "bad"}  # an unknown result filters nothing
    assert shown(po=bad.receipt.order.name.lower()) == {"bad"}
    assert shown(product=good.product.default_code) == {"good"}
    assert shown(lot="good") == {"good"} and shown(lot="LOT-") == {"good", "bad"}
    assert "No inspection result matches" in _text(client.get(url, {"lot": "NOPE"}))


def test_other_partners_tenants_and_staff_get_404(client, world):
    inspection = outcome(world.p1, lot="LOT-P1-ONLY", photos=(True,))
    [photo] = photos_of(inspection, shared=True)
    intruders = [world.p2_user, world.p2_admin, world.q1_admin, world.a_inspector, world.a_buyer]
    for url, markers in (
        (_detail(inspection), ["LOT-P1-ONLY"]),
        (_photo(inspection, photo), ["PNG"]),
    ):
        assert_scoped(ScopeCase(url, world.p1_user, intruders, markers))
    # The list itself answers another partner, without P1's lots, whatever it filters by.
    login(client, world.p2_user)
    url, _ = _list()
    assert "LOT-P1-ONLY" not in _text(client.get(url, {"lot": "LOT-P1"}))
    assert client.get(url).status_code == 200
    login(client, world.a_inspector)
    assert client.get(url).status_code == 404  # staff have the inspection pages


def test_an_engineer_shares_a_photo_audited_and_no_one_else_can(client, world):
    inspection = outcome(world.p1, lot="LOT-SHARE", photos=(False,))
    [photo] = photos_of(inspection, shared=False)
    share = reverse("inspection_photo_share", args=["alpha", inspection.pk, photo.pk])
    for who in (world.a_inspector, world.p1_user, world.a_buyer, member(world.b, Role.QUALITY_ENGINEER)):
        login(client, who)
        assert client.post(share, {"shared": "1"}).status_code == 404
    assert not InspectionPhoto.objects.get(pk=photo.pk).shared_with_supplier
    login(client, world.a_engineer)
    page = _text(client.get(reverse("inspection_detail", args=["alpha", inspection.pk])))
    assert share in page and "Share with the supplier" in page
    answer = client.post(share, {"shared": "1"})
    assert answer.status_code == 302 and answer.url == reverse("inspection_detail", args=["alpha", inspection.pk])
    assert InspectionPhoto.objects.get(pk=photo.pk).shared_with_supplier
    entry = AuditEntry.objects.get(action="inspection.photo_shared")
    assert entry.object_id == str(inspection.pk) and entry.actor_label == world.a_engineer.user.email
    client.post(share, {"shared": "1"})  # again: nothing changes, nothing more recorded
    assert AuditEntry.objects.filter(action__startswith="inspection.photo_").count() == 1
    login(client, world.p1_user)
    assert client.get(_photo(inspection, photo)).status_code == 200
    login(client, world.a_engineer)
    client.post(share, {"shared": "0"})
    assert AuditEntry.objects.filter(action="inspection.photo_unshared").count() == 1
    login(client, world.p1_user)
    assert client.get(_photo(inspection, photo)).status_code == 404
    # Named under another inspection, the photo is not found.
    other = outcome(world.p1, lot="LOT-ELSE")
    login(client, world.a_engineer)
    elsewhere = reverse("inspection_photo_share", args=["alpha", other.pk, photo.pk])
    assert client.post(elsewhere, {"shared": "1"}).status_code == 404


def test_the_list_page_costs_the_same_queries_for_3_or_12_outcomes(client, world, django_assert_max_num_queries):
    login(client, world.p1_user)
    url, _ = _list()
    for n in range(3):
        decide(outcome(world.p1, lot=f"LOT-Q{n}"), released=100)
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(QUERIES) as few:
        assert client.get(url).status_code == 200
    for n in range(3, 12):
        decide(outcome(world.p1, lot=f"LOT-Q{n}"), released=100)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = _text(client.get(url))
    assert len(re.findall(r'href="/t/alpha/inspection-results/[0-9]+/"', page)) == 12
    assert len(many.captured_queries) == len(few.captured_queries)
