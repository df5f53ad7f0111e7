"""Methods that start with Odoo's ``self.ensure_one()`` answer a call with no record, or with several, as
Odoo does: ``ValueError("Expected singleton: <model>(...)")``, an Odoo error on the wire, not a crash of
the simulator. The portal's connection check calls every method it uses with no ids
(``integrations.services.connection``), so a crash there was logged at every start of the demo.
"""

from __future__ import annotations

import pytest

from integrations.odoo.fields_used import METHODS_USED

from .sim_replay import error, json2, kw, started_sims


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    yield from started_sims(tmp_path_factory)


@pytest.mark.parametrize("series", [18, 19])
def test_create_returns_without_one_wizard_is_not_a_singleton(sims, series):
    sim = sims[series]
    none = kw(sim, "stock.return.picking", "action_create_returns", [[]])
    assert error(none) == ("builtins.ValueError", "Expected singleton: stock.return.picking()")
    two = kw(sim, "stock.return.picking", "action_create_returns", [[1, 2]])
    assert error(two) == ("builtins.ValueError", "Expected singleton: stock.return.picking(1, 2)")
    # one id that is not there: ensure_one passes, reading it is Odoo's MissingError
    missing = kw(sim, "stock.return.picking", "action_create_returns", [[999999]])
    assert error(missing)[0] == "odoo.exceptions.MissingError"


def test_json2_answers_it_as_odoos_server_error(sims):
    answer = json2(sims[19], "stock.return.picking/action_create_returns", {"ids": []}, user="admin")
    assert answer.status_code == 500
    assert (answer.json()["name"], answer.json()["message"]) == (
        "builtins.ValueError",
        "Expected singleton: stock.return.picking()",
    )


@pytest.mark.parametrize("series", [18, 19])
def test_every_method_the_connection_check_calls_answers_no_ids_as_odoo(sims, series):
    """The check's own call (``gw.call(model, method, [])``): an Odoo error or a result, never a Python
    error other than the singleton one (an IndexError here was the simulator's own bug)."""
    sim = sims[series]
    crashes = []
    for model, methods in METHODS_USED[series].items():
        for method in methods:
            answer = kw(sim, model, method, [[]])
            name, message = error(answer) if "error" in answer else ("", "")
            if name.startswith("builtins.") and (name, message) != (
                "builtins.ValueError",
                f"Expected singleton: {model}()",
            ):
                crashes.append(f"{model}.{method}: {name}: {message}")
    assert crashes == []
