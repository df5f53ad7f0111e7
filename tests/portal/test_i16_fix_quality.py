"""Issue 16 fixes (quality): machine numbers stay machine numbers on German pages, plural counts get integers,
records the system writes (signature meanings, NCRs, switching history) are whole sentences in the tenant's
language, and translated labels are not lower-cased into sentences."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.templatetags.portal_l10n import plural_n
from quality.models import DefectClass, Inspection, Ncr, Severity, SwitchingEvent
from quality.services import switching
from quality.services.ncr_dispositions import approval_needed
from quality.services.recording import inspection_sign, result_record, signature_meaning
from tests.conftest import login
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

MACHINE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Attributes whose numbers a machine reads: data-* read by scripts, SVG geometry.
NUMERIC_ATTRIBUTES = re.compile(r'\b(data-(?:low|high|unit)|x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"{]*)"')


def _speak(membership, language: str):
    membership.user.language = language
    membership.user.save(update_fields=["language"])
    return membership


def _german_tenant(world):
    world.a.language = "de"
    world.a.save(update_fields=["language"])


def _not_machine(html: str) -> list[tuple[str, str]]:
    return [(name, value) for name, value in NUMERIC_ATTRIBUTES.findall(html) if value and not MACHINE.fullmatch(value)]


# --- machine numbers on German pages -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_machine_number_on_the_inspection_and_plan_pages_is_a_dot_decimal(world, language):
    from tests.quality.test_plan_pages import _plan
    from tests.quality.test_recording import make_inspection

    inspection, _length, _finish = make_inspection(world.p1, lot="LOT-M")
    version = _plan(world)
    client = login(Client(), _speak(world.a_engineer, language))
    for url in (
        reverse("inspection_detail", args=["alpha", inspection.pk]),
        reverse("plan_detail", args=["alpha", version.plan_id]),
    ):
        html = client.get(url).content.decode()
        assert NUMERIC_ATTRIBUTES.search(html), url
        assert _not_machine(html) == [], url
    # The OC chart's curves are points too: "x,y x,y", each a dot decimal.
    points = re.findall(r'points="([^"]*)"', html)
    assert points and all(MACHINE.fullmatch(n) for p in points for pair in p.split() for n in pair.split(","))


def test_a_fraction_picks_the_plural_and_a_whole_number_its_own_form():
    assert [plural_n(v) for v in (Decimal("1"), Decimal("1.0"), Decimal("23.2"), 0, None, Decimal("-1"), 5)] == [
        1,
        1,
        2,
        0,
        0,
        1,
        5,
    ]


# --- records in the tenant's language, whole sentences ------------------------------------------------------


def test_the_signature_meaning_and_the_sign_note_are_the_tenants_language_whatever_the_signer_reads(world):
    from tests.quality.test_recording import make_inspection, record_all_good

    _german_tenant(world)
    with translation.override("de"):
        german = str(signature_meaning(world.a, Inspection.Verdict.ACCEPT))
    assert german != "Inspected and found accepted" and "accepted" not in german
    inspection, length, finish = make_inspection(world.p1, lot="LOT-SIGN")
    client = login(Client(), _speak(world.a_inspector, "fr"))
    record_all_good(world.a_inspector, inspection, length, finish)
    page = client.get(reverse("inspection_detail", args=["alpha", inspection.pk])).content.decode()
    assert german in page  # what signing will record, quoted as it is recorded
    with translation.override("fr"):
        signed = inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    assert signed.signature_meaning == german


def test_the_recording_endpoint_answers_the_sign_note_as_a_whole_sentence(world):
    from tests.quality.test_recording import make_inspection

    inspection, length, _finish = make_inspection(world.p1, lot="LOT-JS")
    client = login(Client(), world.a_inspector)
    url = reverse("inspection_results", args=["alpha", inspection.pk])
    first = None
    for unit in (1, 2, 3):  # the majors all out of tolerance: rejected before the rest is recorded
        body = {"client_key": f"k{unit}", "unit": unit, "characteristic": length.pk, "value": "12"}
        answer = client.post(url, data=json.dumps(body), content_type="application/json").json()
        first = first or answer
    assert first["verdict"]["outcome"] == "" and first["verdict"]["sign_note"].startswith("Once the verdict")
    assert answer["verdict"]["sign_note"] == (
        "Signing records “Inspected and found rejected” with your name and the time; the inspection becomes read-only."
    )


def test_an_ncr_opened_for_a_german_tenant_is_german_title_and_description(world):
    from tests.quality.test_recording import make_inspection

    _german_tenant(world)
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
    inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)  # an English signer
    ncr = Ncr.objects.get()
    with translation.override("de"):
        major = str(DefectClass.MAJOR.label)
    assert "rejected" not in ncr.title and "L-DE" in ncr.title, ncr.title
    assert "units defective" not in ncr.description and "Found at" not in ncr.description, ncr.description
    assert major.lower() not in ncr.description  # no lower-cased label


def test_the_switching_history_is_written_in_the_tenants_language(world):
    from tests.quality.test_switching_service import Pair

    _german_tenant(world)
    pair = Pair(world)
    pair.lots("RAR")
    [event] = SwitchingEvent.objects.all()
    assert event.reason.startswith("Charge L3: ") and "Tightened" not in event.reason, event.reason


def test_switching_texts_stay_whole_english_sentences_for_an_english_tenant(world):
    from tests.quality.test_switching_service import Pair

    pair = Pair(world)
    pair.lots("RR")
    with pytest.raises(ValidationError) as caught:
        switching.skip_lot_set(membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, every=2)
    assert caught.value.message_dict["every"] == [
        "Inspection is tightened: skip-lot needs normal or reduced inspection."
    ]
    assert pair.state.severity == Severity.TIGHTENED


# --- labels are not lower-cased into sentences --------------------------------------------------------------


def test_a_material_review_reason_names_the_severity_as_a_translated_whole(world):
    from tests.factories import ProductFactory
    from tests.quality.test_scar_services import scar_ncr

    ncr = scar_ncr(world.p1, ProductFactory(tenant=world.a))
    ncr.severity = DefectClass.CRITICAL
    with translation.override("en"):
        assert "severity critical" in approval_needed(ncr, value=Decimal("0"))
    with translation.override("de"):
        german = approval_needed(ncr, value=Decimal("0"))
    assert "critical" not in german and "kritisch" in german, german


def test_a_status_in_a_refusal_is_the_translated_label_as_it_is(world):
    from tests.quality.test_recording import make_inspection

    inspection, length, _finish = make_inspection(world.p1, lot="LOT-RO")
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.DISCONTINUED)
    inspection.refresh_from_db()
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        result_record(
            membership=world.a_inspector,
            inspection=inspection,
            unit=1,
            characteristic=length,
            client_key="ro",
            value=Decimal("10"),
        )
    with translation.override("de"):
        label = str(Inspection.Status.DISCONTINUED.label)
    text = " ".join(refused.value.messages)
    assert f"„{label}“" in text, text
