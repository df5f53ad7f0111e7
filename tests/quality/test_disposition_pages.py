"""The disposition section of the inspection page: prefilled from the verdict, decisions recorded and listed
with their way to Odoo, refusals shown beside the field with what was typed, and scope (other partner or
tenant, suppliers, buyers: 404, nothing written)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import OutboxEvent
from portal.models import Role
from quality.models import Disposition
from tests.conftest import login
from tests.factories import member
from tests.quality.test_dispositions import signed

pytestmark = pytest.mark.django_db


def _urls(inspection):
    return (
        reverse("inspection_detail", args=["alpha", inspection.pk]),
        reverse("inspection_disposition", args=["alpha", inspection.pk]),
    )


def test_an_accepted_lot_offers_release_of_all_and_records_it(client, world):
    inspection = signed(world, quantity=500)
    detail, post = _urls(inspection)
    login(client, world.a_inspector)
    html = client.get(detail).content.decode()
    assert 'id="disp-released"' in html and 'name="released" value="500"' in html
    assert "500 Units still to decide" in html
    response = client.post(post, {"released": "500", "returned": "", "scrapped": "", "reason": ""})
    assert response.status_code == 302 and response.url == detail
    [d] = Disposition.objects.all()
    assert d.kind == Disposition.Kind.ACCEPT and d.outbox_event_id
    html = client.get(detail).content.decode()
    assert "Waiting to reach Odoo" in html and 'id="disp-released"' not in html  # nothing left to decide


def test_a_split_needs_a_reason_and_a_refusal_keeps_what_was_typed(client, world):
    inspection = signed(world, reject=True, quantity=500)
    _, post = _urls(inspection)
    login(client, world.a_engineer)
    response = client.post(post, {"released": "470", "returned": "30", "scrapped": "", "reason": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "needs a reason" in html and 'value="470"' in html
    assert '<ul class="errorlist" role="alert"><li>The disposition was not recorded: ' in html  # at the top
    response = client.post(post, {"released": "470", "returned": "40", "scrapped": "", "reason": "Sorted"})
    assert response.status_code == 400 and "Only 500 of the lot" in response.content.decode()
    response = client.post(post, {"released": "1,5", "returned": "", "scrapped": "", "reason": "Sorted"})
    assert response.status_code == 302
    response = client.post(post, {"released": "abc", "returned": "", "scrapped": "", "reason": "x"})
    assert response.status_code == 400
    assert [str(d.released) for d in Disposition.objects.all()] == ["1.5000"]


def test_hold_all_moves_nothing_and_says_so(client, world):
    inspection = signed(world, reject=True)
    _detail, post = _urls(inspection)
    login(client, world.a_inspector)
    response = client.post(post, {"released": "10", "reason": "Wait for the NCR", "action": "hold"}, follow=True)
    assert "nothing moves in Odoo" in response.content.decode()
    [d] = Disposition.objects.all()
    assert d.kind == Disposition.Kind.HOLD and not d.released and not OutboxEvent.objects.exists()


@pytest.mark.parametrize("who", ["p1_admin", "p1_user", "a_buyer", "other_partner", "other_tenant"])
def test_others_get_404_and_nothing_is_written(client, world, who):
    from portal.services.memberships import membership_scope_set

    inspection = signed(world)
    _, post = _urls(inspection)
    if who == "other_partner":
        membership = membership_scope_set(
            actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
        )
    elif who == "other_tenant":
        membership = member(world.b, Role.INSPECTOR)
    else:
        membership = getattr(world, who)
    login(client, membership)
    response = client.post(post, {"released": "500"})
    assert response.status_code == 404
    assert not Disposition.objects.exists()


def test_the_list_shows_signed_lots_still_to_decide_until_all_is_decided(client, world):
    inspection = signed(world, reject=True, quantity=500)
    _, post = _urls(inspection)
    login(client, world.a_inspector)
    url = reverse("inspection_list", args=["alpha"])
    assert "Signed, to decide" in client.get(url).content.decode()
    client.post(post, {"released": "470", "reason": "Sorted"})
    assert "Signed, to decide" in client.get(url).content.decode()
    client.post(post, {"returned": "30", "reason": "Cracked"})
    assert "Signed, to decide" not in client.get(url).content.decode()


def test_the_waiting_badge_counts_every_lot_not_the_100_shown(client, world):
    from quality.services.inspections import inspections_from_receipt
    from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory
    from tests.quality.receipts import done_receipt, product
    from tests.quality.test_recording import RULES

    item = product(world.a, name="Washer")
    InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=item), rules=RULES)
    created = inspections_from_receipt(receipt=done_receipt(world.p1, [(item, [(f"W-{i}", 5) for i in range(103)])]))
    assert len(created) == 103
    login(client, world.a_inspector)
    html = client.get(reverse("inspection_list", args=["alpha"])).content.decode()
    assert 'Waiting <span class="badge">103</span>' in html and "The 100 oldest of 103 are shown" in html
