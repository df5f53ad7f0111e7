"""Issue 16 code review (codereview): internationalisation faults found by reading the diff, each shown by a test.

Every test here fails while its fault is there and passes once it is fixed; some pin behaviour that works
(regression tests). Named after what should happen.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from integrations import topics
from integrations.models import OutboxEvent
from quality.models import STEP_TITLES, ScarStep
from quality.services.recording import inspection_sign
from quality.services.scars import scar_step_accept
from tests.conftest import login
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db


def _speak(membership, language: str):
    user = membership.user
    user.language = language
    user.save(update_fields=["language"])
    return membership


# --- 1. machine values on pages: a tolerance in data-low / data-high read by recording.js ---------------------


@pytest.mark.parametrize("language", ["de", "fr"])
def test_tolerance_limits_in_data_attributes_stay_dot_decimals_for_a_german_or_french_inspector(world, language):
    """templates/quality/inspections/detail.html:63 renders ``data-low="{{ c.lower_limit }}"``: a Decimal that
    Django localizes ("9,9" in de/fr). static/quality/recording.js:81 reads it with parseFloat("9,9") = 9, so a
    value of 9.5 mm is not flagged out of tolerance while typing. Machine attributes must stay "9.9"."""
    from tests.quality.test_recording import make_inspection

    inspection, length, _finish = make_inspection(world.p1, lot="LOT-DE")
    _speak(world.a_inspector, language)
    client = login(Client(), world.a_inspector)
    html = client.get(reverse("inspection_detail", args=["alpha", inspection.pk])).content.decode()
    low = re.search(r'data-low="([^"]*)"', html).group(1)
    high = re.search(r'data-high="([^"]*)"', html).group(1)
    # What JavaScript's parseFloat would read: the leading [-+]digits[.digits].
    js = [float(re.match(r"[-+]?\d*\.?\d*", v).group(0)) for v in (low, high)]
    assert js == [float(length.lower_limit), float(length.upper_limit)], (low, high)


# --- 2. a Decimal passed as a plural count ("Plural value must be an integer, got Decimal") -----------------


def _no_decimal_plural(response_of):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = response_of()
    plural = [str(w.message) for w in caught if "Plural value must be an integer" in str(w.message)]
    return response, plural


def test_the_suppliers_scorecard_counts_points_with_an_integer(world):
    """templates/quality/supplier_scorecard.html:34 ``{% blocktranslate count n=item.row.points %}``: points are
    Decimal ("23.2", catalogue.points_lost), so gettext warns "Plural value must be an integer, got Decimal"
    (the warning seen in the test runs) and the plural form is picked from a fraction."""
    from tests.quality.test_supplier_scorecard import p1_scorecard

    p1_scorecard(world)
    client = login(Client(), world.p1_user)
    response, plural = _no_decimal_plural(lambda: client.get(reverse("supplier_scorecard", args=["alpha"])))
    assert response.status_code == 200
    assert "23.2" in response.content.decode()
    assert plural == []


def test_the_staff_scorecard_counts_points_with_an_integer(world):
    """templates/quality/scorecard_detail.html:24 ``{% blocktranslate count n=item.points %}``: the same Decimal."""
    from tests.quality.test_supplier_scorecard import p1_scorecard

    p1_scorecard(world)
    client = login(Client(), world.a_buyer)
    response, plural = _no_decimal_plural(lambda: client.get(reverse("scorecard_detail", args=["alpha", world.p1.pk])))
    assert response.status_code == 200
    assert plural == []


# --- 3. text frozen at import time ---------------------------------------------------------------------------


def test_scar_step_code_choices_follow_the_active_language():
    """quality/models/scars.py:167 ``choices=[(c, f"{c} {STEP_TITLES[c]}") ...]``: the f-string reads the lazy
    titles once, at import, in English; ``get_code_display``, the admin and any ModelForm stay English."""
    with translation.override("de"):
        german = str(STEP_TITLES["D2"])
        choices = {code: str(label) for code, label in ScarStep._meta.get_field("code").choices}
    assert german != "Problem description"  # the catalogue has it
    assert choices["D2"] == f"D2 {german}"


# --- 4. text stored or sent to Odoo in the wrong language ----------------------------------------------------


def _scar_with_answered(world, code):
    from tests.quality.test_scar_services import answer, issue

    scar = issue(world)
    for c in ("D1", "D2", "D3", "D4", "D5", "D6", "D7")[: ("D1", "D2", "D3", "D4", "D5", "D6", "D7").index(code)]:
        answer(world, scar, c)
        scar_step_accept(membership=world.a_engineer, step=scar.steps.get(code=c))
    answer(world, scar, code)
    return scar


def test_a_step_accepted_note_for_odoo_is_written_in_the_tenants_language_not_the_engineers(world):
    """quality/services/scars.py:352 ``summary = f"{scar.number} {step.code} {step.title} accepted"``: English
    frame ("accepted", and at D8 "The effectiveness check runs until 2026-.. and N lot(s) ..."), and the step's
    title in the language of the engineer's request, frozen into the scar.noted payload. The note is posted in
    the tenant's language (its frame ``WHAT`` is translated by the handler), so the summary must be too."""
    world.a.language = "de"
    world.a.save(update_fields=["language"])
    scar = _scar_with_answered(world, "D2")
    with translation.override("fr"):  # the engineer reads French
        scar_step_accept(membership=world.a_engineer, step=scar.steps.get(code="D2"))
    event = OutboxEvent.objects.filter(topic=topics.SCAR_NOTED).order_by("sequence").last()
    summary = event.payload["summary"]
    with translation.override("fr"):
        french = str(STEP_TITLES["D2"])
    with translation.override("de"):
        german = str(STEP_TITLES["D2"])
    assert event.payload["step_title"] == german  # already right: step_title_for_odoo
    assert french not in summary, summary
    assert german in summary and not summary.endswith("accepted."), summary


def test_refusing_to_accept_an_unanswered_step_speaks_the_readers_language(world):
    """quality/services/scars.py:349 ``refused=f"{step.code} is {step.get_status_display().lower()}: only an
    answered step is accepted."``: an English sentence around a translated, lower-cased status."""
    from tests.quality.test_scar_services import issue

    scar = issue(world)
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        scar_step_accept(membership=world.a_engineer, step=scar.steps.get(code="D1"))
    assert "only an answered step is accepted" not in " ".join(refused.value.messages)


def test_a_signature_meaning_is_not_half_english_half_the_signers_language(world):
    """quality/services/recording.py:382 ``signature_meaning = f"Inspected and found {verdict.label.lower()}"``:
    the meaning of an electronic signature is stored (and audited) as English words around the verdict label
    in the signer's language: "Inspected and found angenommen". One language (or a stored code) it must be."""
    from tests.quality.test_recording import make_inspection, record_all_good

    inspection, length, finish = make_inspection(world.p1, lot="LOT-SIG")
    record_all_good(world.a_inspector, inspection, length, finish)
    with translation.override("de"):
        german = str(inspection.Verdict.ACCEPT.label).lower()
        signed = inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    meaning = signed.signature_meaning
    assert german != "accepted"
    assert not ("Inspected and found" in meaning and german in meaning), meaning


def test_a_scar_reopened_by_the_effectiveness_check_tells_a_german_supplier_why_in_german(
    world, celery_eager, django_capture_on_commit_callbacks
):
    """quality/services/scar_effectiveness.py:32-35 (not touched by the diff): ``_reason`` writes
    "NCR-00009 found BURR again on lot L-1 before the effectiveness check passed." in English and stores it as
    ``Scar.reopen_reason`` and each reopened step's ``review_comment``; the German supplier's email
    (emails/scar_notification.txt "reopened"), the 8D PDF and the pages show it as it is. Likewise :90 and
    :117 write the scar.noted summaries for Odoo in English ("reopened at D4", "lot(s) inspected", ISO day)."""
    from django.core import mail

    from quality.services.scar_effectiveness import scar_after_ncr
    from tests.factories import ProductFactory
    from tests.quality.test_scar_effectiveness import verifying
    from tests.quality.test_scar_services import scar_ncr

    world.a.language = "de"
    world.a.save(update_fields=["language"])
    for m in (world.p1_user, world.p1_admin):
        _speak(m, "de")
    product = ProductFactory(tenant=world.a, tracking="lot")
    scar = verifying(world, product)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scar_after_ncr(scar_ncr(world.p1, product, codes=("BURR",)))
    scar.refresh_from_db()
    assert scar.status == "open"
    [email] = mail.outbox
    assert "before the effectiveness check passed" not in email.body, email.body
    note = OutboxEvent.objects.filter(topic=topics.SCAR_NOTED).order_by("sequence").last()
    assert note.payload["what"] == "reopened"
    assert "reopened at D4" not in note.payload["summary"], note.payload["summary"]


def test_an_ncr_opened_from_a_rejected_lot_is_not_written_half_in_english(world):
    """quality/services/ncr_inspections.py:56-61 (and :275 the title): the NCR the system opens when a German
    inspector signs a rejection is described as "Found at incoming inspection of WH/IN/.. (Inspected and found
    abgelehnt): - Length (hauptfehler): 2 of 3 units defective": English sentences around labels translated
    into the signer's language and lower-cased, stored for everyone."""
    from quality.models import DefectClass, Ncr
    from quality.services.recording import result_record
    from tests.quality.test_recording import make_inspection

    inspection, length, _finish = make_inspection(world.p1, lot="L-DE")
    for unit in (1, 2):
        result_record(
            membership=world.a_inspector,
            inspection=inspection,
            unit=unit,
            characteristic=length,
            client_key=f"de{unit}",
            value=Decimal("12"),
        )
    with translation.override("de"):
        major = str(DefectClass.MAJOR.label).lower()
        inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    description = Ncr.objects.get().description
    assert major != "major"
    assert not ("units defective" in description and major in description), description


# --- 5. English parsed back out of translated text -----------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "fr"])
def test_import_errors_are_listed_in_the_files_row_order_in_german_and_french(world, language):
    """suppliers/asn_documents.py:98 ``_ROW_KEY = re.compile(r"(?:(.*), )?row ([0-9]+), ")`` sorts the import's
    errors by the English "row N" of their key, but suppliers/services/asn_import.py:152 now writes that key
    through gettext ("Zeile 12", "ligne 12"): nothing matches, and the errors of a German or French supplier are
    listed in text order, row 10 before row 2."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.suppliers.test_asn_import_files import HEADER, draft

    _po, asn = draft(world)
    _speak(world.p1_user, language)
    rows = "".join(",LAB-LOT-001,1,kg,L-1,,1\n" for _ in range(10))  # rows 2..11, each without its order
    client = login(Client(), world.p1_user)
    upload = SimpleUploadedFile("lines.csv", f"{HEADER}\n{rows}".encode(), content_type="text/csv")
    response = client.post(reverse("asn_import", args=["alpha", asn.pk]), {"file": upload})
    assert response.status_code == 400
    keys = [key for key, _message in response.context["errors"]]
    numbers = [int(re.search(r"(\d+), po$", key).group(1)) for key in keys]
    assert numbers == list(range(2, 12)), keys


def test_an_ncr_disposition_note_names_the_disposition_in_the_tenants_language(world):
    """quality/services/ncr_dispositions.py:331 ``"kind_label": d.get_kind_display()`` freezes the label into the
    ncr.dispositioned payload in the language of whoever's request emitted it (a French engineer: "Mise au
    rebut"); integrations/handlers/ncrs.py:106 puts it as it is into the note it writes in the tenant's language
    (German here), unlike the SCAR's step title (quality/services/scars.py step_title_for_odoo)."""
    from integrations.handlers.ncrs import _context
    from quality.models import NcrDisposition
    from quality.services.ncr_dispositions import ncr_disposition_payload
    from tests.factories import ProductFactory
    from tests.quality.test_scar_services import scar_ncr

    world.a.language = "de"
    world.a.save(update_fields=["language"])
    ncr = scar_ncr(world.p1, ProductFactory(tenant=world.a, name="Bracket"))
    lot = ncr.lots.get()
    disposition = NcrDisposition.objects.create(
        tenant=world.a, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal("5"), status="applied"
    )
    with translation.override("fr"):
        french = str(NcrDisposition.Kind.SCRAP.label)
        payload = ncr_disposition_payload(ncr, disposition)
    with translation.override("de"):  # as the delivery runs: the tenant's language (delivery_batch.py:272)
        german = str(NcrDisposition.Kind.SCRAP.label)
        label = _context(payload, payload["disposition"])["kind_label"]
    assert french != german
    assert label == german, label


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_oc_chart_svg_coordinates_are_machine_numbers_in_german_and_french(client, world, language):
    """templates/quality/plans/_oc_chart.html renders float coordinates (quality/views/plans.py:431/436
    ``round(..., 2)``, :451 ``LEFT + plot_w / 2``) as ``y1="{{ t.y }}"``, ``x="{{ chart.x_label.x }}"``: Django
    localizes them ("163,33" in de/fr), which is no SVG length, so the browser drops the grid lines and labels."""
    from tests.quality.test_plan_pages import _plan

    version = _plan(world)
    _speak(world.a_engineer, language)
    login(client, world.a_engineer)
    html = client.get(reverse("plan_detail", args=["alpha", version.plan_id])).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<line" in svg
    single = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert [value for value in single if not re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", value)] == []


# --- 6. the language switcher and headers (regression tests: these hold today) ------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_language_switcher_never_redirects_off_site(client, target):
    response = client.post(reverse("set_language"), {"language": "de", "next": target})
    assert response.status_code in (302, 204)
    location = response.headers.get("Location", "/")
    assert "evil.example" not in location and not location.startswith("javascript")
    assert response.cookies["django_language"].value == "de"


def test_a_huge_or_hostile_accept_language_or_cookie_is_harmless(client):
    url = reverse("account_login")
    huge = client.get(url, HTTP_ACCEPT_LANGUAGE="xx-YY;q=0.9, " * 20000 + "de")
    assert huge.status_code == 200 and huge.headers["Content-Language"] == "en"
    client.cookies["django_language"] = '"><script>alert(1)</script>'
    hostile = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert hostile.status_code == 200 and hostile.headers["Content-Language"] == "fr"
    assert "<script>alert(1)" not in hostile.content.decode()
    assert "Accept-Language" in hostile.headers.get("Vary", "")


def test_a_german_suppliers_order_email_lists_the_shipment_notices_in_german(world):
    """templates/emails/po_notification.txt:9-10 loops over ``asn.order_changes``, the notices stored in
    English (suppliers/services/po_changes.py:201 "stored words: one language"), instead of ``asn|asn_changes``
    (suppliers/templatetags/orders.py:66), which the ASN page uses to tell them again in its reader's language:
    the German supplier's "order cancelled" email says "P00011 was cancelled in Odoo: nothing of this shipment
    is expected on it any more." in English."""
    from django.core import mail

    from suppliers.models import PurchaseOrder
    from suppliers.services.notifications import send
    from suppliers.services.po_changes import asn_order_notices
    from tests.suppliers.test_asn_import_files import draft

    po, asn = draft(world)
    PurchaseOrder.objects.filter(pk=po.pk).update(state=PurchaseOrder.State.CANCEL)
    with translation.override("en"):
        asn.order_changes = asn_order_notices(asn)
    asn.save(update_fields=["order_changes"])
    assert asn.order_changes and "was cancelled in Odoo" in asn.order_changes[0]
    for m in (world.p1_user, world.p1_admin):
        _speak(m, "de")
    mail.outbox.clear()
    assert send("po_cancelled", po.pk) >= 1
    [email] = mail.outbox
    assert "nothing of this shipment is expected on it any more" not in email.body, email.body
