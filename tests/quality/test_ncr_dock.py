"""A rejected lot decided at the dock: its open NCR records the decision, and a decision the tenant's rules
send to a material review is refused there (it is proposed on the NCR, where a second person signs), so the
review cannot be bypassed from the inspection page. A hold moves nothing and stays allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quality.models import Disposition, Ncr, QualityRules
from quality.services.dispositions import disposition_record, lot_totals
from quality.services.ncrs import containment_add, containment_done, ncr_contain
from tests.quality.test_ncr_services import rejected_ncr

pytestmark = pytest.mark.django_db


def test_a_decision_needing_a_review_is_refused_at_the_dock_and_a_hold_is_not(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="major", approval_value=0)
    ncr = rejected_ncr(world)
    with pytest.raises(ValidationError) as refused:
        disposition_record(
            membership=world.a_inspector, inspection=ncr.inspection, returned=Decimal(10), reason="Burrs"
        )
    assert f"propose it on {ncr.number}" in refused.value.messages[0]
    assert "severity major" in refused.value.messages[0]
    assert not Disposition.objects.exclude(kind=Disposition.Kind.HOLD).exists()
    hold = disposition_record(membership=world.a_inspector, inspection=ncr.inspection, reason="Wait for the MRB")
    assert hold.kind == Disposition.Kind.HOLD and not ncr.dispositions.exists()


def test_the_value_threshold_counts_the_dock_decision_with_the_ncr(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="", approval_value=Decimal(100))
    ncr = rejected_ncr(world, price="2.50")  # 500 x 2.50
    disposition_record(membership=world.a_inspector, inspection=ncr.inspection, returned=Decimal(30), reason="Bent")
    with pytest.raises(ValidationError, match=r"value 100\.00"):
        disposition_record(
            membership=world.a_inspector, inspection=ncr.inspection, scrapped=Decimal(10), reason="Cracked"
        )


def test_a_dock_decision_below_the_threshold_is_recorded_on_the_ncr_which_moves_on(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="", approval_value=0)
    ncr = rejected_ncr(world)
    action = containment_add(membership=world.a_engineer, ncr=ncr, action="Quarantine", owner="Dock")
    containment_done(membership=world.a_engineer, containment=action)
    ncr = ncr_contain(membership=world.a_engineer, ncr=ncr)
    disposition_record(
        membership=world.a_inspector,
        inspection=ncr.inspection,
        released=Decimal(470),
        returned=Decimal(20),
        scrapped=Decimal(10),
        reason="Sorted",
    )
    rows = {d.kind: (d.quantity, d.status) for d in ncr.dispositions.all()}
    assert rows == {"use_as_is": (470, "applied"), "return": (20, "applied"), "scrap": (10, "applied")}
    assert lot_totals(ncr.inspection).held == 0
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.DISPOSITIONED


def test_a_disposition_without_an_author_shows_the_system_on_the_page_and_in_the_pdf(world):
    """The model lets ``proposed_by`` be empty (a decision recorded by the system): the page and the PDF say so
    instead of failing on the author's email."""
    from django.test import Client
    from django.urls import reverse

    QualityRules.objects.create(tenant=world.a, approval_severity="", approval_value=0)
    ncr = rejected_ncr(world)
    disposition_record(membership=world.a_inspector, inspection=ncr.inspection, returned=Decimal(20), reason="Bent")
    ncr.dispositions.update(proposed_by=None)
    client = Client()
    client.force_login(world.a_engineer.user)
    page = client.get(reverse("ncr_detail", args=["alpha", ncr.pk]))
    assert page.status_code == 200 and "the system" in page.content.decode()
    assert client.get(reverse("ncr_pdf", args=["alpha", ncr.pk])).status_code == 200
