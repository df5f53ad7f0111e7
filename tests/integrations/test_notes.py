"""The one way a handler posts a note in Odoo: once per event, marked, rendered from an autoescaped template."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from integrations.handlers.notes import marker, post_note_once, render_note

pytestmark = pytest.mark.django_db


def _event(event_id=None, *, attempts=1, verify=False):
    return SimpleNamespace(id=event_id or uuid.uuid4(), attempts=attempts, verify=verify)


def _notes(gw, po_odoo_id, tag):
    return gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po_odoo_id], ["body", "ilike", tag]],
        ["body"],
    )


def test_the_marker_keeps_its_spelling():
    # Real Odoo databases hold notes with this marker: a redelivered event must still find them.
    assert marker("0b7c6a3e-0000-4000-8000-000000000001") == "portal-event-0b7c6a3e-0000-4000-8000-000000000001"


def test_a_note_is_posted_once_and_a_retry_finds_it(synced):
    first = _event()
    body = render_note("po_message.html", author="Anna <Berg>", text="Two lots & one <script>x</script>")
    assert body == (
        "<p><b>Anna &lt;Berg&gt;</b> on the supplier portal:</p>\n"
        "<p>Two lots &amp; one &lt;script&gt;x&lt;/script&gt;</p>"
    )
    note = post_note_once(synced.gw, first, "purchase.order", synced.po.odoo_id, body)
    assert note.already_there is False
    [stored] = _notes(synced.gw, synced.po.odoo_id, str(first.id))
    assert stored["id"] == note.id and marker(str(first.id)) in stored["body"] and "&lt;script&gt;" in stored["body"]
    for retry in (_event(first.id, attempts=2), _event(first.id, verify=True)):
        again = post_note_once(synced.gw, retry, "purchase.order", synced.po.odoo_id, body)
        assert (again.id, again.already_there) == (note.id, True)
    assert len(_notes(synced.gw, synced.po.odoo_id, str(first.id))) == 1
