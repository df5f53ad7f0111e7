"""The defect code catalogue and the quality rules page: who may change them, clear errors, audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from quality.models import DefectCode, quality_rules_for
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db
A = "alpha"


def test_engineer_adds_edits_and_deactivates_a_code_with_a_clear_error_on_a_duplicate(world, client):
    client.force_login(world.a_engineer.user)
    url = reverse("defect_code_list", args=[A])
    assert "No defect codes yet." in client.get(url).content.decode()
    ok = client.post(url, {"code": "burr", "description": "Burr on the cut edge", "defect_class": "major"})
    assert ok.status_code == 302
    item = DefectCode.objects.get(tenant=world.a)
    assert item.code == "BURR" and item.active
    again = client.post(url, {"code": "Burr", "description": "again", "defect_class": "minor"})
    assert again.status_code == 400
    assert "The code BURR is already in the catalogue" in again.content.decode()
    assert DefectCode.objects.count() == 1
    edit = reverse("defect_code_edit", args=[A, item.pk])
    client.post(edit, {"code": "BURR", "description": "Burr on any edge", "defect_class": "minor", "active": "on"})
    client.post(edit, {"action": "deactivate"})
    item.refresh_from_db()
    assert (item.description, item.defect_class, item.active) == ("Burr on any edge", "minor", False)
    assert AuditEntry.objects.filter(action__startswith="defect_code.").count() == 3
    # Another tenant may use the same code.
    client.force_login(world.b_admin.user)
    assert (
        client.post(
            reverse("defect_code_list", args=["beta"]), {"code": "BURR", "description": "x", "defect_class": "major"}
        ).status_code
        == 302
    )


def test_catalogue_is_not_for_suppliers_readers_or_other_tenants(world, client):
    item = DefectCode.objects.create(tenant=world.a, code="DIM-HOLE-77", description="Hole out of tolerance")
    edit = reverse("defect_code_edit", args=[A, item.pk])
    assert_scoped(
        ScopeCase(
            edit,
            owner=world.a_admin,
            intruders=[world.p1_admin, world.a_buyer, world.a_inspector, world.b_admin],
            markers=["DIM-HOLE-77"],
        )
    )
    assert_scoped(
        ScopeCase(
            edit,
            owner=world.a_admin,
            intruders=[world.p1_admin, world.b_admin],
            method="post",
            data={"action": "deactivate"},
            owner_status=None,
        )
    )
    item.refresh_from_db()
    assert item.active


def test_quality_rules_tenant_admin_saves_engineer_reads_only(world, client):
    url = reverse("quality_settings", args=[A])
    client.force_login(world.a_engineer.user)
    page = client.get(url).content.decode()
    assert "Read only" in page and "disabled" in page
    assert client.post(url, {"approval_value": "5"}).status_code == 404
    client.force_login(world.a_admin.user)
    data = {
        "approval_severity": "major",
        "approval_value": "2500.00",
        "handling_charge": "75.50",
        "share_costs": "on",
        "scar_escalate_after_days": "4",
        "scar_mark_after_days": "9",
        "scar_verify_lots": "5",
        "scar_verify_days": "60",
        **{f"due_d{n}": str(n * 3) for n in range(1, 9)},
    }
    assert client.post(url, data).status_code == 302
    rules = quality_rules_for(world.a)
    assert (rules.approval_severity, str(rules.approval_value), str(rules.handling_charge), rules.share_costs) == (
        "major",
        "2500.00",
        "75.50",
        True,
    )
    assert rules.scar_due_days["D4"] == 12 and rules.scar_mark_after_days == 9
    assert AuditEntry.objects.filter(action="quality.rules_saved").count() == 1
    # Mark before the second reminder: refused at the field, nothing saved.
    refused = client.post(url, {**data, "scar_mark_after_days": "2"})
    assert refused.status_code == 400 and "at least 4 days" in refused.content.decode()
    assert quality_rules_for(world.a).scar_mark_after_days == 9
    for outsider in (world.p1_admin, world.a_buyer):
        client.force_login(outsider.user)
        assert client.get(url).status_code == 404
