"""The supplier's "Corrective actions" (quality.views.supplier_scars): the list with the next step due first,
the SCAR page (what is asked next, the D2 text from the NCRs, NCR summaries without costs unless shared), the
step form (inline errors by field path, what was typed kept, the sent-back comment above it, a file with the
answer), supplier users and admins answer, read-only once closed or cancelled, and staff refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.dates import tenant_today
from quality.models import QualityRules, ScarAnswer, ScarEvidence, ScarStep
from quality.services.scar_answers import scar_evidence_add
from quality.services.scars import scar_cancel, scar_step_send_back
from tests.quality.test_scar_pages import client_of, url
from tests.quality.test_scar_services import answer, issue, pdf, step

pytestmark = pytest.mark.django_db


def d4_post(**overrides) -> dict:
    data = {
        "occurrence_whys.0": "Deburring skipped",
        "occurrence_whys.1": "Tool worn",
        "detection_whys.0": "Visual check only",
        "fishbone.machine": "Worn deburring tool\n\nSpindle play",
        "fishbone.method": "No tool-life limit",
        "root_cause_occurrence": "No tool-life limit on the deburring tool.",
        "root_cause_detection": "Final check does not look at the edge.",
        "action": "answer",
    }
    data.update(overrides)
    return data


def test_the_list_shows_the_next_step_due_first(world):
    later = issue(world)
    sooner = issue(world)
    today = tenant_today(world.a)
    ScarStep.objects.filter(scar=later).update(due_date=today + dt.timedelta(days=20))
    ScarStep.objects.filter(scar=sooner).update(due_date=today + dt.timedelta(days=20))
    ScarStep.objects.filter(scar=sooner, code="D3").update(due_date=today - dt.timedelta(days=1))
    cancelled = issue(world)
    scar_cancel(membership=world.a_engineer, scar=cancelled, reason="Wrong supplier")
    elsewhere = issue(world, partner=world.p2, ncrs=[])

    page = client_of(world.p1_user).get(url("supplier_scar_list"))

    html = page.content.decode()
    assert page.status_code == 200
    assert [s.pk for s in page.context["scars"]] == [sooner.pk, later.pk, cancelled.pk]
    assert elsewhere.number not in html
    assert "Next: D3 Containment" in html and "Overdue" in html
    assert url("supplier_scar_step", sooner.pk, "D3") in html


def test_the_scar_page_says_what_is_asked_next_and_hides_costs_unless_shared(world):
    scar = issue(world)
    [ncr] = scar.ncrs.all()
    ncr.unit_price, ncr.currency_code = Decimal("12.5"), "EUR"
    ncr.save()
    supplier = client_of(world.p1_admin)

    page = supplier.get(url("supplier_scar_detail", scar.pk))

    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["next"].code == "D1" and "Asked next: D1 Team" in html
    assert ncr.number in html and "L-1: 30 affected" in html.replace("Lot ", "").replace("<bdi>", "").replace(
        "</bdi>", ""
    )
    assert "BURR Burr on edge" in html  # D2's text from the NCRs (scar_d2_prefill)
    assert "Cost of poor quality" not in html and "375" not in html
    assert reverse("ncr_detail", args=["alpha", ncr.pk]) not in html  # no link to the engineer's page
    assert "answer-form" not in html  # the answer is given on the step page
    QualityRules.objects.create(tenant=world.a, share_costs=True)
    shared = supplier.get(url("supplier_scar_detail", scar.pk)).content.decode()
    assert "Cost of poor quality: €375.00" in shared  # money by the locale (portal.l10n.money)


def test_d2_starts_from_the_ncrs_text(world):
    scar = issue(world)
    form = client_of(world.p1_user).get(url("supplier_scar_step", scar.pk, "D2")).content.decode()
    assert (
        'name="what"' in form and "BURR Burr on edge" in form and "inputmode" not in form.split('name="what"')[0][-200:]
    )


def test_an_answer_with_errors_is_kept_and_the_errors_sit_beside_their_fields(world):
    scar = issue(world)
    supplier = client_of(world.p1_user)
    step_url = url("supplier_scar_step", scar.pk, "D4")

    refused = supplier.post(step_url, d4_post(**{"detection_whys.0": "", "occurrence_whys.1": "x" * 501}))

    assert refused.status_code == 400
    form = refused.context["form"]
    assert set(form.errors) == {"detection_whys", "occurrence_whys.1"}
    html = refused.content.decode()
    assert 'id="f-occurrence_whys-1-error"' in html and "at most 500 characters" in html
    assert "Why was it not detected? (5 whys): give at least 1." in html
    assert "Worn deburring tool\n\nSpindle play" in html  # what was typed, as typed
    assert 'value="Deburring skipped"' in html
    assert not ScarAnswer.objects.exists()

    sent = supplier.post(step_url, d4_post())

    assert sent.status_code == 302 and sent["Location"] == url("supplier_scar_detail", scar.pk)
    [saved] = ScarAnswer.objects.all()
    assert saved.via == "portal" and saved.author == world.p1_user.user
    assert saved.content["fishbone"] == {
        "machine": ["Worn deburring tool", "Spindle play"],
        "method": ["No tool-life limit"],
    }
    assert saved.content["occurrence_whys"] == ["Deburring skipped", "Tool worn"]
    assert step(scar, "D4").status == ScarStep.Status.ANSWERED


def test_rows_and_quantities_as_typed_on_a_tablet(world):
    scar = issue(world)
    data = {
        "actions.0.what": "Sorted the stock",
        "actions.0.who": "QA",
        "actions.0.done_on": "2026-03-02",
        "actions.2.what": "Blocked the line",  # row 2 filled, row 1 left empty: row 1 is left out
        "actions.2.who": "",
        "stock_at_supplier.checked": "400",
        "stock_at_supplier.found": "12,5",
        "action": "answer",
    }
    supplier = client_of(world.p1_user)
    refused = supplier.post(url("supplier_scar_step", scar.pk, "D3"), data)
    # The answer's second row is the form's row 3: its error is placed there. Pieces are counted whole.
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"actions.2.who", "stock_at_supplier.found"}
    assert "whole number" in refused.context["form"].errors["stock_at_supplier.found"]
    data["actions.2.who"] = "Production"
    data["stock_at_supplier.found"] = "12"
    photo = SimpleUploadedFile("label.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    sent = supplier.post(url("supplier_scar_step", scar.pk, "D3"), {**data, "file": photo})
    assert sent.status_code == 302
    [saved] = ScarAnswer.objects.all()
    assert saved.content["actions"][1] == {"what": "Blocked the line", "who": "Production"}
    assert saved.content["stock_at_supplier"] == {"checked": 400, "found": 12}
    assert ScarEvidence.objects.get().name == "label.png"


def test_the_sent_back_comment_is_above_the_form_and_the_last_answer_fills_it(world):
    scar = issue(world)
    answer(world, scar, "D2")
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Give the lot numbers.")

    html = client_of(world.p1_user).get(url("supplier_scar_step", scar.pk, "D2")).content.decode()

    assert html.index("Give the lot numbers.") < html.index('<form method="post" enctype')
    assert 'value="Burr on edge"' not in html  # "what" is a textarea
    assert ">Burr on edge</textarea>" in html and 'value="Week 12"' in html
    assert 'accept=".pdf,' in html


def test_a_file_alone_is_attached_and_a_bad_one_refused_keeping_the_answer(world):
    scar = issue(world)
    supplier = client_of(world.p1_user)
    step_url = url("supplier_scar_step", scar.pk, "D6")
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10, content_type="application/octet-stream")
    refused = supplier.post(step_url, {"action": "evidence", "validation": "Checked 3 lots", "file": bad})
    assert refused.status_code == 400 and "virus.exe" in refused.content.decode()
    assert ">Checked 3 lots</textarea>" in refused.content.decode()
    assert supplier.post(step_url, {"action": "evidence", "file": pdf("trial.pdf")}).status_code == 302
    assert ScarEvidence.objects.get().name == "trial.pdf"
    assert not ScarAnswer.objects.exists()
    assert supplier.post(step_url, {"action": "evidence"}).status_code == 400  # no file chosen


def test_supplier_admins_answer_too_and_closed_scars_are_read_only(world):
    scar = issue(world)
    answer(world, scar, "D1")
    admin = client_of(world.p1_admin)
    page = admin.get(url("supplier_scar_step", scar.pk, "D4")).content.decode()
    assert "answer-form" in page
    assert admin.post(url("supplier_scar_step", scar.pk, "D4"), d4_post()).status_code == 302
    assert ScarAnswer.objects.filter(step__code="D4", author=world.p1_admin.user).count() == 1

    scar_cancel(membership=world.a_engineer, scar=scar, reason="Duplicate")
    user = client_of(world.p1_user)
    closed = user.get(url("supplier_scar_step", scar.pk, "D2")).content.decode()
    assert "read only" in closed and "answer-form" not in closed
    assert user.post(url("supplier_scar_step", scar.pk, "D2"), {"what": "x"}).status_code == 404
    assert ScarAnswer.objects.count() == 2


def test_staff_are_refused_on_the_supplier_pages(world):
    scar = issue(world)
    item = scar_evidence_add(membership=world.p1_user, step=step(scar, "D3"), upload=pdf())
    for who in (world.a_engineer, world.a_admin, world.a_buyer):
        staff = client_of(who)
        assert staff.post(url("supplier_scar_step", scar.pk, "D4"), d4_post()).status_code == 404
        for page in (
            url("supplier_scar_list"),
            url("supplier_scar_detail", scar.pk),
            url("supplier_scar_step", scar.pk, "D4"),
            url("supplier_scar_evidence", scar.pk, "D3", item.pk),
            url("supplier_scar_report", scar.pk),
        ):
            assert staff.get(page).status_code == 404, (who.role, page)
    assert not ScarAnswer.objects.exists()


def test_the_nav_and_dashboard_count_steps(world):
    scar = issue(world)
    ScarStep.objects.filter(scar=scar, code="D3").update(due_date=tenant_today(world.a) - dt.timedelta(days=1))
    answer(world, scar, "D1")
    supplier = client_of(world.p1_user).get(reverse("dashboard", args=["alpha"])).content.decode()
    assert 'Corrective actions <span class="badge badge-accent" aria-label="7 need you">7</span>' in supplier
    assert "7</span> steps to answer" in supplier and "1 overdue" in supplier
    staff = client_of(world.a_engineer).get(reverse("dashboard", args=["alpha"])).content.decode()
    assert 'SCARs <span class="badge badge-accent" aria-label="2 need you">2</span>' in staff  # 1 to review, 1 late
    assert "1 step to review" in staff and scar.number in staff
