"""The fields the pull reads come from ``fields_used``, and ``fields_used`` holds to the recordings of real
Odoo 18 and 19 servers (tests/odoo_reference), without a simulated Odoo: what the pull reads is what the
connection check and the contract suite prove."""

from __future__ import annotations

import json

import pytest

from integrations.odoo.fields_used import _ONLY, FIELD_TYPES, PULL_OPTIONAL, PULL_READS, pull_fields
from integrations.services.pull import SPECS
from tests.odoo_reference import RECORDINGS

SERIES = (18, 19)
# Read from the rebuilt Odoo 18 lab, not recorded with the others (odoo19/DIFF.md, "Compared").
NOT_RECORDED = {(18, "product.supplierinfo")}


def _recorded(series: int, model: str) -> dict[str, dict] | None:
    path = RECORDINGS / f"odoo{series}" / "fields" / f"{model}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _typed(attrs: dict) -> str:
    return attrs["type"] + (f":{attrs['relation']}" if attrs.get("relation") else "")


@pytest.mark.parametrize("series", SERIES)
def test_every_field_the_portal_uses_is_recorded_with_its_type(series):
    differences = []
    for model, fields in FIELD_TYPES[series].items():
        recorded = _recorded(series, model)
        if recorded is None:
            assert (series, model) in NOT_RECORDED, f"no recording of {model} on {series}"
            continue
        for name, wanted in fields.items():
            if name not in recorded:
                differences.append(f"{model}.{name} is not on Odoo {series}")
            elif _typed(recorded[name]) != wanted:
                differences.append(f"{model}.{name}: {_typed(recorded[name])} on Odoo {series}, not {wanted}")
    assert differences == []


def test_what_the_issue_found_missing_is_there_on_both_series():
    for series in SERIES:
        assert FIELD_TYPES[series]["stock.move"]["product_uom"] == "many2one:uom.uom"
        assert set(pull_fields(series, "product.supplierinfo")) == {
            "partner_id",
            "product_tmpl_id",
            "product_id",
            "product_code",
        }


def test_every_pulled_field_is_a_used_field_of_some_series_and_dropped_only_where_that_series_lacks_it():
    for read, names in PULL_READS.items():
        model = read.split(":")[0]
        for name in names:
            on = [s for s in SERIES if name in FIELD_TYPES[s].get(model, {})]
            assert on, f"{read}: {name} is in no series' fields_used"
            for series in set(SERIES) - set(on):
                other = next(iter(on))
                assert name in _ONLY[other].get(model, {}), f"{read}: {name} missing on {series} unexplained"


def test_each_series_reads_its_own_names():
    assert "locked" in pull_fields(19, "purchase.order") and "locked" not in pull_fields(18, "purchase.order")
    assert "product_uom" in pull_fields(18, "purchase.order.line")
    assert "product_uom_id" not in pull_fields(18, "purchase.order.line")
    assert "product_uom_id" in pull_fields(19, "purchase.order.line")
    assert "product_uom" not in pull_fields(19, "purchase.order.line")


def test_each_puller_reads_from_the_list_and_optional_fields_are_module_fields():
    assert [spec.model for spec in SPECS] == [
        "res.partner",
        "product.product",
        "purchase.order",
        "purchase.order.line",
        "stock.picking",
    ]
    assert all(spec.model in PULL_READS for spec in SPECS)
    for model, fields in PULL_OPTIONAL.items():
        for series in SERIES:
            assert not set(fields) & set(FIELD_TYPES[series][model]), "an optional field is a module's, not a series'"
            assert not set(fields) & set(_recorded(series, model) or {}), "recorded labs have no such module"


def test_the_address_fields_are_used_fields():
    from suppliers.addresses import ADDRESS_FIELDS

    for series in SERIES:
        assert set(ADDRESS_FIELDS) <= set(FIELD_TYPES[series]["res.partner"])
