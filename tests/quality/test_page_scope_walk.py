"""Every quality page that names a record, walked from the URLconf: each route with an id has a case here
(a new route without one fails), and each case is tried by another partner's people (supplier admin, an
engineer limited to that partner) and another tenant's: 404, none of the record's text in the answer,
nothing written. The owner gets the page, so each case can fail."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import DefectCode, Disposition, Inspection, InspectionPhoto, Ncr
from quality.services.ncr_dispositions import ncr_disposition_propose
from quality.services.ncrs import containment_add, ncr_file_add
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.quality.ncr_scenes import open_ncr, review_always
from tests.quality.outcomes import decide, outcome, photos_of
from tests.quality.test_recording import _png
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
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-NCR-WALK")
    containment = containment_add(membership=world.a_engineer, ncr=ncr, action="Walk hold", owner="Dock")
    ncr_file = ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("w.png", _png()))
    review_always(world.a)
    ncr_disposition = ncr_disposition_propose(
        membership=world.a_engineer, ncr=ncr, lot=ncr.lots.get(), kind="scrap", quantity=Decimal(1)
    )
    ncr_inspection = outcome(world.p1, lot="LOT-NCR-PHOTO", photos=(False,))
    ncr_photo = photos_of(ncr_inspection, shared=False)[0]
    Ncr.objects.filter(pk=ncr.pk).update(inspection=ncr_inspection)
    scar = _scar_scene(world)
    # A file of the NCR shared with the supplier, reached through the SCAR issued from the NCR.
    shared = ncr_file_add(
        membership=world.a_engineer,
        ncr=ncr,
        upload=SimpleUploadedFile("walk-shared.png", _png()),
        shared_with_supplier=True,
    )
    scar.ncrs.add(ncr)
    _scorecard_scene(world)
    return SimpleNamespace(
        scar=scar,
        shared_ncr_file=shared,
        scar_file=scar.steps.get(code="D4").evidence.get(),
        ncr=ncr,
        containment=containment,
        ncr_file=ncr_file,
        ncr_disposition=ncr_disposition,
        ncr_photo=ncr_photo,
        defect_code=DefectCode.objects.get(tenant=world.a, code="BURR"),
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
        **_ncr_cases(world, s, staff, post),
        **_scar_cases(world, s, post),
        **_scorecard_cases(world, s, post),
        "switching_detail": [
            ScopeCase(
                reverse("switching_detail", args=[a, world.p1.pk, i.product.pk]), markers=[i.product.name], **staff
            )
        ],
    }


def _scar_scene(world):
    """A SCAR of P1 with D4 answered (a marker in its text) and an evidence file."""
    from quality.services.scar_answers import scar_evidence_add
    from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf

    scar = issue(world, ncrs=[])
    scar.title = "Walk burrs on brackets"
    scar.save(update_fields=["title"])
    answer(world, scar, "D4", {**ANSWERS["D4"], "root_cause_occurrence": "Walk root cause"})
    scar_evidence_add(membership=world.p1_user, step=scar.steps.get(code="D4"), upload=pdf("walk.pdf"))
    return scar


def _scar_state() -> tuple:
    """What a SCAR POST could change: answers, step states, cancellations."""
    from quality.models import Scar, ScarAnswer, ScarStep

    steps = tuple(ScarStep.objects.order_by("pk").values_list("status", flat=True))
    return ScarAnswer.objects.count(), steps, Scar.objects.filter(status=Scar.Status.CANCELLED).count()


def _scar_cases(world, s, post) -> dict[str, list[ScopeCase]]:
    """The SCAR pages (quality.views.scar_*, supplier_scars): staff pages are 404 to P1's own people too,
    the supplier's to staff; POSTs as intruders only."""
    a, pk, f = "alpha", s.scar.pk, s.scar_file.pk
    staff = dict(owner=world.a_engineer, intruders=[*s.staff_intruders, world.p1_admin, world.p1_user])
    supplier = dict(owner=world.p1_user, intruders=[*s.supplier_intruders, world.a_engineer, world.a_admin])
    title, why = ["Walk burrs on brackets"], ["Walk root cause"]
    return {
        "scar_detail": [
            ScopeCase(reverse("scar_detail", args=[a, pk]), markers=title, **staff),
            ScopeCase(reverse("scar_detail", args=[a, pk]), data={"reason": "x"}, **staff, **post),
        ],
        "scar_report": [ScopeCase(reverse("scar_report", args=[a, pk]), **staff)],
        "scar_step": [
            ScopeCase(reverse("scar_step", args=[a, pk, "D4"]), markers=why, **staff),
            ScopeCase(
                reverse("scar_step", args=[a, pk, "D4"]),
                data={"action": "review", "decision": "accept"},
                **staff,
                **post,
            ),
        ],
        "scar_evidence": [ScopeCase(reverse("scar_evidence", args=[a, pk, "D4", f]), **staff)],
        "supplier_scar_detail": [ScopeCase(reverse("supplier_scar_detail", args=[a, pk]), markers=title, **supplier)],
        "supplier_scar_report": [ScopeCase(reverse("supplier_scar_report", args=[a, pk]), **supplier)],
        "supplier_scar_step": [
            ScopeCase(reverse("supplier_scar_step", args=[a, pk, "D4"]), markers=why, **supplier),
            ScopeCase(
                reverse("supplier_scar_step", args=[a, pk, "D1"]),
                data={"members.0.name": "Intruder", "members.0.role": "x", "action": "answer"},
                **supplier,
                **post,
            ),
        ],
        "supplier_scar_evidence": [ScopeCase(reverse("supplier_scar_evidence", args=[a, pk, "D4", f]), **supplier)],
        "supplier_scar_ncr_file": [
            ScopeCase(reverse("supplier_scar_ncr_file", args=[a, pk, s.shared_ncr_file.pk]), **supplier),
            # A file not shared answers 404 to everyone on the supplier's side, the SCAR's own supplier too.
            ScopeCase(
                reverse("supplier_scar_ncr_file", args=[a, pk, s.ncr_file.pk]),
                owner=world.p1_user,
                owner_status=404,
                intruders=supplier["intruders"],
            ),
        ],
    }


def _scorecard_scene(world) -> None:
    """P1's stored scorecard: 8 of 10 units on time (80 %), in the category "Walk castings"."""
    from django.utils import timezone

    from quality.models import PartnerScore
    from quality.scorecards import catalogue
    from quality.scorecards.months import current_month

    inputs = {"otd": {"lines": 1, "lines_on_time": 0, "quantity": 10, "quantity_on_time": 8, "late": 1}}
    score, detail = catalogue.weighted_score(inputs, {})
    PartnerScore.objects.create(
        tenant=world.a,
        partner=world.p1,
        as_of=current_month(world.a),
        score=score,
        figures=detail,
        figures_12=detail,
        category="Walk castings",
        computed_at=timezone.now(),
    )


def _scorecard_cases(world, s, post) -> dict[str, list[ScopeCase]]:
    """The staff's scorecard pages (quality.views.scorecard_*): 404 to P1's own people too."""
    a, p = "alpha", world.p1.pk
    staff = dict(owner=world.a_engineer, intruders=[*s.staff_intruders, world.p1_admin, world.p1_user])
    return {
        "scorecard_detail": [
            ScopeCase(reverse("scorecard_detail", args=[a, p]), markers=["Walk castings"], **staff),
            ScopeCase(
                reverse("scorecard_detail", args=[a, p]), data={"action": "category", "category": "x"}, **staff, **post
            ),
        ],
        "scorecard_drill": [
            ScopeCase(reverse("scorecard_drill", args=[a, p, "otd"]), markers=["window: 80 %"], **staff),
        ],
        "scorecard_report": [ScopeCase(reverse("scorecard_report", args=[a, p]), **staff)],
    }


def _ncr_cases(world, s, staff, post) -> dict[str, list[ScopeCase]]:
    """The NCR pages (quality.views.ncr_*) and the defect code catalogue; POSTs as intruders only."""
    a, n = "alpha", s.ncr.pk
    return {
        "ncr_detail": [ScopeCase(reverse("ncr_detail", args=[a, n]), markers=["LOT-NCR-WALK"], **staff)],
        "ncr_edit": [ScopeCase(reverse("ncr_edit", args=[a, n]), data={"title": "x"}, **staff, **post)],
        "ncr_move": [ScopeCase(reverse("ncr_move", args=[a, n]), data={"action": "contain"}, **staff, **post)],
        "ncr_cancel": [ScopeCase(reverse("ncr_cancel", args=[a, n]), data={"reason": "x"}, **staff, **post)],
        "ncr_containment_add": [
            ScopeCase(reverse("ncr_containment_add", args=[a, n]), data={"action": "x", "owner": "y"}, **staff, **post)
        ],
        "ncr_containment_done": [
            ScopeCase(reverse("ncr_containment_done", args=[a, n, s.containment.pk]), **staff, **post)
        ],
        "ncr_file_add": [ScopeCase(reverse("ncr_file_add", args=[a, n]), **staff, **post)],
        "ncr_file": [ScopeCase(reverse("ncr_file", args=[a, n, s.ncr_file.pk]), **staff)],
        "ncr_photo": [ScopeCase(reverse("ncr_photo", args=[a, n, s.ncr_photo.pk]), **staff)],
        "ncr_disposition_propose": [
            ScopeCase(
                reverse("ncr_disposition_propose", args=[a, n]),
                data={"lot": s.ncr.lots.get().pk, "kind": "scrap", "quantity": "1"},
                **staff,
                **post,
            )
        ],
        "ncr_disposition_decide": [
            ScopeCase(
                reverse("ncr_disposition_decide", args=[a, n, s.ncr_disposition.pk]),
                data={"decision": "withdraw"},
                **staff,
                **post,
            )
        ],
        "ncr_pdf": [ScopeCase(reverse("ncr_pdf", args=[a, n]), **staff)],
        "defect_code_edit": [
            # The catalogue is the tenant's, not a partner's: an engineer limited to P2 rightly edits it.
            ScopeCase(
                reverse("defect_code_edit", args=[a, s.defect_code.pk]),
                owner=world.a_engineer,
                intruders=[i for i in s.staff_intruders if i.tenant_id != world.a.pk or i.is_supplier_role],
                markers=["BURR"],
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
        _scar_state(),
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
        _scar_state(),
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
