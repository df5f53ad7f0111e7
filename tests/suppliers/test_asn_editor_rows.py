"""The editor keeps lines and items in place between saves; a submission's errors still stand next to the
row they are about, also for a line left out and added again (it is stored last)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from suppliers.models import AsnLine
from suppliers.services.asn_drafts import asn_create
from tests.conftest import login

from .test_asn_pages import _order

pytestmark = pytest.mark.django_db


def _form(po, resin: str, resin_items: list[tuple[str, str]], serials: list[str]) -> dict:
    resin_line, sensor = po.lines.order_by("id")
    form = {
        "ship_date": date.today().isoformat(),
        "eta": (date.today() + timedelta(days=2)).isoformat() + "T09:30",
        "carrier": "",
        "tracking_number": "",
        "note": "",
        "pkg-0-kind": "",
        "pkg-0-weight_kg": "",
        "pkg-0-sscc": "",
        "line-0-order_line": resin_line.pk,
        "line-0-quantity": resin,
        "line-1-order_line": sensor.pk,
        "line-1-quantity": str(len(serials)),
    }
    for j in range(3):
        lot, qty = resin_items[j] if j < len(resin_items) else ("", "")
        form.update(
            {
                f"line-0-item-{j}-lot_name": lot,
                f"line-0-item-{j}-quantity": qty,
                f"line-0-item-{j}-expiry_date": "",
                f"line-0-item-{j}-package": "",
            }
        )
    for j in range(3):
        serial = serials[j] if j < len(serials) else ""
        form.update(
            {
                f"line-1-item-{j}-lot_name": serial,
                f"line-1-item-{j}-quantity": "1" if serial else "",
                f"line-1-item-{j}-expiry_date": "",
                f"line-1-item-{j}-package": "",
            }
        )
    return form


def test_errors_of_a_line_added_again_stand_next_to_it(world, client):
    po = _order(world)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    # The resin is left out, then added again: its line is stored after the sensor's.
    assert client.post(url, {**_form(po, "0", [], ["SN-1", "SN-2"]), "action": "save"}).status_code == 302
    assert client.post(url, {**_form(po, "4", [("R-1", "4")], ["SN-1", "SN-2"]), "action": "save"}).status_code == 302
    resin_line, sensor = po.lines.order_by("id")
    stored = list(AsnLine.objects.filter(asn=asn).order_by("id").values_list("order_line", flat=True))
    assert stored == [sensor.pk, resin_line.pk]
    # A new lot before the kept one: the kept item is stored first, the new one after it.
    form = _form(po, "4", [("R-NEW", "1"), ("R-1", "4")], ["SN-1", "SN-1"])
    answer = client.post(url, {**form, "action": "submit"})
    assert answer.status_code == 400
    errors = {k: v for k, v in answer.context["errors"].items() if v}
    assert errors == {
        "line-0-items": "The lots add up to 5, the line ships 4.",
        "line-1-item-1-lot_name": "Serial number SN-1 is listed twice for this product; each unit has its own.",
    }
    # The item errors go to the row the user typed, not to the stored position.
    form = _form(po, "5", [("R-NEW", "1"), ("", "4")], ["SN-1", "SN-2"])
    answer = client.post(url, {**form, "action": "submit"})
    errors = {k: v for k, v in answer.context["errors"].items() if v}
    assert errors == {"line-0-item-1-lot_name": "[LAB-LOT-001] Resin is tracked by lot; name it."}
