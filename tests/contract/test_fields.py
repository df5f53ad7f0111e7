"""Every field the portal reads or writes exists, with the type it expects, on the target's Odoo series."""

from __future__ import annotations

import json

import pytest

from integrations.odoo.fields_used import FIELD_TYPES
from tests.odoo_reference import RECORDINGS

MODELS = sorted(set(FIELD_TYPES[18]) | set(FIELD_TYPES[19]))
ATTRIBUTES = ("type", "relation", "selection", "required", "readonly", "store")


@pytest.mark.parametrize("model", MODELS)
def test_fields_the_portal_uses_exist_with_their_type(gw, model):
    expected = FIELD_TYPES[gw.dialect.series].get(model, {})
    fields = gw.fields_get(model, ["type", "relation"])
    missing = [name for name in expected if name not in fields]
    assert missing == [], f"{model} lacks {missing}"
    for name, wanted in expected.items():
        actual = fields[name]["type"] + (f":{fields[name]['relation']}" if fields[name].get("relation") else "")
        assert actual == wanted, (model, name)


def test_fields_of_the_other_series_are_absent(gw):
    """What made the first pull on a real 19 die: 18's names are not there (and 19's not on 18)."""
    other = FIELD_TYPES[{18: 19, 19: 18}[gw.dialect.series]]
    mine = FIELD_TYPES[gw.dialect.series]
    for model in ("purchase.order", "purchase.order.line"):
        only_other = set(other[model]) - set(mine[model])
        assert only_other and not only_other & set(gw.fields_get(model)), (model, only_other)
    if gw.dialect.series == 19:  # 18's purchase warning level (a scorecard's warning writes the message only)
        assert "purchase_warn" in FIELD_TYPES[18]["res.partner"] and not gw.has_field("res.partner", "purchase_warn")


def test_optional_delivery_field_is_absent_without_the_module(gw):
    assert not gw.has_field("stock.picking", "carrier_tracking_ref")
    assert gw.has_field("stock.picking", "scheduled_date")


def _recorded(series: int) -> dict[str, dict]:
    folder = RECORDINGS / f"odoo{series}" / "fields"
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def test_the_simulator_serves_the_recorded_catalogue_of_its_series(odoo_target, gw):
    """Every model, field and attribute of the recorded ``fields_get`` of that series, as recorded."""
    if not odoo_target.is_sim:
        pytest.skip("compares the simulator with the recording")
    recorded = _recorded(gw.dialect.series)
    assert len(recorded) >= 25
    admin = type(gw)(odoo_target.config(transport=gw.transport_name, user="admin"))
    differences = []
    for model, fields in recorded.items():
        served = admin.call(model, "fields_get", None, attributes=list(ATTRIBUTES))
        for name, attrs in fields.items():
            if name not in served:
                differences.append(f"{model}.{name} missing")
                continue
            for attribute in ATTRIBUTES:
                if attribute in attrs and served[name].get(attribute) != attrs[attribute]:
                    differences.append(f"{model}.{name}.{attribute}: {served[name].get(attribute)!r}")
        extra = set(served) - set(fields) - {"id"}
        if extra:
            differences.append(f"{model} serves fields Odoo {gw.dialect.series} does not have: {sorted(extra)[:5]}")
    assert differences == []


def test_the_recordings_are_there():
    for series in (18, 19):
        assert (RECORDINGS / f"odoo{series}" / "fields" / "purchase.order.json").exists(), RECORDINGS
