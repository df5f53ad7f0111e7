"""Inspection plans: the editing services (versions, frozen versions refused, validation in plain words)
and the pages (engineer and tenant admin only; everyone else, and other tenants, 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import Characteristic, InspectionPlan, SamplingRule
from quality.services import plan_editing
from quality.services.plans import plan_for
from tests.conftest import login
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.quality.receipts import product

pytestmark = pytest.mark.django_db

MEASURED = {
    "kind": "measured",
    "name": "Thread length",
    "defect_class": "major",
    "nominal": Decimal("10"),
    "lower_tolerance": Decimal("-0.1"),
    "upper_tolerance": Decimal("0.2"),
    "unit": "mm",
    "decimals": 2,
    "gauge": "Caliper",
}


def freeze(version):
    version.frozen_at = timezone.now()
    version.save(update_fields=["frozen_at"])


def errors_of(exc) -> dict:
    return exc.value.message_dict


# ---- services ------------------------------------------------------------------------------------


def test_plan_create_makes_a_draft_version_1_and_audits(world):
    bolt = product(world.a, name="Hex bolt M8")
    plan = plan_editing.plan_create(membership=world.a_engineer, product_id=bolt.pk, partner_id=world.p1.pk)
    version = plan.current_version()
    assert (version.number, version.is_frozen, plan.partner) == (1, False, world.p1)
    assert AuditEntry.objects.filter(action="inspection_plan.created", object_id=str(plan.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        plan_editing.plan_create(membership=world.a_admin, product_id=bolt.pk, partner_id=world.p1.pk)
    assert "already a plan" in errors_of(exc)["product"][0]


def test_other_tenants_products_and_other_roles_are_refused(world):
    with pytest.raises(ValidationError) as exc:
        plan_editing.plan_create(membership=world.a_engineer, product_id=product(world.b).pk)
    assert "No product of Alpha Industries" in errors_of(exc)["product"][0]
    for membership in (world.a_buyer, world.a_inspector, world.p1_admin):
        with pytest.raises(NotInScope):
            plan_editing.plan_create(membership=membership, product_id=product(world.a).pk)
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product(world.a)))
    with pytest.raises(NotInScope):  # the right role, the wrong tenant
        plan_editing.characteristic_save(membership=world.b_admin, version_id=version.pk, fields=MEASURED)


def test_a_new_version_copies_the_last_and_leaves_the_frozen_one_untouched(world):
    v1 = InspectionPlanVersionFactory(
        plan=InspectionPlanFactory(product=product(world.a)), first_article_lots=3, rules=[{"aql": Decimal("0.65")}]
    )
    CharacteristicFactory(version=v1, name="Diameter")
    freeze(v1)
    with pytest.raises(plan_editing.VersionFrozen, match="make a new version"):
        plan_editing.characteristic_save(membership=world.a_engineer, version_id=v1.pk, fields=MEASURED)
    with pytest.raises(plan_editing.VersionFrozen):
        plan_editing.sampling_rule_delete(
            membership=world.a_engineer, version_id=v1.pk, rule_id=v1.sampling_rules.get().pk
        )

    v2 = plan_editing.version_create(membership=world.a_engineer, plan_id=v1.plan_id, note="Tighter thread")
    assert (v2.number, v2.first_article_lots, v2.is_frozen) == (2, 3, False)
    assert [c.name for c in v2.characteristics.all()] == ["Diameter"]
    assert [r.aql for r in v2.sampling_rules.all()] == [Decimal("0.650")]
    plan_editing.characteristic_save(membership=world.a_engineer, version_id=v2.pk, fields=MEASURED)
    assert v1.characteristics.count() == 1 and v2.characteristics.count() == 2
    assert plan_for(tenant=world.a, partner=world.p1, product=v1.plan.product) == v2  # new inspections use it

    with pytest.raises(ValidationError, match="still a draft"):  # one draft at a time
        plan_editing.version_create(membership=world.a_engineer, plan_id=v1.plan_id)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"inspection_plan.version_created", "inspection_plan.characteristic_added"} <= actions


def test_characteristic_validation_names_the_value_and_what_is_allowed(world):
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product(world.a)))
    bad = {**MEASURED, "lower_tolerance": Decimal("0.1"), "upper_tolerance": Decimal("-0.2"), "decimals": 7, "unit": ""}
    with pytest.raises(ValidationError) as exc:
        plan_editing.characteristic_save(membership=world.a_engineer, version_id=version.pk, fields=bad)
    errors = errors_of(exc)
    assert "0 or less, not 0.1 (the lower limit 10.1 would be above nominal 10)" in errors["lower_tolerance"][0]
    assert "0 or more, not -0.2" in errors["upper_tolerance"][0]
    assert errors["decimals"] == ["Give 0 to 6 decimals, not 7."]
    assert "unit" in errors
    with pytest.raises(ValidationError) as exc:
        plan_editing.characteristic_save(
            membership=world.a_engineer, version_id=version.pk, fields={**MEASURED, "nominal": None}
        )
    assert errors_of(exc)["nominal"] == ["A measured characteristic needs a nominal value."]
    # A visual check keeps no measurement fields.
    visual = plan_editing.characteristic_save(
        membership=world.a_engineer,
        version_id=version.pk,
        fields={**MEASURED, "kind": "visual", "name": "Scratches", "photo_required_on_fail": True},
    )
    assert (visual.nominal, visual.unit, visual.photo_required_on_fail) == (None, "", True)


def test_sampling_rule_validation(world):
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product(world.a)), rules=[])
    save = plan_editing.sampling_rule_save
    with pytest.raises(ValidationError) as exc:
        save(
            membership=world.a_engineer,
            version_id=version.pk,
            fields={"defect_class": "major", "mode": "aql", "level": "IV", "aql": "0.7"},
        )
    errors = errors_of(exc)
    assert errors["level"] == ["Inspection level 'IV' is not one of S-1, S-2, S-3, S-4, I, II, III."]
    assert "AQL '0.7' is not in the ISO 2859-1 tables" in errors["aql"][0]
    with pytest.raises(ValidationError) as exc:
        save(
            membership=world.a_engineer,
            version_id=version.pk,
            fields={"defect_class": "minor", "mode": "fixed", "sample_size": 0},
        )
    assert errors_of(exc)["sample_size"] == ["A fixed sample is at least 1 item, not 0."]
    with pytest.raises(ValidationError) as exc:
        save(
            membership=world.a_engineer,
            version_id=version.pk,
            fields={"defect_class": "minor", "mode": "fixed", "sample_size": 5, "accept": 5},
        )
    assert "Ac 5 would accept every sample of 5" in errors_of(exc)["accept"][0]

    rule = save(
        membership=world.a_engineer,
        version_id=version.pk,
        fields={"defect_class": "major", "mode": "aql", "level": "II", "aql": "1"},
    )
    assert (rule.aql, rule.level, rule.sample_size) == (Decimal("1.0"), "II", None)
    with pytest.raises(ValidationError) as exc:
        save(
            membership=world.a_engineer,
            version_id=version.pk,
            fields={"defect_class": "major", "mode": "hundred_percent"},
        )
    assert "already samples major defects" in errors_of(exc)["defect_class"][0]
    changed = save(
        membership=world.a_engineer,
        version_id=version.pk,
        rule_id=rule.pk,
        fields={"defect_class": "major", "mode": "fixed", "sample_size": 20, "accept": 1, "level": "II", "aql": "1.0"},
    )
    assert (changed.mode, changed.sample_size, changed.accept, changed.aql, changed.level) == ("fixed", 20, 1, None, "")
    entry = AuditEntry.objects.filter(action="inspection_plan.sampling_rule_changed").get()
    assert entry.changes["Major: sample_size"] == [None, 20]


# ---- pages ---------------------------------------------------------------------------------------


def _plan(world):
    v1 = InspectionPlanVersionFactory(
        plan=InspectionPlanFactory(product=product(world.a, name="Hex bolt M8")),
        rules=[
            {"defect_class": "major", "aql": Decimal("1.0")},
            {"defect_class": "critical", "mode": "hundred_percent"},
        ],
    )
    CharacteristicFactory(version=v1, name="Thread length")
    return v1


def test_engineer_sees_list_plan_preview_and_oc_curve(client, world):
    version = _plan(world)
    login(client, world.a_engineer)
    listing = client.get(reverse("plan_list", args=["alpha"]))
    assert listing.status_code == 200
    assert b"Hex bolt M8" in listing.content and b"Draft" in listing.content
    page = client.get(reverse("plan_detail", args=["alpha", version.plan_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Thread length" in html
    # Lot of 500 at level II: code letter H, n=50, Ac/Re 1/2 at AQL 1.0 normal; tightened 1/2 at n=80 (J).
    assert "code letter H" in html
    assert "<svg" in html and 'role="img"' in html and "<polyline" in html
    assert "Operating characteristic curve" in html and "Probability of acceptance (%)" in html
    assert "Every item is inspected at each severity" in html  # the 100 % critical rule has no curve
    other = client.get(reverse("plan_detail", args=["alpha", version.plan_id]), {"lot_size": "3201"})
    assert "code letter L" in other.content.decode()
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # CSP: no inline script


@pytest.mark.parametrize("who", ["a_buyer", "a_inspector", "p1_admin", "p1_user", "q1_admin"])
def test_everyone_else_gets_404(client, world, who):
    version = _plan(world)
    login(client, getattr(world, who))
    tenant = "beta" if who == "q1_admin" else "alpha"
    urls = [
        reverse("plan_list", args=[tenant]),
        reverse("plan_new", args=[tenant]),
        reverse("plan_detail", args=[tenant, version.plan_id]),
        reverse("plan_characteristic_new", args=[tenant, version.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("plan_version_new", args=[tenant, version.plan_id])).status_code == 404
    assert client.post(reverse("plan_characteristic_new", args=[tenant, version.pk]), MEASURED).status_code == 404
    assert version.characteristics.count() == 1 and version.plan.versions.count() == 1


def test_another_tenants_plan_is_404_for_its_engineer_too(client, world):
    version = _plan(world)
    login(client, world.b_admin)
    assert client.get(reverse("plan_detail", args=["beta", version.plan_id])).status_code == 404
    assert client.get(reverse("plan_characteristic_new", args=["beta", version.pk])).status_code == 404
    assert client.post(reverse("plan_version_new", args=["beta", version.plan_id])).status_code == 404
    listing = client.get(reverse("plan_list", args=["beta"]))
    assert listing.status_code == 200 and b"Hex bolt M8" not in listing.content


def test_tenant_admin_creates_a_plan_and_edits_its_draft_through_the_pages(client, world):
    bolt = product(world.a, name="Washer")
    login(client, world.a_admin)
    response = client.post(reverse("plan_new", args=["alpha"]), {"product": bolt.pk, "partner": world.p2.pk})
    plan = InspectionPlan.objects.get(product=bolt)
    assert response.status_code == 302 and plan.partner == world.p2
    version = plan.current_version()
    bad = client.post(
        reverse("plan_characteristic_new", args=["alpha", version.pk]),
        {**MEASURED, "lower_tolerance": "0.3", "decimals": "2"},
    )
    assert bad.status_code == 422
    assert "0 or less, not 0.3" in bad.content.decode() and 'value="Thread length"' in bad.content.decode()
    good = client.post(reverse("plan_characteristic_new", args=["alpha", version.pk]), {**MEASURED, "decimals": "2"})
    assert good.status_code == 302
    characteristic = Characteristic.objects.get(version=version)
    client.post(
        reverse("plan_rule_new", args=["alpha", version.pk]),
        {"defect_class": "major", "mode": "aql", "level": "II", "aql": "2.5"},
    )
    rule = SamplingRule.objects.get(version=version)
    edit = client.get(reverse("plan_characteristic_edit", args=["alpha", version.pk, characteristic.pk]))
    assert edit.status_code == 200 and 'value="Thread length"' in edit.content.decode()
    client.post(reverse("plan_rule_delete", args=["alpha", version.pk, rule.pk]))
    assert not SamplingRule.objects.filter(version=version).exists()


def test_a_frozen_version_offers_a_new_version_not_forms(client, world):
    version = _plan(world)
    freeze(version)
    login(client, world.a_engineer)
    page = client.get(reverse("plan_detail", args=["alpha", version.plan_id])).content.decode()
    assert "New version to change the plan" in page and "Add a characteristic" not in page
    refused = client.post(reverse("plan_characteristic_new", args=["alpha", version.pk]), {**MEASURED, "decimals": "2"})
    assert refused.status_code == 409 and version.characteristics.count() == 1
    assert "in use by inspections and cannot change" in refused.content.decode()
    for url, data in [
        (
            reverse("plan_version_edit", args=["alpha", version.pk]),
            {"first_article_lots": "2", "first_article_mode": "tightened"},
        ),
        (reverse("plan_characteristic_delete", args=["alpha", version.pk, version.characteristics.get().pk]), {}),
        (reverse("plan_rule_delete", args=["alpha", version.pk, version.sampling_rules.first().pk]), {}),
    ]:
        refused = client.post(url, data)
        assert refused.status_code == 409, url
        assert "make a new version to change the plan" in refused.content.decode()
    version.refresh_from_db()
    assert version.first_article_lots != 2 and version.characteristics.count() == 1
    assert version.sampling_rules.count() == 2
    client.post(reverse("plan_version_new", args=["alpha", version.plan_id]))
    assert version.plan.current_version().number == 2


# ---- partner scope -------------------------------------------------------------------------------


def _limited_engineer(world, *partners):
    """An engineer granted only ``partners`` (the tenant admin narrowed the scope)."""
    return membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=partners
    )


def _partner_plan(world, partner, name):
    version = InspectionPlanVersionFactory(
        plan=InspectionPlanFactory(product=product(world.a, name=name), partner=partner),
        rules=[{"defect_class": "major", "aql": Decimal("1.0")}],
    )
    CharacteristicFactory(version=version, name="Thread length")
    return version


def test_a_partner_limited_engineer_gets_404_on_another_partners_plan(client, world):
    theirs = _partner_plan(world, world.p2, "Quarry bolt")
    mine = _partner_plan(world, world.p1, "Pinewood bolt")
    login(client, _limited_engineer(world, world.p1))
    listing = client.get(reverse("plan_list", args=["alpha"])).content.decode()
    assert "Pinewood bolt" in listing and "Quarry bolt" not in listing
    assert client.get(reverse("plan_detail", args=["alpha", mine.plan_id])).status_code == 200
    characteristic, rule = theirs.characteristics.get(), theirs.sampling_rules.get()
    gets = [
        reverse("plan_detail", args=["alpha", theirs.plan_id]),
        reverse("plan_characteristic_new", args=["alpha", theirs.pk]),
        reverse("plan_characteristic_edit", args=["alpha", theirs.pk, characteristic.pk]),
        reverse("plan_rule_edit", args=["alpha", theirs.pk, rule.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (
            reverse("plan_characteristic_edit", args=["alpha", theirs.pk, characteristic.pk]),
            {**MEASURED, "decimals": "3"},
        ),
        (reverse("plan_characteristic_new", args=["alpha", theirs.pk]), {**MEASURED, "decimals": "2"}),
        (reverse("plan_characteristic_delete", args=["alpha", theirs.pk, characteristic.pk]), {}),
        (reverse("plan_rule_delete", args=["alpha", theirs.pk, rule.pk]), {}),
        (
            reverse("plan_version_edit", args=["alpha", theirs.pk]),
            {"first_article_lots": "2", "first_article_mode": "tightened"},
        ),
        (reverse("plan_version_new", args=["alpha", theirs.plan_id]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    characteristic.refresh_from_db()
    theirs.refresh_from_db()
    assert characteristic.decimals == 2 and theirs.characteristics.count() == 1 and theirs.sampling_rules.count() == 1
    assert theirs.first_article_lots == 0 and theirs.plan.versions.count() == 1


def test_a_partner_limited_engineer_cannot_create_a_plan_for_another_partner(client, world):
    engineer = _limited_engineer(world, world.p1)
    bolt = product(world.a, name="Washer")
    login(client, engineer)
    form = client.get(reverse("plan_new", args=["alpha"])).content.decode()
    assert "Pinewood Parts" in form and "Quarry Metals" not in form and "Every supplier" not in form
    refused = client.post(reverse("plan_new", args=["alpha"]), {"product": bolt.pk, "partner": world.p2.pk})
    assert refused.status_code == 200 and "not one of the available choices" in refused.content.decode()
    every = client.post(reverse("plan_new", args=["alpha"]), {"product": bolt.pk, "partner": ""})
    assert every.status_code == 200
    assert not InspectionPlan.objects.filter(product=bolt).exists()
    with pytest.raises(ValidationError) as exc:  # the service refuses it too, whatever the form offered
        plan_editing.plan_create(membership=engineer, product_id=bolt.pk, partner_id=world.p2.pk)
    assert "you work with" in errors_of(exc)["partner"][0]
    with pytest.raises(ValidationError) as exc:
        plan_editing.plan_create(membership=engineer, product_id=bolt.pk)
    assert "every supplier" in errors_of(exc)["partner"][0]
    assert not InspectionPlan.objects.filter(product=bolt).exists()
    created = client.post(reverse("plan_new", args=["alpha"]), {"product": bolt.pk, "partner": world.p1.pk})
    assert created.status_code == 302 and InspectionPlan.objects.get(product=bolt).partner == world.p1


def test_a_plan_for_every_supplier_is_read_by_a_limited_engineer_but_changed_by_those_who_see_all(client, world):
    version = _plan(world)  # no partner
    engineer = _limited_engineer(world, world.p1)
    login(client, engineer)
    page = client.get(reverse("plan_detail", args=["alpha", version.plan_id]))
    html = page.content.decode()
    assert page.status_code == 200 and "Read only" in html and "Add a characteristic" not in html
    assert b"Hex bolt M8" in client.get(reverse("plan_list", args=["alpha"])).content
    characteristic = version.characteristics.get()
    assert client.get(reverse("plan_characteristic_new", args=["alpha", version.pk])).status_code == 404
    assert client.post(reverse("plan_characteristic_new", args=["alpha", version.pk]), MEASURED).status_code == 404
    delete = reverse("plan_characteristic_delete", args=["alpha", version.pk, characteristic.pk])
    assert client.post(delete).status_code == 404
    with pytest.raises(NotInScope):
        plan_editing.version_create(membership=engineer, plan_id=version.plan_id)
    assert version.characteristics.count() == 1 and version.plan.versions.count() == 1
    # An engineer who sees every partner (the default) changes it.
    plan_editing.characteristic_save(membership=world.a_engineer, version_id=version.pk, fields=MEASURED)
    assert version.characteristics.count() == 2
