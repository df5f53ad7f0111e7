"""What the scorecard's purchase warning relies on, on every target (simulated 18 and 19, or live): the
fields and their values on each series, a warning written and read back exactly, and the refusal of a
contact write by a user without the contact rights.

The writes are made as the admin (a user with the contact rights) and undone at the end, so a live run
leaves Wood Corner's warning as it found it. The handler itself is tested in
tests/integrations/test_scorecard_to_odoo.py.
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError

from .conftest import vendor

TEXT = "Scorecard standing: Probation (was Approved), score 52.5.\n- PPM 1,200 (target 500)\n\nÅsa's note: ok"


@pytest.fixture
def partner_warning(admin_gw):
    """Wood Corner's warning as found, put back afterwards."""
    partner = vendor(admin_gw)
    fields = ["purchase_warn_msg"] + (["purchase_warn"] if admin_gw.dialect.series == 18 else [])
    before = admin_gw.read("res.partner", [partner], fields)[0]
    yield partner
    admin_gw.write("res.partner", [partner], {name: before[name] for name in fields})


def test_the_warning_fields_per_series(gw):
    fields = gw.fields_get("res.partner", ["type", "selection", "readonly", "store"])
    assert fields["purchase_warn_msg"]["type"] == "text" and fields["purchase_warn_msg"]["store"] is True
    if gw.dialect.series == 18:
        assert [key for key, _ in fields["purchase_warn"]["selection"]] == ["no-message", "warning", "block"]
        assert gw.dialect.partner_warn_level == "purchase_warn"
    else:
        # odoo19/DIFF.md, res.partner "in 18, not in 19": no level, nothing blocks
        assert "purchase_warn" not in fields and gw.dialect.partner_warn_level == ""


def test_a_warning_written_reads_back_exactly_and_clears(gw, admin_gw, partner_warning):
    values = {"purchase_warn_msg": TEXT} | ({"purchase_warn": "block"} if gw.dialect.series == 18 else {})
    assert admin_gw.write("res.partner", [partner_warning], values) is True
    row = gw.read("res.partner", [partner_warning], list(values))[0]
    assert {name: row[name] for name in values} == values
    admin_gw.write("res.partner", [partner_warning], {"purchase_warn_msg": False})
    assert gw.read("res.partner", [partner_warning], ["purchase_warn_msg"])[0]["purchase_warn_msg"] is False


def test_the_level_is_18s_only(admin_gw, series, partner_warning):
    """18 takes ``purchase_warn``; 19 has no such field and refuses it (odoo19/DIFF.md, res.partner)."""
    if series == 18:
        assert admin_gw.write("res.partner", [partner_warning], {"purchase_warn": "no-message"}) is True
        return
    with pytest.raises(OdooPermanentError) as caught:
        admin_gw.write("res.partner", [vendor(admin_gw)], {"purchase_warn": "warning"})
    assert caught.value.name == "builtins.ValueError"
    assert caught.value.message == "Invalid field 'purchase_warn' in 'res.partner'"


def test_a_user_without_contact_rights_may_not_write_the_warning(odoo_target, transport):
    """access_error.json of each series (internal_employee_write_company_partner): 18 refuses the contact
    write naming Contact Creation and three administrator groups; 19 answered a rename of the company's
    partner with its bank accounts' rule (Contact/Creation). Wood Corner's warning was not recorded: a live
    19 that accepts it fails here, and the simulator's refusal must then change."""
    gw = OdooGateway(odoo_target.config(transport=transport, user="noaccess"))
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("res.partner", [vendor(gw)], {"purchase_warn_msg": "not allowed"})
    assert caught.value.name == "odoo.exceptions.AccessError"
    group = "Extra Rights/Contact Creation" if gw.dialect.series == 18 else "Contact/Creation"
    assert f"\t- {group}\n" in caught.value.message
