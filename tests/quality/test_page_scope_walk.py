"""Every quality page that names a record, walked from the URLconf: each route with an id has a case here
(a new route without one fails), and each case is tried by another partner's people (supplier admin, an
engineer limited to that partner) and another tenant's: 404, none of the record's text in the answer,
nothing written. The owner gets the page, so each case can fail."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, reverse

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import Disposition, Inspection, InspectionPhoto
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.quality.outcomes import decide, outcome, photos_of
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db

LOT = "LOT-WALK-7731"


def _routes_with_ids() -> set[str]:
    import portal.urls  # noqa: F401  (registers the ``id`` converter quality's routes use)
    from quality import urls as quality_urls

    return {p.name for p in quality_urls.urlpatterns if isinstance(p, URLPattern) and "<id:" in str(p.pattern)}


@pytest.fixture
def scene(world):
    inspection = outcome(world.p1, lot=LOT, photos=(True,))
    decide(inspection, released=40)
    [photo] = photos_of(inspection, shared=True)
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=inspection.product, partner=world.p1))
    characteristic = CharacteristicFactory(version=version, name="Walk length")
    rule = version.sampling_rules.first()
    engineer_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    return SimpleNamespace(
        i=inspection,
        photo=photo,
        plan=version.plan,
        version=version,
        characteristic=characteristic,
        rule=rule,
        staff_intruders=[engineer_p2, world.p2_admin, member(world.b, Role.QUALITY_ENGINEER), world.b_admin],
        supplier_intruders=[world.p2_admin, world.p2_user, world.q1_admin],
    )


def _cases(world, s) -> dict[str, list[ScopeCase]]:
    """Route name -> its cases (GET as the owner; POSTs tried by intruders only, owner_status None)."""
    a = "alpha"
    i, pk = s.i, s.i.pk
    staff = dict(owner=world.a_engineer, intruders=s.staff_intruders)
    post = dict(owner_status=None, method="post")
    return {
        "inspection_detail": [ScopeCase(reverse("inspection_detail", args=[a, pk]), markers=[LOT], **staff)],
        "inspection_results": [
            ScopeCase(reverse("inspection_results", args=[a, pk]), data={"results": []}, **staff, **post)
        ],
        "inspection_photo": [ScopeCase(reverse("inspection_photo", args=[a, pk, s.photo.pk]), **staff)],
        "inspection_reinspect": [
            ScopeCase(reverse("inspection_reinspect", args=[a, pk]), data={"reason": "x"}, **staff, **post)
        ],
        "inspection_disposition": [
            ScopeCase(reverse("inspection_disposition", args=[a, pk]), data={"released": "1"}, **staff, **post)
        ],
        # The PDF's text is compressed: no marker to look for in its bytes (its text: test_inspection_report).
        "inspection_report": [ScopeCase(reverse("inspection_report", args=[a, pk]), **staff)],
        "inspection_photo_share": [
            ScopeCase(
                reverse("inspection_photo_share", args=[a, pk, s.photo.pk]), data={"shared": "0"}, **staff, **post
            )
        ],
        "plan_detail": [ScopeCase(reverse("plan_detail", args=[a, s.plan.pk]), markers=["Walk length"], **staff)],
        "plan_version_new": [ScopeCase(reverse("plan_version_new", args=[a, s.plan.pk]), data={}, **staff, **post)],
        "plan_version_edit": [
            ScopeCase(reverse("plan_version_edit", args=[a, s.version.pk]), data={"note": "x"}, **staff, **post)
        ],
        "plan_characteristic_new": [
            ScopeCase(reverse("plan_characteristic_new", args=[a, s.version.pk]), **staff),
        ],
        "plan_characteristic_edit": [
            ScopeCase(
                reverse("plan_characteristic_edit", args=[a, s.version.pk, s.characteristic.pk]),
                markers=["Walk length"],
                **staff,
            )
        ],
        "plan_characteristic_delete": [
            ScopeCase(
                reverse("plan_characteristic_delete", args=[a, s.version.pk, s.characteristic.pk]), **staff, **post
            )
        ],
        "plan_rule_new": [ScopeCase(reverse("plan_rule_new", args=[a, s.version.pk]), **staff)],
        "plan_rule_edit": [ScopeCase(reverse("plan_rule_edit", args=[a, s.version.pk, s.rule.pk]), **staff)],
        "plan_rule_delete": [
            ScopeCase(reverse("plan_rule_delete", args=[a, s.version.pk, s.rule.pk]), **staff, **post)
        ],
        "supplier_result_detail": [
            ScopeCase(
                reverse("supplier_result_detail", args=[a, pk]),
                owner=world.p1_admin,
                intruders=s.supplier_intruders,
                markers=[LOT],
            )
        ],
        "supplier_result_photo": [
            ScopeCase(
                reverse("supplier_result_photo", args=[a, pk, s.photo.pk]),
                owner=world.p1_admin,
                intruders=s.supplier_intruders,
            )
        ],
        "switching_detail": [
            ScopeCase(
                reverse("switching_detail", args=[a, world.p1.pk, i.product.pk]), markers=[i.product.name], **staff
            )
        ],
    }


def test_every_quality_route_with_an_id_has_a_scope_case(world, scene):
    assert set(_cases(world, scene)) == _routes_with_ids()


def test_other_partners_and_tenants_get_404_and_nothing_changes(world, scene):
    before = (
        scene.version.note,
        Disposition.objects.count(),
        Inspection.objects.count(),
        InspectionPhoto.objects.filter(shared_with_supplier=True).count(),
        scene.version.characteristics.count(),
        scene.version.sampling_rules.count(),
        scene.plan.versions.count(),
    )
    for cases in _cases(world, scene).values():
        for case in cases:
            assert_scoped(case)
    scene.version.refresh_from_db()
    after = (
        scene.version.note,
        Disposition.objects.count(),
        Inspection.objects.count(),
        InspectionPhoto.objects.filter(shared_with_supplier=True).count(),
        scene.version.characteristics.count(),
        scene.version.sampling_rules.count(),
        scene.plan.versions.count(),
    )
    assert after == before


def test_options_is_refused_on_every_page_whoever_asks(world, scene, client):
    """Django's own OPTIONS answered 200 before the object's scope check; pages need none."""
    from django.test import Client

    for cases in _cases(world, scene).values():
        for case in cases:
            for who in [case.owner, *case.intruders]:
                asker = Client()
                asker.force_login(who.user)
                assert asker.options(case.url).status_code in (404, 405), (who.role, case.url)
