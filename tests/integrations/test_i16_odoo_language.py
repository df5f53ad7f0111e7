"""Issue 16 on Odoo's side: notes in the tenant's language, and the Odoo language code (``Tenant.odoo_lang``).

The notes the portal posts are written for the tenant's people, in the tenant's language (numbers and days as
it writes them), whoever caused them and whatever language the request that queued them spoke. With an Odoo
language code set, the calls that write name it; one Odoo has not activated fails every such call
("Invalid language code", odoo19/transcripts/context_lang_tz.json): the connection check says so, and a
delivery that meets it holds the tenant's events for a passing check instead of spending their attempts.
"""

from __future__ import annotations

import contextvars
import re
import threading

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.handlers.notes import isolated, render_note
from integrations.models import EventStatus, OutboxEvent
from integrations.services.connection import odoo_connection_check
from integrations.services.delivery import tenant_drain
from integrations.templatetags.integrations_l10n import check_says
from portal.models import AuditEntry, Tenant
from suppliers.services.po_messages import po_message_post
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _post(synced, body="Bitte 1.250 Stück liefern"):
    message = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body=body)
    return OutboxEvent.objects.get(pk=message.outbox_event_id)


def _bodies(synced):
    rows = synced.gw.search_read(
        "mail.message", [["model", "=", "purchase.order"], ["res_id", "=", synced.po.odoo_id]], ["body"]
    )
    return [row["body"] or "" for row in rows]


def test_a_note_is_in_the_tenants_language_whatever_the_request_spoke(synced, django_capture_on_commit_callbacks):
    Tenant.objects.filter(pk=synced.tenant.pk).update(language="de")
    with django_capture_on_commit_callbacks(execute=False):
        event = _post(synced)
    with translation.override("fr"):  # the worker may run inside anything: the tenant's language wins
        result = tenant_drain(tenant_id=synced.tenant.pk, lane=event.lane)
    assert result.done == 1
    with translation.override("de"):
        german = render_note(
            "po_message.html",
            author=isolated(event.payload["author"]),
            text=isolated(event.payload["body"]),
            at=event.created_at,
        )
    [posted] = [body for body in _bodies(synced) if f"portal-event-{event.pk}" in body]
    assert posted.startswith(german)
    # The moment as German writes it, in UTC as the chatter note says: "30.11.2026 20:14 UTC".
    assert re.search(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} UTC", posted), posted
    assert "fr_FR" not in str(synced.sim.control("stats")["contexts"])  # no Odoo language code set: none sent


def test_notes_write_quantities_and_days_in_the_tenants_locale():
    with translation.override("de"):
        line = render_note("hold_breached.html", lot_name="L-1", why="x", found=[("WH/Stock", "1234.5")], label="")
        rework = render_note(
            "ncr_dispositioned.html",
            ncr_number="NCR-1",
            kind_label="k",
            quantity="1234.5",
            uom="kg",
            product="P",
            partner="S",
            title="t",
            severity="major",
            concession_until="2027-03-31",
        )
    assert "1.234,5" in line and "1.234,5 kg" in rework and "31.03.2027" in rework
    with translation.override("fr"):
        line = render_note("hold_breached.html", lot_name="L-1", why="x", found=[("WH/Stock", "1234.5")], label="")
    assert "1\u202f234,5" in line


def test_an_odoo_language_code_odoo_has_not_activated_holds_the_tenants_delivery(
    synced, django_capture_on_commit_callbacks
):
    Tenant.objects.filter(pk=synced.tenant.pk).update(odoo_lang="de_DE")  # the simulated lab has en_US only
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, f"note {n}") for n in range(2)]
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert result.dead == 0 and result.retry == 0
    rows = list(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("status", "attempts"))
    assert rows == [(EventStatus.PENDING, 0)] * 2  # held for a passing check, no attempt spent
    tenant = Tenant.objects.get(pk=synced.tenant.pk)
    error = tenant.odoo_check["error"]
    assert error["kind"] == "config" and error["params"] == {"lang": "de_DE"}
    assert "de_DE" in tenant.odoo_sync_paused
    assert not [body for body in _bodies(synced) if "note 0" in body]


def test_the_connection_check_names_a_refused_language_code(synced):
    tenant = Tenant.objects.get(pk=synced.tenant.pk)
    tenant.odoo_lang = "xx_XX"
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is False and result["error"]["kind"] == "config"
    assert result["error"]["name"] == "odoo.exceptions.UserError"
    assert check_says(result["error"]).startswith("Odoo refuses the language code xx_XX: it is not active there")
    assert Tenant.objects.get(pk=tenant.pk).odoo_sync_paused  # nothing is sent until it passes
    tenant.odoo_lang = ""
    assert odoo_connection_check(tenant=tenant)["ok"] is True


@pytest.mark.parametrize("odoo_series", ["19.0"])  # no recording shows a second language active on Odoo 18
def test_an_active_odoo_language_is_sent_on_the_notes(synced, django_capture_on_commit_callbacks):
    synced.sim.control("languages", active=["fr_FR"])
    try:
        Tenant.objects.filter(pk=synced.tenant.pk).update(odoo_lang="fr_FR", language="fr")
        with django_capture_on_commit_callbacks(execute=False):
            event = _post(synced)
        assert tenant_drain(tenant_id=synced.tenant.pk, lane=event.lane).done == 1
        posts = [c for c in synced.sim.control("stats")["contexts"] if c["method"] == "message_post"]
        assert posts[-1].get("lang") == "fr_FR"  # the delivery's post (the reads never carry it: contract tests)
    finally:
        synced.sim.control("languages", active=[])


def test_the_settings_page_sets_the_tenants_languages(synced, client, django_capture_on_commit_callbacks):
    login(client, synced.admin)
    url = reverse("odoo_settings", args=[synced.tenant.slug])
    page = client.get(url).content.decode()
    assert 'name="language-odoo_lang"' in page and 'name="language-document_language"' in page
    bad = client.post(
        url,
        {
            "section": "language",
            "language-language": "de",
            "language-document_language": "partner",
            "language-odoo_lang": "German",
        },
    )
    assert bad.status_code == 200 and "Use an Odoo language code like de_DE." in bad.content.decode()
    assert Tenant.objects.get(pk=synced.tenant.pk).language == "en"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        done = client.post(
            url,
            {
                "section": "language",
                "language-language": "de",
                "language-document_language": "fr",
                "language-odoo_lang": "de_DE",
            },
        )
    assert done.status_code == 302
    tenant = Tenant.objects.get(pk=synced.tenant.pk)
    assert (tenant.language, tenant.document_language, tenant.odoo_lang) == ("de", "fr", "de_DE")
    assert tenant.odoo_check_requested_at is not None and len(queued) == 1  # a new code is checked at once
    entry = AuditEntry.objects.get(action="tenant.languages_set")
    assert entry.changes["odoo_lang"] == ["", "de_DE"]
    assert tenant.odoo_url  # the connection form was not touched


def test_the_delivery_threads_write_in_the_batchs_language(monkeypatch):
    """Django's active language belongs to a thread (a copied context does not carry it): each pool thread of
    a batch takes the batch's language itself."""
    from integrations.services import delivery_batch

    monkeypatch.setattr(delivery_batch, "_group_run", lambda config, events, stop: translation.get_language())
    with translation.override("en"):
        ctx = contextvars.copy_context()
        run = delivery_batch._pool().submit(delivery_batch._in_thread, ctx, "de", None, [], threading.Event())
        assert run.result() == "de"
