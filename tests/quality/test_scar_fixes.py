"""Fixes of review R2 of the SCAR half, each one beyond the example the review gave (the examples are in
test_scar_breakit.py): the same fault looked for elsewhere in the SCAR code, a test each.

Texts (quality.scar_content, quality.services.scars._clean_text), counts of pieces, the review of a named
answer version, the evidence per step, the escalation's one level per run, and what a SCAR is about (its
NCRs' products, its own NCRs) for the effectiveness check and the suspect shipments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.dates import tenant_today
from portal.models import AuditEntry
from quality.models import STEP_CODES, Inspection, QualityRules, Scar, ScarReminder, ScarStep
from quality.scar_content import ERRORS_MAX, content_clean, json_schema
from quality.scar_forms import StepAnswerForm
from quality.services.scar_answers import EVIDENCE_PER_STEP, scar_evidence_add
from quality.services.scar_effectiveness import scar_after_ncr
from quality.services.scar_escalation import scars_escalate
from quality.services.scar_states import clean_lots
from quality.services.scars import scar_cancel, scar_issue, scar_step_accept, scar_step_send_back, suspect_asns
from suppliers.models import Asn
from tests.factories import AsnLineFactory, ProductFactory, PurchaseOrderLineFactory
from tests.quality.test_scar_effectiveness import signed_lot
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, scar_ncr, step

pytestmark = pytest.mark.django_db


# --- texts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "content", "path"),
    [
        ("D4", {**ANSWERS["D4"], "occurrence_whys": ["Tool \ud800 worn"]}, "occurrence_whys.0"),
        ("D4", {**ANSWERS["D4"], "fishbone": {"machine": ["Spindle \udfff"]}}, "fishbone.machine.0"),
        ("D2", {**ANSWERS["D2"], "what": "Burr\ud83d"}, "what"),
        ("D1", {"members": [{"name": "Ana", "role": "Lead", "email": "a\ud800@example.test"}]}, "members.0.email"),
    ],
)
def test_a_lone_surrogate_is_refused_in_every_kind_of_text(code, content, path):
    _, errors = content_clean(code, content)
    assert list(errors) == [path]
    assert "lone surrogate" in errors[path] and "\\u" not in errors[path]
    errors[path].encode("utf-8")  # the message itself can be rendered and stored


def test_bidi_controls_are_refused_with_a_clear_message_and_right_to_left_letters_stay():
    overridden = {**ANSWERS["D2"], "where": "Dock \u202egnirb\u202c 3"}
    _, errors = content_clean("D2", overridden)
    assert set(errors) == {"where"} and "direction controls (U+202E)" in errors["where"]
    for control in "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069":
        assert content_clean("D2", {**ANSWERS["D2"], "what": f"Burr{control}"})[1], repr(control)
    hebrew_and_arabic = {**ANSWERS["D2"], "where": "מחסן 3", "what": "نتوء على الحافة"}
    cleaned, errors = content_clean("D2", hebrew_and_arabic)
    assert errors == {} and cleaned["where"] == "מחסן 3"


def test_the_engineers_texts_refuse_the_same_characters(world):
    """Titles, comments and reasons go to the supplier's page, the PDF and Odoo's chatter."""
    with pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, title="Burrs \u202eon brackets")
    assert "direction controls" in refused.value.message_dict["title"][0]
    scar = issue(world)
    answer(world, scar, "D2")
    with pytest.raises(ValidationError) as refused:
        scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Lots \ud800")
    assert "lone surrogate" in refused.value.message_dict["comment"][0]
    with pytest.raises(ValidationError) as refused:
        scar_cancel(membership=world.a_engineer, scar=scar, reason="Twice\x00")
    assert "control characters" in refused.value.message_dict["reason"][0]
    assert step(scar, "D2").status == ScarStep.Status.ANSWERED
    scar.refresh_from_db()
    assert scar.status == Scar.Status.OPEN


def test_unknown_categories_and_row_keys_are_told_back_escaped_and_at_most_twenty():
    content = {**ANSWERS["D4"], "fishbone": {"x\udfff": ["a"], **{f"c{i}": ["b"] for i in range(500)}}}
    _, errors = content_clean("D4", content)
    assert "fishbone.x\\udfff" in errors
    assert len(errors) == ERRORS_MAX
    rows = {"members": [{"name": "Ana", "role": "Lead", **{f"k{i}": 1 for i in range(500)}}]}
    _, errors = content_clean("D1", rows)
    assert len(errors) == ERRORS_MAX and all(key.startswith("members.0.k") for key in errors)
    for key in errors:
        key.encode("utf-8")


# --- counts of pieces ---------------------------------------------------------------------------


def test_counts_of_pieces_are_whole_numbers_wherever_they_are_asked():
    transit = {**ANSWERS["D3"], "stock_in_transit": [{"asn": "ASN-1", "checked": 2.5, "found": 1}]}
    _, errors = content_clean("D3", transit)
    assert "whole number" in errors["stock_in_transit.0.checked"]
    cleaned, errors = content_clean("D3", {**ANSWERS["D3"], "stock_at_supplier": {"checked": 1200.0, "found": 0}})
    assert errors == {} and cleaned["stock_at_supplier"] == {"checked": 1200, "found": 0}
    assert isinstance(cleaned["stock_at_supplier"]["checked"], int)
    group = json_schema("D3")["properties"]["stock_at_supplier"]["properties"]
    assert group["checked"]["type"] == "integer"  # what the API's schema tells an ERP


def test_the_step_form_reads_counts_by_the_pages_language_and_says_why_it_could_not():
    form = StepAnswerForm(
        "D3",
        data={
            "stock_at_supplier.checked": "1,200",
            "stock_at_supplier.found": "12 pcs",
            "stock_in_transit.0.asn": "ASN-1",
            "stock_in_transit.0.checked": "2 400",
        },
    )
    content = form.content()
    assert content["stock_at_supplier"]["checked"] == 1200
    assert content["stock_in_transit"][0]["checked"] == 2400
    form.place(content_clean("D3", content)[1])
    # The reader's reason, not the service's "give a number", beside the field.
    assert "12 pcs" in form.errors["stock_at_supplier.found"]


# --- the review names its version ---------------------------------------------------------------


def test_a_send_back_of_an_older_version_is_refused_and_of_the_newest_goes_through(world):
    scar = issue(world)
    answer(world, scar, "D2")
    answer(world, scar, "D2", {**ANSWERS["D2"], "where": "Final check"})
    with pytest.raises(ValidationError) as refused:
        scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Lots?", version=1)
    assert refused.value.message_dict["__all__"] == [
        f"The supplier sent version 2 after you opened the page: read it first ({scar.number} D2; you reviewed "
        "version 1)."
    ]
    assert step(scar, "D2").status == ScarStep.Status.ANSWERED
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Lots?", version=2)
    assert step(scar, "D2").status == ScarStep.Status.RETURNED


def test_a_stale_review_on_the_page_is_said_and_the_form_then_names_the_newest_version(world):
    from django.test import Client
    from django.urls import reverse

    scar = issue(world)
    answer(world, scar, "D2")
    answer(world, scar, "D2", {**ANSWERS["D2"], "where": "Final check"})
    engineer = Client()
    engineer.force_login(world.a_engineer.user)
    page = reverse("scar_step", args=["alpha", scar.pk, "D2"])
    refused = engineer.post(page, {"action": "review", "decision": "accept", "comment": "Fine", "version": "1"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "The supplier sent version 2 after you opened the page: read it first" in html
    assert 'name="version" value="2"' in html and "Fine" in html  # the comment typed is kept
    assert step(scar, "D2").status == ScarStep.Status.ANSWERED
    missing = engineer.post(page, {"action": "review", "decision": "accept"})
    assert missing.status_code == 400 and step(scar, "D2").status == ScarStep.Status.ANSWERED


# --- evidence -----------------------------------------------------------------------------------


def test_a_step_takes_at_most_twenty_files_and_each_says_which_answer_it_came_with(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    scar = issue(world)
    answer(world, scar, "D3")
    first = scar_evidence_add(membership=world.p1_user, step=step(scar, "D3"), upload=pdf())
    entry = AuditEntry.objects.get(action="scar.evidence_added", object_id=str(first.pk))
    assert entry.changes["answer_version"] == [None, 1]
    for _ in range(EVIDENCE_PER_STEP - 1):
        scar_evidence_add(membership=world.p1_user, step=step(scar, "D3"), upload=pdf())
    with pytest.raises(ValidationError) as refused:
        scar_evidence_add(membership=world.p1_user, step=step(scar, "D3"), upload=pdf())
    assert "holds 20 files already" in refused.value.message_dict["__all__"][0]
    assert step(scar, "D3").evidence.count() == EVIDENCE_PER_STEP


# --- escalation ---------------------------------------------------------------------------------


def test_a_step_found_far_past_its_due_date_climbs_one_level_per_run(world):
    scar = issue(world)
    today = tenant_today(world.a)
    ScarStep.objects.filter(scar=scar).exclude(code="D3").update(due_date=today + dt.timedelta(days=90))
    ScarStep.objects.filter(scar=scar, code="D3").update(due_date=today - dt.timedelta(days=30))
    levels = []
    for _ in range(4):
        scars_escalate(today=today)
        levels.append(sorted(ScarReminder.objects.filter(step__scar=scar).values_list("level", flat=True)))
    assert levels == [[1], [1, 2], [1, 2, 3], [1, 2, 3]]


def test_a_step_sent_back_is_due_again_within_the_tenants_window_and_a_later_date_is_kept(world):
    QualityRules.objects.update_or_create(tenant=world.a, defaults={"scar_escalate_after_days": 4})
    scar = issue(world)
    today = tenant_today(world.a)
    for code in ("D2", "D4"):
        answer(world, scar, code)
    ScarStep.objects.filter(scar=scar, code="D2").update(due_date=today - dt.timedelta(days=8))
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Where?")
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D4"), comment="Why?")
    # D2's own lead time is 2 days (below the 4-day window); D4 was due in 10 days: kept.
    assert step(scar, "D2").due_date == today + dt.timedelta(days=2)
    assert step(scar, "D4").due_date == today + dt.timedelta(days=10)
    assert AuditEntry.objects.filter(action="scar.step_due_changed").count() == 1


# --- what a SCAR is about -----------------------------------------------------------------------


def _accept_all(world, scar) -> Scar:
    QualityRules.objects.update_or_create(tenant=world.a, defaults={"scar_verify_lots": 2, "scar_verify_days": 30})
    for code in STEP_CODES:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING
    return scar


def test_an_ncr_from_before_the_check_is_no_repeat_and_one_after_it_on_a_named_product_is(
    world, celery_eager, django_capture_on_commit_callbacks
):
    bracket = ProductFactory(tenant=world.a, tracking="lot", name="Bracket")
    cover = ProductFactory(tenant=world.a, tracking="lot", name="Cover")
    earlier = scar_ncr(world.p1, bracket, codes=("SCRATCH",))  # open while the SCAR ran, not linked to it
    scar = scar_issue(
        membership=world.a_engineer,
        partner=world.p1,
        ncrs=[scar_ncr(world.p1, bracket), scar_ncr(world.p1, cover, lots=(("C-1", 5),))],
        title="Burrs",
    )
    scar = _accept_all(world, scar)
    earlier.defect_codes.add(scar.defect_codes.get())  # recoded later: found before the check started
    with django_capture_on_commit_callbacks(execute=True):
        assert scar_after_ncr(earlier) == []
    with django_capture_on_commit_callbacks(execute=True):
        again = scar_ncr(world.p1, cover, lots=(("C-9", 2),))
        assert scar_after_ncr(again) == [scar]
    scar.refresh_from_db()
    assert scar.status == Scar.Status.OPEN and again.number in scar.reopen_reason


def test_clean_lots_and_suspect_shipments_count_only_the_products_of_the_scars_ncrs(world):
    bracket = ProductFactory(tenant=world.a, tracking="lot", name="Bracket")
    cover = ProductFactory(tenant=world.a, tracking="lot", name="Cover")
    casting = ProductFactory(tenant=world.a, tracking="lot", name="Casting")
    ncrs = [scar_ncr(world.p1, bracket), scar_ncr(world.p1, cover, lots=(("C-1", 5),))]
    scar = _accept_all(world, scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=ncrs, title="Burrs"))
    ours = [signed_lot(world.p1, bracket, "B-1"), signed_lot(world.p1, cover, "C-2")]
    signed_lot(world.p1, casting, "X-1")
    with CaptureQueriesContext(connection) as queries:
        assert sorted(clean_lots(scar).values_list("pk", flat=True)) == sorted(i.pk for i in ours)
    assert len(queries) <= 3
    assert Inspection.objects.filter(partner=world.p1, product=casting).count() == 1
    shipped = {}
    for product in (bracket, casting):
        line = PurchaseOrderLineFactory(order__partner=world.p1, product=product)
        shipped[product.pk] = AsnLineFactory(asn__partner=world.p1, order_line=line).asn
        Asn.objects.filter(pk=shipped[product.pk].pk).update(status=Asn.Status.IN_TRANSIT)
    assert list(suspect_asns(scar)) == [shipped[bracket.pk]]
