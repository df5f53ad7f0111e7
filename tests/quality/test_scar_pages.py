"""The quality engineer's SCAR pages (quality.views.scar_list, scar_issue, scar_detail, scar_review): the list
with what needs action first and its filters, issuing from NCRs with due dates, the SCAR page, the step page
(the answer rendered readably, versions, evidence), accept / send back / due date / cancel, and who gets 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from portal.dates import tenant_today
from quality.models import Scar, ScarStep
from quality.services.scar_answers import scar_evidence_add
from quality.services.scars import scar_step_send_back
from tests.factories import ProductFactory
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, scar_ncr, step

pytestmark = pytest.mark.django_db


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(name, *args) -> str:
    return reverse(name, args=["alpha", *args])


# --- the list -----------------------------------------------------------------------------------


def test_the_list_puts_steps_to_review_and_overdue_steps_first(world):
    quiet = issue(world, product=ProductFactory(tenant=world.a, name="Quiet part"))
    quiet.title = "Quiet SCAR"
    quiet.save()
    answered = issue(world)
    answer(world, answered, "D1")
    late = issue(world, partner=world.p2, ncrs=[])
    ScarStep.objects.filter(scar=late, code="D3").update(due_date=tenant_today(world.a) - dt.timedelta(days=1))

    page = client_of(world.a_engineer).get(url("scar_list"))

    assert page.status_code == 200
    html = page.content.decode()
    review = html.index('id="review-h"')
    overdue = html.index('id="overdue-h"')
    everything = html.index('id="all-h"')
    assert review < html.index(answered.number, review) < overdue
    assert overdue < html.index(late.number, overdue) < everything
    assert quiet.number not in html[:everything]  # nothing to do there: listed under "All" only
    assert quiet.number in html[everything:]


def test_the_list_filters_by_partner_state_overdue_and_search(world):
    mine = issue(world)
    other = issue(world, partner=world.p2, ncrs=[])
    other.title = "Scratches on housings"
    other.save()
    engineer = client_of(world.a_engineer)

    by_partner = engineer.get(url("scar_list"), {"partner": world.p2.pk}).context["scars"]
    assert [s.pk for s in by_partner] == [other.pk]
    assert [s.pk for s in engineer.get(url("scar_list"), {"q": "scratches"}).context["scars"]] == [other.pk]
    assert list(engineer.get(url("scar_list"), {"status": "closed"}).context["scars"]) == []
    assert list(engineer.get(url("scar_list"), {"overdue": "1"}).context["scars"]) == []
    by_product = engineer.get(url("scar_list"), {"product": mine.product_id}).context["scars"]
    assert [s.pk for s in by_product] == [mine.pk]
    # A filter that names no id filters nothing, and is no error.
    assert engineer.get(url("scar_list"), {"partner": "x'--"}).status_code == 200


def test_the_list_reads_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(2):
        issue(world)
    engineer = client_of(world.a_engineer)
    engineer.get(url("scar_list"))  # warm the session and the content types
    with django_assert_max_num_queries(40) as few:
        engineer.get(url("scar_list"))
    for _ in range(6):
        answer(world, issue(world), "D1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(engineer.get(url("scar_list")).context["scars"]) == 8


# --- issuing ------------------------------------------------------------------------------------


def test_issuing_from_an_ncr_prefills_it_and_offers_the_partners_other_ncrs(world):
    product = ProductFactory(tenant=world.a, default_code="ALU-BRKT-7", name="Bracket")
    first = scar_ncr(world.p1, product)
    second = scar_ncr(world.p1, product, lots=(("L-2", 10),))
    elsewhere = scar_ncr(world.p2, product)
    engineer = client_of(world.a_engineer)

    page = engineer.get(url("scar_issue"), {"ncr": first.pk})

    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["ncrs"] == [first.pk] and form.initial["product"] == product.pk
    offered = {n.pk for n in form.fields["ncrs"].queryset}
    assert offered == {first.pk, second.pk}  # the partner's NCRs only
    today = tenant_today(world.a)
    assert form["due_D3"].value() == (today + dt.timedelta(days=2)).isoformat()
    assert form["due_D8"].value() == (today + dt.timedelta(days=60)).isoformat()

    due = {f"due_{c}": (today + dt.timedelta(days=30)).isoformat() for c in ("D1", "D2", "D4", "D5", "D6", "D7", "D8")}
    posted = engineer.post(
        url("scar_issue"),
        {
            "ncr": first.pk,
            "title": "Burrs again",
            "product": product.pk,
            "ncrs": [first.pk, second.pk],
            "due_D3": (today + dt.timedelta(days=4)).isoformat(),
            **due,
        },
    )

    scar = Scar.objects.get(title="Burrs again")
    assert posted.status_code == 302 and posted["Location"] == url("scar_detail", scar.pk)
    assert set(scar.ncrs.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert scar.steps.get(code="D3").due_date == today + dt.timedelta(days=4)
    # Another partner's NCR posted anyway is "not one of the choices", and nothing is issued.
    refused = engineer.post(
        url("scar_issue"), {"ncr": first.pk, "title": "Mixed", "ncrs": [elsewhere.pk], "due_D3": "", **due}
    )
    assert refused.status_code == 400
    assert "ncrs" in refused.context["form"].errors and "due_D3" in refused.context["form"].errors
    assert 'value="Mixed"' in refused.content.decode()  # what was typed is kept
    assert not Scar.objects.filter(title="Mixed").exists()


def test_issuing_for_a_partner_asks_the_partner_first_and_refuses_a_due_date_in_the_past(world):
    engineer = client_of(world.a_engineer)
    assert "choose" in engineer.get(url("scar_issue")).context
    today = tenant_today(world.a)
    due = {f"due_{c}": today.isoformat() for c in ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8")}
    due["due_D4"] = (today - dt.timedelta(days=1)).isoformat()
    refused = engineer.post(url("scar_issue"), {"partner": world.p2.pk, "title": "Late parts", **due})
    assert refused.status_code == 400
    assert "before the SCAR is issued" in refused.context["form"].errors["due_D4"][0]
    due["due_D4"] = today.isoformat()
    assert engineer.post(url("scar_issue"), {"partner": world.p2.pk, "title": "Late parts", **due}).status_code == 302
    assert Scar.objects.get(title="Late parts").partner == world.p2
    # A partner outside a limited member's reach, or another tenant's, is a 404.
    assert engineer.get(url("scar_issue"), {"partner": world.q1.pk}).status_code == 404


# --- the SCAR and its steps ---------------------------------------------------------------------


def test_a_discontinued_pair_links_to_issuing_a_scar_from_its_lot(world):
    from quality.models import Inspection, Severity, SwitchingEvent, SwitchingState
    from tests.quality.test_recording import make_inspection

    inspection, _, _ = make_inspection(world.p1)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.SIGNED)
    state, _ = SwitchingState.objects.update_or_create(
        tenant=world.a, partner=world.p1, product=inspection.product, defaults={"severity": Severity.DISCONTINUED}
    )
    SwitchingEvent.objects.create(
        tenant=world.a,
        state=state,
        partner=world.p1,
        from_severity=Severity.TIGHTENED,
        to_severity=Severity.DISCONTINUED,
        reason="5 not accepted",
        inspection=inspection,
    )
    engineer = client_of(world.a_engineer)
    page = engineer.get(url("switching_detail", world.p1.pk, inspection.product_id)).content.decode()
    link = f"{url('scar_issue')}?inspection={inspection.pk}"
    assert link in page
    form = engineer.get(link).content.decode()
    assert "discontinued (ISO 2859-1 9.4)" in form and f'name="inspection" value="{inspection.pk}"' in form
    due = {f"due_{c}": (tenant_today(world.a) + dt.timedelta(days=9)).isoformat() for c in ANSWERS}
    answer_page = engineer.post(link, {"inspection": inspection.pk, "partner": world.p1.pk, "title": "Stop", **due})
    assert answer_page.status_code == 302, answer_page.content.decode()[:3000]
    assert Scar.objects.get().inspection_id == inspection.pk
    assert client_of(world.a_buyer).get(link).status_code == 404


def test_the_scar_page_shows_the_header_steps_and_ncr_links(world):
    scar = issue(world)
    ScarStep.objects.filter(scar=scar, code="D3").update(due_date=tenant_today(world.a) - dt.timedelta(days=1))
    answer(world, scar, "D1")

    page = client_of(world.a_engineer).get(url("scar_detail", scar.pk))

    html = page.content.decode()
    assert page.status_code == 200
    assert scar.number in html and world.p1.name in html and "Bracket" in html and "BURR" in html
    [ncr] = scar.ncrs.all()
    assert reverse("ncr_detail", args=["alpha", ncr.pk]) in html
    assert url("scar_report", scar.pk) in html
    steps = {s.code: s for s in page.context["steps"]}
    assert steps["D3"].overdue and not steps["D4"].overdue
    assert steps["D1"].status == ScarStep.Status.ANSWERED
    assert "Overdue" in html and "To review" in html


def test_the_step_page_renders_the_answer_readably_with_versions_and_evidence(world):
    scar = issue(world)
    answer(world, scar, "D4")
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D4"), comment="Why was the tool worn?")
    changed = {**ANSWERS["D4"]}
    changed["occurrence_whys"] = [*changed["occurrence_whys"], "Tool change not planned"]
    answer(world, scar, "D4", changed)
    item = scar_evidence_add(membership=world.p1_user, step=step(scar, "D4"), upload=pdf("tool-log.pdf"))

    page = client_of(world.a_engineer).get(url("scar_step", scar.pk, "D4"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Answer, version 2" in html
    # The whys as numbered lists, the fishbone's categories as a small table.
    assert '<ol class="whys"><li>Deburring skipped</li><li>Tool worn</li>' in html
    assert "<li>Tool change not planned</li>" in html
    assert '<th scope="row">Machine</th><td>Worn deburring tool</td>' in html
    # Versions: who and what changed.
    [(v2, changes), (v1, _)] = page.context["versions"]
    assert v2.version == 2 and v1.version == 1 and changes == ["Why did it occur? (5 whys)"]
    assert "Why did it occur? (5 whys)" in html and world.p1_user.user.get_full_name() in html
    evidence_url = url("scar_evidence", scar.pk, "D4", item.pk)
    assert evidence_url in html
    file = client_of(world.a_engineer).get(evidence_url)
    assert file.status_code == 200 and file["X-Content-Type-Options"] == "nosniff"
    assert b"".join(file.streaming_content).startswith(b"%PDF")
    # An unknown step code, or a file of another step, is a 404.
    assert client_of(world.a_engineer).get(url("scar_step", scar.pk, "D9")).status_code == 404
    assert client_of(world.a_engineer).get(url("scar_evidence", scar.pk, "D3", item.pk)).status_code == 404


def test_a_step_is_sent_back_only_with_a_comment_then_accepted(world):
    scar = issue(world)
    answer(world, scar, "D2")
    engineer = client_of(world.a_engineer)
    step_url = url("scar_step", scar.pk, "D2")

    # The page's form names the version it shows (hidden): a review is of that version.
    refused = engineer.post(step_url, {"action": "review", "decision": "send_back", "comment": "  ", "version": "1"})
    assert refused.status_code == 400
    assert "Say what is missing" in refused.content.decode()
    assert step(scar, "D2").status == ScarStep.Status.ANSWERED

    back = engineer.post(
        step_url, {"action": "review", "decision": "send_back", "comment": "Give the lot numbers.", "version": "1"}
    )
    assert back.status_code == 302
    assert step(scar, "D2").status == ScarStep.Status.RETURNED
    assert step(scar, "D2").review_comment == "Give the lot numbers."

    answer(world, scar, "D2")
    accepted = engineer.post(
        step_url, {"action": "review", "decision": "accept", "comment": "", "version": "2"}, follow=True
    )
    assert step(scar, "D2").status == ScarStep.Status.ACCEPTED
    assert f"{scar.number} D2 accepted" in accepted.content.decode()
    # Nothing left to review: a second accept is refused by the service and said on the page.
    again = engineer.post(step_url, {"action": "review", "decision": "accept", "version": "2"})
    assert again.status_code == 400 and "only an answered step is accepted" in again.content.decode()


def test_the_due_date_changes_and_a_past_one_is_refused(world):
    scar = issue(world)
    engineer = client_of(world.a_engineer)
    today = tenant_today(world.a)
    step_url = url("scar_step", scar.pk, "D5")
    past = engineer.post(step_url, {"action": "due", "due_date": (today - dt.timedelta(days=3)).isoformat()})
    assert past.status_code == 400 and "before today" in past.content.decode()
    later = (today + dt.timedelta(days=45)).isoformat()
    assert engineer.post(step_url, {"action": "due", "due_date": later}).status_code == 302
    assert step(scar, "D5").due_date.isoformat() == later
    assert engineer.post(step_url, {"action": "delete"}).status_code == 404


def test_cancel_needs_a_reason(world):
    scar = issue(world)
    engineer = client_of(world.a_engineer)
    assert engineer.post(url("scar_detail", scar.pk), {"reason": ""}).status_code == 400
    assert engineer.post(url("scar_detail", scar.pk), {"reason": "Supplier replaced"}).status_code == 302
    scar.refresh_from_db()
    assert scar.status == Scar.Status.CANCELLED and scar.cancel_reason == "Supplier replaced"
    page = engineer.get(url("scar_detail", scar.pk)).content.decode()
    assert "Cancelled:</strong> Supplier replaced" in page and "Cancel this SCAR" not in page


def test_engineer_pages_are_404_for_suppliers_and_inspectors_and_read_only_to_buyers(world):
    scar = issue(world)
    answer(world, scar, "D1")
    item = scar_evidence_add(membership=world.p1_user, step=step(scar, "D1"), upload=pdf())
    pages = [
        url("scar_list"),
        url("scar_issue"),
        url("scar_detail", scar.pk),
        url("scar_step", scar.pk, "D1"),
        url("scar_evidence", scar.pk, "D1", item.pk),
        url("scar_report", scar.pk),
    ]
    for who in (world.p1_admin, world.p1_user, world.a_inspector):
        visitor = client_of(who)
        for page in pages:
            assert visitor.get(page).status_code == 404, (who.role, page)
    # A buyer chases late suppliers: it reads every page but the issuing one (test_scar_buyer_pages.py).
    buyer = client_of(world.a_buyer)
    assert [buyer.get(page).status_code for page in pages] == [200, 404, 200, 200, 200, 200]
    # Nor may a supplier post a review on its own step.
    posted = client_of(world.p1_user).post(url("scar_step", scar.pk, "D1"), {"action": "review", "decision": "accept"})
    assert posted.status_code == 404
    assert step(scar, "D1").status == ScarStep.Status.ANSWERED
