"""Review R2 of issue 13's SCAR / 8D half: each test shows one bug found by trying to break it as a supplier,
an engineer, a buyer and the beat run. Every test here fails on the code as reviewed; the report names the
file and function at fault. The world and helpers are test_scar_services.py's.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_today
from quality.models import STEP_CODES, DefectCode, QualityRules, Scar, ScarAnswer, ScarReminder, ScarStep
from quality.scar_documents import scar_report_pdf
from quality.services.ncrs import ncr_update
from quality.services.scar_answers import scar_evidence_add
from quality.services.scar_effectiveness import scar_after_ncr
from quality.services.scar_escalation import scars_escalate
from quality.services.scars import scar_issue, scar_step_accept, scar_step_send_back
from tests.factories import ProductFactory
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, scar_ncr, step

pytestmark = pytest.mark.django_db


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(name, *args) -> str:
    return reverse(name, args=["alpha", *args])


@pytest.fixture
def run(celery_eager, django_capture_on_commit_callbacks):
    def go(today=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            created = scars_escalate(today=today)
        return created, list(mail.outbox)

    return go


# --- emails -------------------------------------------------------------------------------------


def test_the_buyers_escalation_email_links_to_a_page_the_buyer_may_open(world, run):
    """Level 2 mails the buyers (quality.services.scar_escalation); the link in their digest
    (quality.scar_notifications.page_url, STAFF_PAGES) is the engineer's step page, which answers 404
    to a buyer (quality.views.scar_list.SCAR_STAFF is quality engineers and tenant admins)."""
    scar = issue(world)
    ScarStep.objects.filter(scar=scar).exclude(code="D3").update(due_date=tenant_today(world.a) + dt.timedelta(days=90))
    due = step(scar, "D3").due_date
    run(due + dt.timedelta(days=1))  # level 1; a run climbs one level per step (lead's decision 7)
    _, emails = run(due + dt.timedelta(days=3))
    [to_buyer] = [e for e in emails if e.to == [world.a_buyer.user.email]]
    [link] = re.findall(r"https?://\S+", to_buyer.body)
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client_of(world.a_buyer).get(path).status_code == 200, path


# --- the step form ------------------------------------------------------------------------------


def test_a_piece_count_typed_with_a_thousands_separator_is_not_read_as_a_fraction(world):
    """D3's "Quantity checked" is a count of parts; "1,200" on the supplier's form is stored as 1.2
    (quality.scar_forms.StepAnswerForm._read reads quantities with quality.forms.parse_measurement,
    which takes one comma as the decimal mark). It should be 1200, or refused as ambiguous."""
    scar = issue(world)
    data = {
        "action": "answer",
        "actions.0.what": "Sorted the stock",
        "actions.0.who": "QA",
        "actions.0.done_on": "2026-03-02",
        "stock_at_supplier.checked": "1,200",
        "stock_at_supplier.found": "12",
    }
    response = client_of(world.p1_user).post(url("supplier_scar_step", scar.pk, "D3"), data)
    stored = ScarAnswer.objects.filter(step__scar=scar, step__code="D3").first()
    if stored is None:  # refused as ambiguous: acceptable, if it says so beside the field
        assert response.status_code == 400 and b"1,200" in response.content
    else:
        assert stored.content["stock_at_supplier"]["checked"] == 1200


# --- the engineer's review ----------------------------------------------------------------------


def test_accepting_from_a_page_that_showed_version_1_does_not_accept_an_unseen_version_2(world):
    """The review form carries no version (quality.views.scar_review.ScarStepView._review,
    quality.scar_forms.ReviewForm, quality.services.scars.scar_step_accept): a supplier who changes the
    answer while the engineer reads it gets version 2 accepted, unseen; the 8D report then prints v2
    as what was accepted."""
    scar = issue(world)
    answer(world, scar, "D2")
    engineer = client_of(world.a_engineer)
    page = engineer.get(url("scar_step", scar.pk, "D2"))
    assert page.status_code == 200
    form = re.search(rb'<form[^>]*>(?:(?!</form>).)*name="decision"(?:(?!</form>).)*</form>', page.content, re.S)
    hidden = dict(re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    posted = {k.decode(): v.decode() for k, v in hidden.items()}
    # Meanwhile the supplier sends a new version.
    answer(world, scar, "D2", {**ANSWERS["D2"], "what": "Something else entirely"})
    engineer.post(url("scar_step", scar.pk, "D2"), {**posted, "action": "review", "decision": "accept"})
    assert step(scar, "D2").status != ScarStep.Status.ACCEPTED


# --- effectiveness ------------------------------------------------------------------------------


def _verifying(world, product, ncr) -> Scar:

    QualityRules.objects.update_or_create(tenant=world.a, defaults={"scar_verify_lots": 2, "scar_verify_days": 30})
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Burrs")
    for code in STEP_CODES:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING
    return scar


def test_editing_the_defect_codes_of_the_scars_own_ncr_does_not_reopen_it(
    world, celery_eager, django_capture_on_commit_callbacks
):
    """quality.services.ncrs.ncr_update runs scar_after_ncr on a change of defect codes, and
    quality.services.scar_effectiveness.scar_after_ncr reopens every verifying SCAR sharing a code, even
    one issued from that very NCR: adding a second code to the original NCR reopens its SCAR at D4
    ("NCR-00001 found BURR again"), though nothing was found again."""
    product = ProductFactory(tenant=world.a, tracking="lot")
    original = scar_ncr(world.p1, product, codes=("BURR",))
    scar = _verifying(world, product, original)
    scratch = DefectCode.objects.create(tenant=world.a, code="SCRATCH", description="Scratch")
    with django_capture_on_commit_callbacks(execute=True):
        ncr_update(
            membership=world.a_engineer,
            ncr=original,
            defect_codes=[*original.defect_codes.all(), scratch],
        )
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING, scar.reopen_reason


# --- escalation ---------------------------------------------------------------------------------


def test_a_step_sent_back_after_its_due_date_is_not_escalated_to_the_scorecard_at_once(world, run):
    """The supplier answered D2 in time; the engineer sends it back a week after its due date.
    quality.services.scars.scar_step_send_back keeps the old due date, and
    quality.services.scar_escalation.levels_reached counts from it: the next run sends levels 1, 2 and 3
    together, marking the partner on the scorecard and scheduling the buyer's activity in Odoo for a step
    that has waited for the supplier for minutes. A step sent back needs time to be answered again."""
    scar = issue(world)
    today = tenant_today(world.a)
    ScarStep.objects.filter(scar=scar).exclude(code="D2").update(due_date=today + dt.timedelta(days=90))
    answer(world, scar, "D2")  # answered, so no reminder while the engineer had it
    ScarStep.objects.filter(scar=scar, code="D2").update(due_date=today - dt.timedelta(days=8))
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Say where it was found.")
    run(today)
    assert not ScarReminder.objects.filter(step__scar=scar, level=3).exists()
    assert not OutboxEvent.objects.filter(topic=topics.SCAR_OVERDUE).exists()


# --- the 8D report ------------------------------------------------------------------------------


def _lines_holding(data: bytes, *needles: str) -> dict[str, set[float]]:
    """For each needle, the y positions of the PDF text runs that hold it."""
    found: dict[str, set[float]] = {n: set() for n in needles}

    def visit(text, cm, tm, font, size):
        for needle in needles:
            if needle in text:
                found[needle].add(round(tm[5] * cm[3] + cm[5], 1))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_a_list_of_lots_without_spaces_wraps_in_the_8d_report_instead_of_running_off_the_page(world):
    """templates/documents/scar_8d.html (and _answer.html) set no overflow-wrap: a supplier's "L0000,L0001,..."
    (D2 "How many parts", 200 characters, no space) is laid out on one line that runs past the right
    edge; the page shows it up to L0016 and the rest of the audit document's text is lost (looked at
    with pdftoppm; pdftotext, which crops to the page, stops there too)."""
    scar = issue(world)
    lots = ",".join(f"L{i:04d}" for i in range(33))
    answer(world, scar, "D2", {**ANSWERS["D2"], "how_many": lots})
    lines = _lines_holding(scar_report_pdf(scar), "L0000", "L0032")
    assert lines["L0000"] and lines["L0032"]
    assert lines["L0000"] != lines["L0032"], "the whole list sits on one line, wider than the page"


def test_a_same_defect_ncr_on_a_product_the_scar_never_named_does_not_reopen_it(
    world, celery_eager, django_capture_on_commit_callbacks
):
    """A SCAR issued from NCRs of two products has no product (quality.services.scars._issue_sources), and
    quality.services.scar_effectiveness.scar_after_ncr then reopens it for an NCR of the partner on any
    product (``Q(product__isnull=True)``): a burr on an unrelated casting reopens the brackets' 8D. The
    products of its NCRs are what the SCAR is about (clean_lots counts any product's lots the same way)."""
    bracket = ProductFactory(tenant=world.a, tracking="lot", name="Bracket")
    cover = ProductFactory(tenant=world.a, tracking="lot", name="Cover")
    casting = ProductFactory(tenant=world.a, tracking="lot", name="Casting")
    QualityRules.objects.update_or_create(tenant=world.a, defaults={"scar_verify_lots": 2, "scar_verify_days": 30})
    ncrs = [scar_ncr(world.p1, bracket), scar_ncr(world.p1, cover, lots=(("C-1", 5),))]
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=ncrs, title="Burrs")
    assert scar.product is None
    for code in STEP_CODES:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    with django_capture_on_commit_callbacks(execute=True):
        scar_after_ncr(scar_ncr(world.p1, casting, lots=(("X-1", 3),)))
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING, scar.reopen_reason
