"""Switching pages (quality.views.switching): the list (discontinued first, linked from the plans), a pair's
page with its history, reinstatement and skip-lot through the forms, the skipped lot's note on the
inspection page, and scope (other partner, other tenant, inspector, supplier: 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import Inspection, SwitchingState
from tests.conftest import login
from tests.factories import member
from tests.quality.test_switching_service import Pair
from tests.scope import ScopeCase, assert_all_scoped

pytestmark = pytest.mark.django_db


def detail_url(pair) -> str:
    return reverse("switching_detail", args=["alpha", pair.partner.pk, pair.item.pk])


def discontinued(world) -> Pair:
    pair = Pair(world)
    pair.lots("RR" + "RRRRR")
    pair.arrive()  # held
    return pair


def test_the_list_shows_discontinued_first_and_the_plans_link_to_it(client, world):
    calm = Pair(world)
    calm.item.name = "Aaa washer"
    calm.item.save()
    calm.lots("A")
    stopped = discontinued(world)
    login(client, world.a_engineer)
    assert (
        reverse("switching_list", args=["alpha"]).encode() in client.get(reverse("plan_list", args=["alpha"])).content
    )
    html = client.get(reverse("switching_list", args=["alpha"])).content.decode()
    assert html.index(detail_url(stopped)) < html.index(detail_url(calm))
    assert "Inspection discontinued" in html
    only = client.get(reverse("switching_list", args=["alpha"]), {"severity": "normal"}).content.decode()
    assert detail_url(calm) in only and detail_url(stopped) not in only


def test_reinstate_through_the_page_releases_the_held_lot(client, world):
    pair = discontinued(world)
    login(client, world.a_engineer)
    page = client.get(detail_url(pair))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Reinstate inspection" in html and "1 held now" in html and "5 lots have not been accepted" in html
    refused = client.post(detail_url(pair), {"action": "reinstate", "reason": ""})
    assert refused.status_code == 422
    assert SwitchingState.objects.get().severity == "discontinued"
    done = client.post(detail_url(pair), {"action": "reinstate", "reason": "8D verified on site"}, follow=True)
    assert "1 held lot now waits for an inspector" in done.content.decode()
    assert SwitchingState.objects.get().severity == "tightened"
    assert Inspection.objects.filter(status="waiting", severity="tightened").count() == 1
    # A second engineer's stale tab reinstates again: the form is gone from the page, the refusal is on top.
    again = client.post(detail_url(pair), {"action": "reinstate", "reason": "me too"})
    assert again.status_code == 422 and "Nothing was changed: " in again.content.decode()


def test_skip_lot_through_the_page_refused_then_set_and_the_skipped_lot_says_so(client, world):
    pair = Pair(world)
    pair.lots("A" * 4)
    login(client, world.a_engineer)
    assert "Not qualified" in client.get(detail_url(pair)).content.decode()
    refused = client.post(detail_url(pair), {"action": "skip_lot", "every": "3"})
    assert refused.status_code == 422 and "the run is 4" in refused.content.decode()
    pair.lots("A" * 6)
    done = client.post(detail_url(pair), {"action": "skip_lot", "every": "3"}, follow=True)
    assert "Skip-lot on: 1 lot in 3" in done.content.decode()
    skipped = pair.arrive()
    assert skipped.status == Inspection.Status.SKIPPED
    page = client.get(reverse("inspection_detail", args=["alpha", skipped.pk])).content.decode()
    assert "Released without inspection (skip-lot 1 in 3)" in page
    assert detail_url(pair) in page
    history = client.get(detail_url(pair)).content.decode()
    assert "1 skipped since the last lot inspected" in history and "Skip-lot set by" in history


def test_pages_are_404_outside_the_scope(world):
    pair = discontinued(world)
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    intruders = [only_p2, world.b_admin, member(world.b, Role.QUALITY_ENGINEER), world.p1_admin, world.a_inspector]
    marker = "Bracket"  # the product: the supplier's own name shows in its own page chrome
    cases = [
        ScopeCase(detail_url(pair), world.a_engineer, intruders, markers=[marker, "5 lots have not been accepted"]),
        ScopeCase(
            detail_url(pair),
            world.a_admin,
            intruders,
            method="post",
            data={"action": "reinstate", "reason": "x"},
            owner_status=None,
        ),
        ScopeCase(
            reverse("switching_list", args=["alpha"]),
            world.a_engineer,
            [world.p1_admin, world.p1_user, world.a_inspector, world.a_buyer],
            markers=[marker],
            swap_tenant=False,
        ),
    ]
    assert assert_all_scoped(cases) == 3
    assert SwitchingState.objects.get().severity == "discontinued"  # the intruders' posts changed nothing
    # An engineer limited to another supplier, and another tenant, see their own (empty) list.
    for other in (only_p2, member(world.b, Role.QUALITY_ENGINEER)):
        from django.test import Client

        client = login(Client(), other)
        response = client.get(reverse("switching_list", args=[other.tenant.slug]))
        assert response.status_code == 200 and marker not in response.content.decode()
