"""Every field the portal reads or writes exists, with the type it expects (both transports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.odoo.fields_used import FIELDS_USED

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "odoo-reference" / "odoo18" / "fields"


@pytest.mark.parametrize("model", sorted(FIELDS_USED))
def test_fields_the_portal_uses_exist(gw, model):
    fields = gw.fields_get(model)
    missing = [name for name in FIELDS_USED[model] if name not in fields]
    assert missing == [], f"{model} lacks {missing}"
    assert all("type" in fields[name] for name in FIELDS_USED[model])


def test_optional_delivery_field_is_absent_without_the_module(gw):
    assert not gw.has_field("stock.picking", "carrier_tracking_ref")
    assert gw.has_field("stock.picking", "scheduled_date")


@pytest.mark.parametrize("model", sorted(m for m in FIELDS_USED if (REFERENCE / f"{m}.json").exists()))
def test_simulator_matches_the_recorded_odoo(odoo_target, gw, model):
    if not odoo_target.is_sim:
        pytest.skip("compares the simulator with the recording")
    recorded = json.loads((REFERENCE / f"{model}.json").read_text())
    served = gw.fields_get(model)
    for name in FIELDS_USED[model]:
        for attribute in ("type", "relation", "selection", "required", "store"):
            if attribute in recorded[name]:
                assert served[name].get(attribute) == recorded[name][attribute], (model, name, attribute)


def test_the_recording_is_there():
    # CI has shared/ beside the checkout; without it the comparison above would test nothing.
    assert (REFERENCE / "purchase.order.json").exists(), REFERENCE
