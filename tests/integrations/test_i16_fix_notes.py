"""Issue 16 fixes (notes): every note posted in Odoo keeps a person's text in its own bidi isolate, and the
texts payloads carry to Odoo (or keep for everyone) are written in the tenant's language, not in the
language of whoever's request emitted them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from integrations import topics
from integrations.handlers.notes import render_note
from integrations.models import OutboxEvent

pytestmark = pytest.mark.django_db
RLO = "\u202e"
EVIL = f"\u05e9\u05dc\u05d5\u05dd {RLO}Evil"  # Hebrew and an override left open


def _overrides_left_open(html: str) -> list[str]:
    """Each embedding/override/isolate not closed before the next tag (as tests/suppliers/test_i16_breakit_rtl)."""
    found = []
    html = html.replace("<br>", "\n")
    for match in re.finditer("[\u202a-\u202e\u2066-\u2068]", html):
        rest = html[match.end() :]
        end = rest.find("<")
        segment = rest if end < 0 else rest[:end]
        if "\u202c" not in segment and "\u2069" not in segment:
            found.append(segment[:60])
    return found


# Every value a note template shows, as a person could have typed it (lists of such values for lists).
CONTEXTS = {
    "asn_cancelled.html": {"partner": EVIL, "number": "ASN-1", "reason": EVIL},
    "asn_submitted.html": {
        "number": "ASN-1",
        "partner": EVIL,
        "after_receipt": "WH/IN/00001",
        "ship_date": "2026-12-20",
        "expected": "20 Dec 2026 10:00 CET",
        "carrier": EVIL,
        "tracking_number": EVIL,
        "packages": [EVIL, EVIL],
        "lines": [{"po_name": "P00001", "quantity": "3", "uom": "kg", "product": EVIL, "lots": [EVIL, EVIL]}],
        "mismatches": [],
    },
    "hold_breached.html": {"lot_name": EVIL, "why": "held", "found": [(EVIL, 2)], "label": EVIL},
    "inspection_disposed.html": {
        "receipt": "WH/IN/00001",
        "kind": "Reject",
        "decided_by": EVIL,
        "reason": EVIL,
        "lots": [{"label": EVIL, "released": "1", "returned": "0", "scrapped": "0", "held": "2"}],
    },
    "ncr_dispositioned.html": {
        "ncr_number": "NCR-1",
        "title": EVIL,
        "severity": "major",
        "partner": EVIL,
        "product": EVIL,
        "defect_codes": ["BURR"],
        "receipt_name": "WH/IN/00001",
        "po_name": "P00001",
        "kind_label": "Scrap",
        "lot_name": EVIL,
        "quantity": "5",
        "uom": "kg",
        "instructions": EVIL,
        "concession_until": None,
        "proposed_by": EVIL,
        "approved_by": EVIL,
        "stock_moved": None,
    },
    "ncr_return.html": {
        "ncr_number": "NCR-1",
        "title": EVIL,
        "partner": EVIL,
        "product": EVIL,
        "defect_codes": ["BURR"],
        "receipt_name": "WH/IN/00001",
        "lot_name": EVIL,
        "quantity": "5",
        "uom": "kg",
        "stock_moved": None,
    },
    "ncr_rework.html": {
        "ncr_number": "NCR-1",
        "title": EVIL,
        "product": EVIL,
        "lot_name": EVIL,
        "quantity": "5",
        "uom": "kg",
        "instructions": EVIL,
    },
    "po_ack_review.html": {"supplier": EVIL, "version": 2, "summary": [EVIL]},
    "po_acknowledged.html": {
        "title": "Acknowledged",
        "summary": [EVIL],
        "supplier_ref": EVIL,
        "confirmed_date": None,
        "quantities": False,
        "comment": EVIL,
        "decision_note": EVIL,
    },
    "scar_noted.html": {
        "scar_number": "SCAR-1",
        "what": "issued",
        "step": "D2",
        "step_title": "Problem description",
        "summary": f"{EVIL}\nsecond line",
        "by": EVIL,
    },
    "scar_overdue.html": {
        "scar_number": "SCAR-1",
        "partner": EVIL,
        "step": "D4",
        "step_title": "Root cause",
        "due_date": "2026-12-20",
        "buyer_names": [EVIL, EVIL],
    },
}


def test_every_note_template_has_a_context_here():
    """A new note template must join the check below."""
    folder = Path(settings.BASE_DIR) / "templates" / "odoo_notes"
    # grouped: a count; po_message: isolated by its handler (test_i16_breakit_rtl); the scorecard note shows
    # the portal's own words (standings, measures), no person's text.
    others = {"grouped.html", "po_message.html", "scorecard_standing_changed.html"}
    shown = {path.name for path in folder.glob("*.html")} - others
    assert shown == set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_no_note_lets_an_override_in_a_persons_text_reverse_the_words_after_it(template):
    """Each value isolated (FSI ... PDI), whatever template shows it (ASN, NCR, dispositions, holds, SCAR,
    scorecard)."""
    body = render_note(template, **CONTEXTS[template])
    assert "Evil" in body
    assert _overrides_left_open(body) == [], body


def test_the_asn_mismatch_isolates_the_product():
    from integrations.handlers.shipments import _too_much

    text = _too_much({"po_name": "P00001", "quantity": 5, "uom": "kg", "product": EVIL}, None, 3)
    assert text.count(f"\u2068{EVIL}\u2069") == 1 and _overrides_left_open(text) == [], text


def test_the_ack_title_isolates_the_supplier_and_the_buyer():
    from integrations.handlers.acknowledgements import _title

    title = _title({"version": 2, "acknowledged_by": EVIL, "approved_by": EVIL})
    assert title.count(f"\u2068{EVIL}\u2069") == 2, title


def test_the_inspection_disposed_note_names_the_kind_in_the_active_language_and_isolates_the_product():
    from integrations.handlers.dispositions import _note
    from quality.models import Disposition

    payload = {
        "receipt_name": "WH/IN/00001",
        "receipt_odoo_id": 1,
        "kind": "reject",
        "decided_by": "",
        "reason": "",
        "lots": [
            {
                "receipt_odoo_id": 1,
                "lot_name": "L-1",
                "product": EVIL,
                "lot_size": 10.0,
                "released": 0.0,
                "returned": 10.0,
                "scrapped": 0.0,
            }
        ],
    }
    with translation.override("de"):
        body = _note(payload)
        german = str(Disposition.Kind.REJECT.label)
    assert german != "Reject"
    assert f"({german})" in body and "(reject)" not in body, body
    assert f"\u2068{EVIL}\u2069" in body and _overrides_left_open(body) == [], body


def test_the_scorecard_note_says_its_outcome_and_score_in_the_active_language(world):
    from integrations.handlers import scorecards

    with translation.override("de"):
        body = render_note(
            "scorecard_standing_changed.html",
            standing="Probation",
            previous="",
            score="52,5",
            reasons=[],
            outcome=scorecards.OUTCOMES["warning_block"],
            block_refused=translation.gettext(scorecards.NO_BLOCK_19),
        )
    assert "blocks new purchase orders" not in body, body
    assert "Odoo 19 has no blocking purchase warning" not in body, body


# --- payload texts in the tenant's language ------------------------------------------------------------


def _german_tenant(world):
    world.a.language = "de"
    world.a.save(update_fields=["language"])


def _last_note():
    return OutboxEvent.objects.filter(topic=topics.SCAR_NOTED).order_by("sequence").last()


def test_the_issued_and_cancelled_scar_notes_are_in_the_tenants_language(world):
    from quality.services.scars import scar_cancel
    from tests.quality.test_scar_services import issue

    _german_tenant(world)
    with translation.override("fr"):
        scar = issue(world)
        issued = _last_note().payload["summary"]
        scar_cancel(membership=world.a_engineer, scar=scar, reason="Doppelt")
        cancelled = _last_note().payload["summary"]
    assert " issued: " not in issued and "containment due" not in issued, issued
    assert "ausgestellt" in issued and not re.search(r"\d{4}-\d{2}-\d{2}", issued), issued
    assert "cancelled" not in cancelled and "annul" not in cancelled and "storniert" in cancelled, cancelled


def test_the_closed_scar_note_and_the_systems_name_are_in_the_tenants_language(world):
    from quality.models import Scar
    from quality.services.scar_effectiveness import scars_verify
    from tests.factories import ProductFactory
    from tests.quality.test_scar_effectiveness import verifying

    _german_tenant(world)
    scar = verifying(world, ProductFactory(tenant=world.a, tracking="lot"), lots=0, days=0)
    Scar.objects.filter(pk=scar.pk).update(verify_until=dt.date(2000, 1, 1))
    assert scars_verify() == 1
    note = _last_note().payload
    assert note["what"] == "closed"
    assert "lot(s)" not in note["summary"] and "geschlossen" in note["summary"], note["summary"]
    assert note["by"] != "system" and note["by"] == "das Lieferantenportal", note["by"]


def test_a_scar_of_two_partners_is_refused_in_the_readers_language(world):
    from quality.services.scars import scar_issue
    from tests.factories import ProductFactory
    from tests.quality.test_scar_services import scar_ncr

    product = ProductFactory(tenant=world.a)
    ncrs = [scar_ncr(world.p1, product), scar_ncr(world.p2, product)]
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=ncrs, title="Grate")
    assert "A SCAR goes to one partner" not in " ".join(refused.value.messages)


def test_sending_back_an_unanswered_step_is_refused_in_the_readers_language(world):
    from quality.services.scars import scar_step_send_back
    from tests.quality.test_scar_services import issue

    scar = issue(world)
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        scar_step_send_back(membership=world.a_engineer, step=scar.steps.get(code="D1"), comment="Mehr")
    assert "only an answered step" not in " ".join(refused.value.messages)


def test_the_reason_a_skip_lot_release_keeps_is_in_the_tenants_language(world):
    """quality/services/dispositions.py ``disposition_release_skipped``: its English reason was kept on the
    disposition and sent to Odoo's note."""
    from quality.services.dispositions import _skipped_reason

    _german_tenant(world)
    inspection = type("FakeInspection", (), {"tenant": world.a})()
    with translation.override("fr"):
        skipped = _skipped_reason(inspection)
    assert "Skip-lot: this lot" not in skipped and "Skip-Lot" in skipped, skipped


def test_a_held_lots_label_for_the_warehouse_note_is_in_the_tenants_language(world):
    from quality.holds import _label

    class Receipt:
        name = "WH/IN/00001"

    class Product:
        name = "Bracket"

    class FakeInspection:
        receipt, product = Receipt(), Product()

        def __str__(self):
            return translation.gettext("Inspection of lot %(lot)s") % {"lot": "L-1"}

    _german_tenant(world)
    with translation.override("fr"):
        label = _label(world.a, FakeInspection())
    assert ", receipt " not in label and "réception" not in label and "Wareneingang" in label, label
    assert "WH/IN/00001" in label and "Bracket" in label


def test_an_ncr_disposition_payload_label_is_in_the_tenants_language(world):
    from quality.models import NcrDisposition
    from quality.services.ncr_dispositions import ncr_disposition_payload
    from tests.factories import ProductFactory
    from tests.quality.test_scar_services import scar_ncr

    _german_tenant(world)
    ncr = scar_ncr(world.p1, ProductFactory(tenant=world.a, name="Bracket"))
    disposition = NcrDisposition.objects.create(
        tenant=world.a, ncr=ncr, lot=ncr.lots.get(), kind="scrap", quantity=Decimal("5"), status="applied"
    )
    with translation.override("fr"):
        payload = ncr_disposition_payload(ncr, disposition)
    with translation.override("de"):
        german = str(NcrDisposition.Kind.SCRAP.label)
    assert payload["disposition"]["kind_label"] == german
