"""Scoped reads of SCARs (quality.scar_selectors): who sees which, what comes first, counts, and
bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.dates import tenant_today
from portal.services.errors import NotInScope
from quality.models import ScarStep
from quality.scar_selectors import scar_counts, scar_get, scars_for, step_get, step_versions, supplier_scars
from quality.services.scars import scar_step_accept
from tests.quality.test_scar_services import ANSWERS, answer, issue, step

pytestmark = pytest.mark.django_db


def test_staff_see_the_tenants_scars_suppliers_only_their_partners(world):
    mine, theirs = issue(world), issue(world, partner=world.p2)
    assert set(scars_for(world.a_engineer)) == {mine, theirs}
    assert list(scars_for(world.p1_user)) == [mine] and list(supplier_scars(world.p1_admin)) == [mine]
    assert list(scars_for(world.q1_admin)) == [] and list(scars_for(world.b_admin)) == []
    for who, pk in ((world.p1_user, theirs.pk), (world.b_admin, mine.pk)):
        with pytest.raises(NotInScope):
            scar_get(who, pk)
        with pytest.raises(NotInScope):
            step_get(who, pk, "D1")
    assert step_get(world.p1_user, mine.pk, "d1").code == "D1"
    assert list(scars_for(world.a_engineer, partner=world.p2)) == [theirs]
    assert list(scars_for(world.a_engineer, q=mine.number)) == [mine]


def test_what_needs_action_comes_first_and_counts(world):
    calm, to_review, late = issue(world), issue(world), issue(world)
    answer(world, to_review, "D1")
    ScarStep.objects.filter(scar=late, code="D1").update(due_date=tenant_today(world.a) - dt.timedelta(days=1))
    assert list(scars_for(world.a_engineer)) == [to_review, late, calm]
    assert list(scars_for(world.a_engineer, overdue=True)) == [late]
    assert supplier_scars(world.p1_user)[0] == late  # its next due date is the earliest
    assert scar_counts(world.a_engineer) == {"open": 3, "to_review": 1, "overdue": 1}
    assert scar_counts(world.p1_user) == {"open": 23, "overdue": 1}
    assert scar_counts(world.p2_user) == {"open": 0, "overdue": 0}


def test_versions_say_who_and_what_changed(world):
    scar = issue(world)
    answer(world, scar, "D2")
    answer(world, scar, "D2", {**ANSWERS["D2"], "where": "At the dock"}, membership=world.p1_admin)
    rows = step_versions(step_get(world.a_engineer, scar.pk, "D2"))
    assert [(r["version"], r["author"], r["changed"]) for r in rows] == [
        (2, world.p1_admin.user, ["where"]),
        (1, world.p1_user.user, ["how_many", "what", "when", "where"]),
    ]
    scar_step_accept(membership=world.a_engineer, step=step(scar, "D2"))


def test_lists_and_counts_take_a_fixed_number_of_queries(world):
    for _ in range(3):
        issue(world)

    def queries(read):
        with CaptureQueriesContext(connection) as seen:
            read()
        return len(seen)

    list(supplier_scars(world.p1_user))  # the supplier's partner ids are read once per membership
    few = (queries(lambda: list(scars_for(world.a_engineer))), queries(lambda: list(supplier_scars(world.p1_user))))
    for _ in range(5):
        issue(world)
    assert len(scars_for(world.a_engineer)) == 8
    many = (queries(lambda: list(scars_for(world.a_engineer))), queries(lambda: list(supplier_scars(world.p1_user))))
    assert many == few
    assert queries(lambda: scar_counts(world.a_engineer)) <= 3
    assert queries(lambda: scar_counts(world.p1_user)) <= 2
