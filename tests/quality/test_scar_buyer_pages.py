"""Buyers read the staff's SCAR pages (quality.views.scar_list.SCAR_READERS): the escalation's level 2 asks
them to chase a late supplier and links them to the step. Read-only: no review, due date or cancel form, and
a POST is 404 with nothing written; the issuing page is not theirs. Their scope is their partners: a buyer of
another partner or another tenant gets 404 and none of the SCAR's text.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import Scar, ScarStep
from quality.services.scar_answers import scar_evidence_add
from tests.factories import member
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, step
from tests.scope import ScopeCase, assert_all_scoped

pytestmark = pytest.mark.django_db


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(name, *args) -> str:
    return reverse(name, args=["alpha", *args])


@pytest.fixture
def scene(world):
    scar = issue(world)
    Scar.objects.filter(pk=scar.pk).update(title="Buyer walk burrs")
    answer(world, scar, "D4", {**ANSWERS["D4"], "root_cause_occurrence": "Buyer walk cause"})
    item = scar_evidence_add(membership=world.p1_user, step=step(scar, "D4"), upload=pdf("buyer.pdf"))
    buyer_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.BUYER), all_partners=False, partners=[world.p2]
    )
    return scar, item, [buyer_p2, member(world.b, Role.BUYER)]


def test_a_buyer_reads_its_partners_scars_and_other_buyers_get_404(world, scene):
    scar, item, intruders = scene
    cases = [
        ScopeCase(url("scar_detail", scar.pk), world.a_buyer, intruders, markers=["Buyer walk burrs"]),
        ScopeCase(url("scar_step", scar.pk, "D4"), world.a_buyer, intruders, markers=["Buyer walk cause"]),
        ScopeCase(url("scar_evidence", scar.pk, "D4", item.pk), world.a_buyer, intruders),
        ScopeCase(url("scar_report", scar.pk), world.a_buyer, intruders),
    ]
    assert assert_all_scoped(cases) == 4
    listed = client_of(world.a_buyer).get(url("scar_list"))
    assert listed.status_code == 200 and "Buyer walk burrs" in listed.content.decode()
    assert "Buyer walk burrs" not in client_of(intruders[0]).get(url("scar_list")).content.decode()


def test_a_buyers_pages_hold_no_forms_and_its_posts_change_nothing(world, scene):
    scar, _, _ = scene
    buyer = client_of(world.a_buyer)
    step_page = buyer.get(url("scar_step", scar.pk, "D4")).content.decode()
    assert 'name="decision"' not in step_page and 'name="due_date"' not in step_page
    detail = buyer.get(url("scar_detail", scar.pk)).content.decode()
    assert "Cancel this SCAR" not in detail and url("scar_issue") not in detail
    assert buyer.get(url("scar_issue")).status_code == 404
    due = step(scar, "D4").due_date
    posts = [
        (url("scar_step", scar.pk, "D4"), {"action": "review", "decision": "accept", "version": "1"}),
        (url("scar_step", scar.pk, "D4"), {"action": "due", "due_date": "2031-01-01"}),
        (url("scar_detail", scar.pk), {"reason": "Buyer says so"}),
        (url("scar_issue"), {"title": "x"}),
    ]
    for path, data in posts:
        assert buyer.post(path, data).status_code == 404, path
    assert step(scar, "D4").status == ScarStep.Status.ANSWERED and step(scar, "D4").due_date == due
    scar.refresh_from_db()
    assert scar.status == Scar.Status.OPEN
    # The engineer's page still has them.
    engineer_page = client_of(world.a_engineer).get(url("scar_step", scar.pk, "D4")).content.decode()
    assert 'name="decision"' in engineer_page and 'name="version" value="1"' in engineer_page
