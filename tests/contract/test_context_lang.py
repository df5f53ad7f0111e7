"""The language of a call (``context.lang``), and its time zone (``context.tz``).

Recording: odoo19/transcripts/context_lang_tz.json (fr_FR activated on the lab for it, then archived): a
call naming an active language runs; one naming an inactive (de_DE) or unknown (xx_XX) language is the
UserError "Invalid language code: xx_XX" (JSON-2 422), whatever the method; ``tz`` never shifts the
datetimes read or written. Odoo 18 has no recording of a context language other than en_US (its fields
were recorded with ``lang`` en_US); the simulated 18 refuses any other alike and cannot activate one, so
the case that needs a second active language runs on 19 only.

A live run needs ``ODOO_ACTIVE_LANG`` (a language active on that server besides en_US, e.g. fr_FR) for
the case with an active language.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.odoo.errors import LanguageRejected

from .conftest import new_confirmed_po

NOTE = {"body_is_html": True, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}


@pytest.fixture
def active_lang(odoo_target):
    """A language active besides en_US: fr_FR activated on the simulated 19 as the lab did (none on 18)."""
    if not odoo_target.is_sim:
        lang = os.environ.get("ODOO_ACTIVE_LANG", "")
        if not lang:
            pytest.skip("live run: set ODOO_ACTIVE_LANG to a language active in Odoo besides en_US")
        yield lang
        return
    assert odoo_target.series >= 19, "mark the test odoo19_only: no recording shows a second language on 18"
    odoo_target.sim.control("languages", active=["fr_FR"])
    yield "fr_FR"
    odoo_target.sim.control("languages", active=[])


def messages_on(gw: OdooGateway, po: int) -> list[int]:
    return gw.search("mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po]])


@pytest.mark.odoo19_only
def test_message_post_in_an_active_language(gw, active_lang):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    body = "<p>Lieferavis 4711 : 3 x LAB-LOT-001, livraison prévue</p>"
    posted = gw.message_post("purchase.order", po, body=body, context={"lang": active_lang}, **NOTE)
    assert gw.read("mail.message", [posted], ["body", "res_id"]) == [{"id": posted, "body": body, "res_id": po}]


@pytest.mark.parametrize("lang", ["de_DE", "xx_XX"])  # inactive on the lab; no such language
def test_an_inactive_or_unknown_language_is_refused_and_nothing_is_posted(gw, lang):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    before = messages_on(gw, po)
    with pytest.raises(LanguageRejected) as refused:
        gw.message_post("purchase.order", po, body="<p>never posted</p>", context={"lang": lang}, **NOTE)
    assert isinstance(refused.value, OdooPermanentError)
    assert (refused.value.name, refused.value.message) == (
        "odoo.exceptions.UserError",
        f"Invalid language code: {lang}",
    )
    if gw.transport_name == "json2":
        assert refused.value.status == 422
    assert messages_on(gw, po) == before


@pytest.mark.odoo19_only
def test_the_gateway_sends_its_language_on_writes_and_not_on_reads(gw, odoo_target, active_lang):
    """``OdooConfig.lang`` goes into the context of the calls that write (a refused language fails them),
    never into the reads: what the pull stores does not depend on it."""
    if not odoo_target.is_sim:
        pytest.skip("what a call carried is seen on the simulated Odoo only")
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    lang_gw = OdooGateway(replace(gw.config, lang=active_lang))
    posted = lang_gw.message_post("purchase.order", po, body="<p>note</p>", **NOTE)
    lang_gw.read("mail.message", [posted], ["body"])
    seen = odoo_target.sim.control("stats")["contexts"]
    post = [c for c in seen if c["method"] == "message_post"][-1]
    read = [c for c in seen if c["method"] == "read" and c["model"] == "mail.message"][-1]
    assert post.get("lang") == active_lang and "lang" not in read
    wrong = OdooGateway(replace(gw.config, lang="de_DE"))
    assert wrong.search("purchase.order", [["id", "=", po]]) == [po]  # a read: no language, no refusal
    with pytest.raises(LanguageRejected):
        wrong.message_post("purchase.order", po, body="<p>never posted</p>", **NOTE)


@pytest.mark.odoo19_only  # a PO's date_planned written with a tz is recorded on Odoo 19 only
def test_tz_never_shifts_datetimes(gw, odoo_target):
    """json2_write_datetime_tz_brussels / json2_read_lang_fr_tz_brussels: written and read back as sent (UTC)."""
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    gw.write("purchase.order", [po], {"date_planned": "2026-12-20 10:00:00"}, context={"tz": "Europe/Brussels"})
    read = gw.call("purchase.order", "read", [po], fields=["date_planned"], context={"tz": "Europe/Brussels"})
    assert read[0]["date_planned"] == "2026-12-20 10:00:00"
    assert gw.read("purchase.order", [po], ["date_planned"])[0]["date_planned"] == "2026-12-20 10:00:00"
