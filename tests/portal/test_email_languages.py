"""Emails go out in each recipient's language: their own setting, else their partner's, else the
tenant's; numbers and days in that language's form; people who read differently get their own email."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from portal.services.invitations import invitation_create
from suppliers.models import Acknowledgement, AcknowledgementLine, PurchaseOrder
from suppliers.services import notifications

pytestmark = pytest.mark.django_db

NNBSP, NBSP = "\u202f", "\u00a0"  # CLDR's French group separator, and the space before a currency sign


def _speaks(membership, language: str) -> None:
    membership.user.language = language
    membership.user.save(update_fields=["language"])


def _po(world) -> PurchaseOrder:
    return PurchaseOrder.objects.create(
        tenant=world.a,
        partner=world.p1,
        odoo_id=4711,
        name="P04711",
        state="purchase",
        receipt_status="pending",
        amount_total=Decimal("1234.50"),
        currency_code="EUR",
    )


def _email_to(membership):
    return next(m for m in mail.outbox if m.to == [membership.user.email])


def test_a_new_po_reaches_a_german_and_a_french_supplier_user_each_in_their_language(world):
    _speaks(world.p1_admin, "de")
    _speaks(world.p1_user, "fr")
    sent = notifications.send("po_published", _po(world).pk)
    assert sent == 2 and len(mail.outbox) == 2  # one email per language, each to its reader only
    german, french = _email_to(world.p1_admin), _email_to(world.p1_user)
    assert german.subject == "Neue Bestellung P04711"
    assert "Guten Tag," in german.body and "hat Ihnen die Bestellung P04711 gesendet" in german.body
    assert f"1.234,50{NBSP}€" in german.body and "Hello" not in german.body
    assert french.subject == "Nouvelle commande P04711"
    assert "Bonjour," in french.body and "vous a envoyé la commande P04711" in french.body
    assert f"1{NNBSP}234,50{NBSP}€" in french.body and "Hello" not in french.body


def test_an_acknowledgement_tells_each_buyer_the_quantities_and_days_in_their_form(world):
    _speaks(world.a_buyer, "de")
    po = _po(world)
    ack = Acknowledgement.objects.create(
        tenant=world.a,
        order=po,
        version=1,
        status=Acknowledgement.Status.PENDING,
        has_changes=True,
        created_by=world.p1_admin.user,
    )
    AcknowledgementLine.objects.create(
        tenant=world.a,
        acknowledgement=ack,
        line_odoo_id=1,
        description="Hex bolt M8",
        decision=AcknowledgementLine.Decision.CHANGE,
        requested_qty=Decimal("1500"),
        requested_date=dt.date(2026, 12, 18),
        promised_qty=Decimal("1234.5"),
        promised_date=dt.date(2026, 12, 20),
        within_tolerance=False,
        uom_name="Units",
    )
    assert notifications.send("ack_submitted", ack.pk) == 1
    german = _email_to(world.a_buyer)
    assert german.subject == "P04711: Pinewood Parts hat mit Änderungen bestätigt"
    assert "1.234,5 Units am 20.12.2026 (angefragt 1.500 am 18.12.2026)" in german.body
    # The same buyer in French: the same values, in the French form.
    mail.outbox.clear()
    _speaks(world.a_buyer, "fr")
    notifications.send("ack_submitted", ack.pk)
    french = _email_to(world.a_buyer)
    assert french.subject == "P04711 : Pinewood Parts a confirmé avec des modifications"
    assert f"1{NNBSP}234,5 Units le 20 déc. 2026 (demandé : 1{NNBSP}500 le 18 déc. 2026)" in french.body


def test_without_a_setting_of_their_own_people_read_their_partners_language_then_the_tenants(world):
    world.p1.language = "fr"
    world.p1.save(update_fields=["language"])
    world.a.language = "de"
    world.a.save(update_fields=["language"])
    notifications.send("po_published", _po(world).pk)
    assert {m.subject for m in mail.outbox} == {"Nouvelle commande P04711"}  # both of P1, in one email
    assert sorted(mail.outbox[0].to) == sorted([world.p1_admin.user.email, world.p1_user.user.email])
    world.p1.language = ""
    world.p1.save(update_fields=["language"])
    mail.outbox.clear()
    notifications.send("po_cancelled", PurchaseOrder.objects.get(name="P04711").pk)
    assert [m.subject for m in mail.outbox] == ["Bestellung P04711 storniert"]


def test_english_stays_the_default_and_the_sender_keeps_the_language_it_had(world):
    with translation.override("de"):
        notifications.send("po_published", _po(world).pk)
        assert translation.get_language() == "de"
    [email] = mail.outbox
    assert email.subject == "New purchase order P04711"
    assert "€1,234.50" in email.body and "Hello," in email.body


def test_an_invitation_is_written_in_the_partners_language_else_in_the_inviters(
    world, django_capture_on_commit_callbacks
):
    world.p1.language = "fr"
    world.p1.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True), translation.override("de"):
        invitation_create(actor=world.a_admin, email="neu@pinewood.test", role="supplier_user", partner=world.p1)
        invitation_create(actor=world.a_admin, email="einkauf@alpha.test", role="buyer", partner=None)
    to_supplier = next(m for m in mail.outbox if m.to == ["neu@pinewood.test"])
    to_staff = next(m for m in mail.outbox if m.to == ["einkauf@alpha.test"])
    assert to_supplier.subject == "Vous êtes invité(e) sur le portail fournisseurs de Alpha Industries"
    assert "Acceptez l'invitation ici" in to_supplier.body
    assert to_staff.subject == "Einladung zum Lieferantenportal von Alpha Industries"
    assert "Nehmen Sie die Einladung hier an" in to_staff.body
