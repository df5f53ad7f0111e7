"""NCR reads (quality.ncr_selectors): staff only (suppliers read nothing), scope by tenant and partner,
filters and search, the counts for navigation and dashboard, bounded queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.dates import tenant_today
from portal.models import Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import DefectCode, Ncr, QualityRules
from quality.ncr_selectors import ncr_counts, ncr_get, ncrs_awaiting_approval, ncrs_for
from quality.services.ncrs import containment_add
from tests.factories import member
from tests.quality.test_ncr_dispositions import propose
from tests.quality.test_ncr_services import by_hand, rejected_ncr

pytestmark = pytest.mark.django_db


def test_staff_read_suppliers_and_other_scopes_read_nothing(world):
    ncr = rejected_ncr(world)
    for who in (world.a_engineer, world.a_inspector, world.a_buyer, world.a_admin):
        assert list(ncrs_for(who)) == [ncr] and ncr_get(who, ncr.pk) == ncr
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    for who in (world.p1_admin, world.p1_user, world.b_admin, only_p2):
        assert not ncrs_for(who).exists()
        with pytest.raises(NotInScope):
            ncr_get(who, ncr.pk)
        assert ncr_counts(who)["open"] == 0


def test_filters_search_and_open_first(world):
    burr = DefectCode.objects.create(tenant=world.a, code="BURR", description="Burr")
    rejected = rejected_ncr(world, lot="LOT-77")
    hand = by_hand(world, partner=world.p2, product=rejected.product, defect_codes=[burr], title="Scratched anodising")
    Ncr.objects.filter(pk=rejected.pk).update(created_at=timezone.now() - timedelta(days=40))
    engineer = world.a_engineer
    assert list(ncrs_for(engineer, partner=world.p2)) == [hand]
    assert list(ncrs_for(engineer, defect_code=burr)) == [hand]
    assert list(ncrs_for(engineer, q="lot-77")) == [rejected]
    assert list(ncrs_for(engineer, q="anodis")) == [hand]
    assert list(ncrs_for(engineer, q=hand.number.lower())) == [hand]
    assert list(ncrs_for(engineer, age_days=30)) == [rejected]
    assert list(ncrs_for(engineer, status="closed")) == []
    assert set(ncrs_for(engineer, status="active")) == {rejected, hand}
    Ncr.objects.filter(pk=hand.pk).update(status=Ncr.Status.CANCELLED)
    assert list(ncrs_for(engineer)) == [rejected, hand]  # the open one first, though older


def test_counts_and_awaiting_my_approval(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="major", approval_value=0)
    ncr = rejected_ncr(world)
    containment_add(
        membership=world.a_engineer,
        ncr=ncr,
        action="Quarantine",
        owner="Stores",
        due_date=tenant_today(world.a) - timedelta(days=1),
    )
    propose(world, ncr, "return", 30)
    reviewer = member(world.a, Role.QUALITY_ENGINEER)
    assert ncr_counts(world.a_engineer) == {"open": 1, "awaiting_my_approval": 0, "overdue_containment": 1}
    assert ncr_counts(reviewer) == {"open": 1, "awaiting_my_approval": 1, "overdue_containment": 1}
    assert ncr_counts(world.a_buyer)["awaiting_my_approval"] == 0
    assert list(ncrs_awaiting_approval(reviewer)) == [ncr]
    assert not ncrs_awaiting_approval(world.a_engineer).exists()
    assert not ncrs_awaiting_approval(world.a_inspector).exists()


def test_reads_take_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    QualityRules.objects.create(tenant=world.a, approval_severity="", approval_value=0)
    burr = DefectCode.objects.create(tenant=world.a, code="BURR", description="Burr")
    first = rejected_ncr(world, lot="A")
    for lot in ("B", "C", "D"):
        by_hand(world, product=first.product, defect_codes=[burr], lots=[{"lot_name": lot, "affected": Decimal(5)}])
    propose(world, first, "return", 30)
    engineer = world.a_engineer
    engineer._visible_partner_ids = None

    def page():
        rows = []
        for n in ncrs_for(engineer):
            codes, lots = [c.code for c in n.defect_codes.all()], [lot.lot_name for lot in n.lots.all()]
            rows.append((n.number, n.partner.name, n.product.name, codes, lots))
        return rows

    with django_assert_max_num_queries(4):
        assert len(page()) == 4
    with django_assert_max_num_queries(9):
        ncr = ncr_get(engineer, first.pk)
        for d in ncr.dispositions.all():
            assert (d.lot.lot_name, d.stock.outbox_event.status, list(d.approvals.all())) == ("A", "pending", [])
        assert [c.action for c in ncr.containments.all()] == [] and list(ncr.files.all()) == []
        assert [lot.inspection.lot_name for lot in ncr.lots.all()] == ["A"]
    with django_assert_max_num_queries(3):
        ncr_counts(engineer)
