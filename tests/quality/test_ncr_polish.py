"""Fixes users asked for walking the NCR demo: the tenant admin's dashboard card, the signer's role as its
label, no propose form once everything is disposed of, the message after closing, the inspection page
pointing at the lot's NCR (which decides a rejected lot), and template comments that print as text."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from portal.models import Role
from quality.models import Ncr
from quality.services.ncr_dispositions import (
    ncr_disposition_approve,
    ncr_disposition_propose,
    ncr_disposition_withdraw,
)
from quality.services.ncrs import ncr_cancel, ncr_open
from quality.services.scars import scar_issue
from quality.views.disposition_section import lot_open_ncr
from tests.conftest import login
from tests.factories import ProductFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.ncr_scenes import awaiting, contained, defect_code, open_ncr, review_always
from tests.quality.test_dispositions import decide, signed

pytestmark = pytest.mark.django_db
A = "alpha"


def _page(client, membership, ncr) -> str:
    response = login(client, membership).get(reverse("ncr_detail", args=[A, ncr.pk]))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _propose_form(body: str) -> str:
    """The propose form's HTML, or "" when the page offers none."""
    found = re.search(r'<form method="post" action="[^"]*/ncrs/\d+/dispositions/" novalidate>.*?</form>', body)
    return found.group(0) if found else ""


def _propose(engineer, ncr, lot, kind, quantity, **kw):
    return ncr_disposition_propose(membership=engineer, ncr=ncr, lot=lot, kind=kind, quantity=Decimal(quantity), **kw)


# 1. The tenant admin's dashboard -------------------------------------------------------------------


def test_the_tenant_admins_dashboard_leads_with_the_dispositions_awaiting_their_signature(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1, title="Burrs to sign"))
    awaiting(world.a_engineer, ncr)
    older = open_ncr(world.a_engineer, world.p2, lot="LOT-OLD", title="Older and waiting on nobody")
    body = " ".join(login(client, world.a_admin).get(reverse("dashboard", args=[A])).content.decode().split())
    assert "Nonconformances" in body and "2 open" in body
    first = body.index("1 disposition awaiting your signature")
    assert body.index(ncr.number, first) < body.index("Oldest open", first) < body.index(older.number, first)
    assert reverse("ncr_detail", args=[A, ncr.pk]) + "#dispositions" in body
    # The author of the proposal signs nothing: the card says so instead of listing it.
    own = " ".join(login(client, world.a_engineer).get(reverse("dashboard", args=[A])).content.decode().split())
    assert "No disposition awaits your signature." in own and "awaiting your signature" not in own
    # Inspectors read NCRs but sign no review: no such card on their dashboard.
    dock = login(client, world.a_inspector).get(reverse("dashboard", args=[A])).content.decode()
    assert "Nonconformances" not in dock


def test_the_card_reads_a_fixed_number_of_queries_however_many_ncrs_await(world):
    from quality.entries import _ncr_card

    review_always(world.a)
    product = ProductFactory(tenant=world.a, name="Alu bracket 7")

    def card_queries() -> tuple[int, dict]:
        world.a_admin.refresh_from_db()
        with CaptureQueriesContext(connection) as seen:
            card = _ncr_card(world.a_admin)
        return len(seen), card

    for n in range(2):
        awaiting(world.a_engineer, contained(world.a_engineer, open_ncr(world.a_engineer, world.p1, lot=f"L{n}")))
    few, card = card_queries()
    for n in range(2, 7):
        ncr = open_ncr(world.a_engineer, world.p1 if n % 2 else world.p2, lot=f"L{n}", product=product)
        awaiting(world.a_engineer, contained(world.a_engineer, ncr))
    many, card = card_queries()
    assert many == few
    assert card["ncr_counts"]["awaiting_my_approval"] == 7 and len(card["ncrs_awaiting"]) == 5


# 2. The signer's role ----------------------------------------------------------------------------


def test_the_approvals_table_and_the_pdf_name_the_signers_role(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1))
    d = awaiting(world.a_engineer, ncr)
    ncr_disposition_approve(membership=world.a_admin, disposition=d, password=PASSWORD, comment="ok")
    body = _page(client, world.a_engineer, ncr)
    approvals = body[body.index('id="approvals"') :]
    approvals = approvals[: approvals.index("</section>")]
    assert "<td>Tenant admin</td>" in approvals and "tenant_admin" not in approvals
    pdf = client.get(reverse("ncr_pdf", args=[A, ncr.pk]))
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "(Tenant admin)" in text and "tenant_admin" not in text


# 3. Nothing left to dispose of, no propose form ---------------------------------------------------------


def test_the_propose_form_goes_once_every_quantity_is_applied_or_awaiting(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1, affected="40"))
    lot = ncr.lots.get()
    review_always(world.a)
    _propose(world.a_engineer, ncr, lot, "scrap", "30")
    form = _propose_form(_page(client, world.a_engineer, ncr))
    assert "LOT-NCR-4411 (10 of 40 left)" in form
    withdrawn = _propose(world.a_engineer, ncr, lot, "return", "10")
    body = _page(client, world.a_engineer, ncr)
    assert not _propose_form(body) and "Propose a disposition" not in body
    assert "Every affected quantity of every lot has a disposition." in body
    assert (
        "2 await a material review: scrap 30 of lot LOT-NCR-4411; return 10 of lot LOT-NCR-4411 to the vendor" in body
    )
    # A withdrawn proposal frees its quantity: the form is back for it.
    ncr_disposition_withdraw(membership=world.a_engineer, disposition=withdrawn)
    assert "LOT-NCR-4411 (10 of 40 left)" in _propose_form(_page(client, world.a_engineer, ncr))


def test_a_sort_keeps_the_form_until_its_sorted_quantity_is_disposed_of(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1, affected="40"))
    lot = ncr.lots.get()
    sort = _propose(world.a_engineer, ncr, lot, "sort", "40")
    assert sort.status == "applied"
    form = _propose_form(_page(client, world.a_engineer, ncr))
    assert "LOT-NCR-4411 (sorted quantities only)" in form and f'<option value="{sort.pk}">' in form
    assert "Sort (100 % inspection) 40 of LOT-NCR-4411: 40 left</option>" in form
    _propose(world.a_engineer, ncr, lot, "scrap", "15", sorted_from=sort)
    assert ": 25 left" in _propose_form(_page(client, world.a_engineer, ncr))
    _propose(world.a_engineer, ncr, lot, "use_as_is", "25", sorted_from=sort, concession_until=_tomorrow(world))
    body = _page(client, world.a_engineer, ncr)
    assert not _propose_form(body) and "Every affected quantity of every lot has a disposition." in body
    assert "await a material review" not in body


def test_a_lot_fully_covered_is_not_offered_while_another_is(world, client):
    product = ProductFactory(tenant=world.a, name="Alu bracket 7")
    lots = [
        {"lot_name": name, "affected": Decimal("20"), "suspect": Decimal("0"), "inspection": None}
        for name in ("LOT-DONE", "LOT-TODO")
    ]
    ncr = ncr_open(
        membership=world.a_engineer,
        partner=world.p1,
        product=product,
        source="production",
        title="Two lots",
        defect_codes=[defect_code(world.a)],
        lots=lots,
    )
    ncr = contained(world.a_engineer, ncr)
    done = ncr.lots.get(lot_name="LOT-DONE")
    _propose(world.a_engineer, ncr, done, "scrap", "20")
    form = _propose_form(_page(client, world.a_engineer, ncr))
    assert "LOT-TODO (20 of 20 left)" in form and "LOT-DONE" not in form
    # A reader gets no form and no claim that everything is disposed of while a lot is not.
    reader = _page(client, world.a_inspector, ncr)
    assert not _propose_form(reader) and "Every affected quantity" not in reader


def _tomorrow(world):
    from datetime import timedelta

    from portal.dates import tenant_today

    return tenant_today(world.a) + timedelta(days=1)


# 4. After closing ------------------------------------------------------------------------------------


def _dispositioned(world, **kw) -> Ncr:
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1, **kw))
    _propose(world.a_engineer, ncr, ncr.lots.get(), "scrap", "40")
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.DISPOSITIONED
    return ncr


def _close(client, engineer, ncr) -> str:
    """The confirmation after closing (each request's own: the messages of an earlier one are read)."""
    response = login(client, engineer).post(reverse("ncr_move", args=[A, ncr.pk]), {"action": "close"})
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    client.get(response.url)  # shows, and so uses up, the message
    assert len(said) == 1
    return said[0]


def test_closing_suggests_a_scar_only_when_the_ncr_has_none(world, client):
    alone = _dispositioned(world)
    said = _close(client, world.a_engineer, alone)
    assert said == f"{alone.number} closed. Issue a SCAR if the supplier must find and fix the cause."
    with_scar = _dispositioned(world, lot="LOT-SCAR")
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[with_scar], title="Burrs again")
    said = _close(client, world.a_engineer, with_scar)
    assert "Issue a SCAR" not in said and f"{scar.number} (Open)" in said  # the label as it is, not lower-cased
    assert said.startswith(f"{with_scar.number} closed. ")


# 5. The inspection page points at the lot's NCR --------------------------------------------------------


def _inspection_page(client, membership, inspection) -> str:
    response = login(client, membership).get(reverse("inspection_detail", args=[A, inspection.pk]))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize("who", ["a_inspector", "a_engineer"])
def test_a_rejected_lot_whose_every_decision_needs_a_review_is_decided_on_its_ncr(world, client, who):
    review_always(world.a)
    inspection = signed(world, reject=True, quantity=500)
    ncr = Ncr.objects.get(inspection=inspection)
    body = _inspection_page(client, getattr(world, who), inspection)
    link = f'<a href="{reverse("ncr_detail", args=[A, ncr.pk])}">{ncr.number}</a>'
    assert f"{link} is open for this lot: contain it and decide the rejected quantity there." in body
    assert 'id="disp-released"' not in body and "Hold all" not in body
    assert f"500 Units stay on hold until {ncr.number} decides them" in body
    assert f"any decision on this lot needs a material review (severity {ncr.severity})" in body
    # The notice stands first in the section, before the totals.
    section = body[body.index('id="disposition"') :]
    assert section.index('id="lot-ncr"') < section.index("lot-totals")
    contained(world.a_engineer, ncr)
    body = _inspection_page(client, getattr(world, who), inspection)
    assert f"{link} is open for this lot (Contained): decide the rejected quantity there." in body


def test_a_rejected_lot_below_the_review_threshold_keeps_its_form_and_says_the_ncr_records_it(world, client):
    inspection = signed(world, reject=True, quantity=500)
    ncr = Ncr.objects.get(inspection=inspection)
    body = _inspection_page(client, world.a_inspector, inspection)
    assert f"{ncr.number}</a> is open for this lot: contain it and decide the rejected quantity there." in body
    assert "A decision recorded here is added to it" in body and 'name="returned" value="500"' in body
    assert "stay on hold until" not in body


def test_a_cancelled_ncr_gives_the_decision_back_to_the_dock(world, client):
    inspection = signed(world, reject=True, quantity=500)
    ncr_cancel(membership=world.a_engineer, ncr=Ncr.objects.get(inspection=inspection), reason="Measured wrong")
    body = _inspection_page(client, world.a_inspector, inspection)
    assert 'id="lot-ncr"' not in body and 'id="disp-returned"' in body and 'name="returned" value="500"' in body


def test_an_accepted_lot_partly_returned_keeps_its_form_beside_the_notice(world, client):
    inspection = signed(world, quantity=500)
    decide(world, inspection, returned=Decimal(30), reason="Cracked on arrival")
    ncr = Ncr.objects.get(inspection=inspection)
    body = _inspection_page(client, world.a_inspector, inspection)
    # The NCR claims nothing (what it covers was returned): the dock decides the rest (claim rule).
    assert f"{ncr.number}</a> is open for this lot" in body and "decide what is still held here" in body
    assert 'name="released" value="470"' in body and "stay on hold until" not in body


def test_the_lot_ncr_is_read_in_scope_in_one_query(world):
    from portal.services.memberships import membership_scope_set

    inspection = signed(world, reject=True)
    ncr = Ncr.objects.get(inspection=inspection)
    with CaptureQueriesContext(connection) as seen:
        assert lot_open_ncr(inspection, world.a_inspector) == ncr
    assert len(seen) == 1
    # A member scoped to another partner reads no NCR of this lot; a supplier none at all.
    other = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    assert lot_open_ncr(inspection, other) is None
    assert lot_open_ncr(inspection, world.p1_admin) is None
    assert lot_open_ncr(inspection, member(world.b, Role.QUALITY_ENGINEER)) is None


# 6. Template comments ------------------------------------------------------------------------------


def test_no_template_has_a_multi_line_brace_hash_comment():
    # {# ... #} ends at the line's end: one spread over lines is printed as page text.
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*"):
            if path.is_file() and path.suffix in (".html", ".txt", ".xml"):
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if re.search(r"\{#(?!.*#\})", line):
                        found.append(f"{path}:{n}")
    assert not found


def test_the_redoc_page_prints_no_comment(client):
    body = client.get("/api/v1/redoc/").content.decode()
    assert "<redoc" in body or "redoc-container" in body
    assert "Google Fonts" not in body and "{#" not in body and "#}" not in body
