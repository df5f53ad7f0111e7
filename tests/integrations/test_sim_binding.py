"""The simulated Odoo binds call arguments as the recorded 18 and 19 servers do, on both transports.

Every exchange of both ``call_kw_argument_binding.json`` recordings is replayed (``sim_replay``);
then the main cases go through the real odoorpc library and a plain JSON-2 client.
"""

from __future__ import annotations

import odoorpc
import odoorpc.error
import pytest

from integrations.odoo_sim import seed

from .sim_replay import RECORDINGS, error, exchange, json2, kw, lab_records, replay, rpc, started_sims, transcript


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    yield from started_sims(tmp_path_factory)


def test_the_recordings_are_there():
    for series in (18, 19):
        assert transcript(series, "call_kw_argument_binding"), RECORDINGS


@pytest.mark.parametrize("series", [18, 19])
def test_every_recorded_binding_exchange_replays_alike(sims, series):
    sim = sims[series]
    lab = lab_records(sim, f"BIND{series}")
    ids = {9: lab["vendor"], 58: lab["product"]} if series == 18 else {8: lab["vendor"], 69: lab["product"]}
    exchanges = transcript(series, "call_kw_argument_binding")
    assert len(exchanges) == {18: 16, 19: 28}[series]
    assert replay(sim, series, exchanges, ids, {}) == []
    assert len(ids) == {18: 4, 19: 6}[series]  # the orders the lab created were created here too


# --- through the clients --------------------------------------------------------------------------------
@pytest.mark.parametrize("series", [18, 19])
def test_odoorpc_binds_create_positionally_only(sims, series):
    sim = sims[series]
    odoo = odoorpc.ODOO("127.0.0.1", port=sim.port)
    assert odoo.version == exchange(series, "version_info", "version_info")["response_body"]["result"]["server_version"]
    odoo.login(seed.DATABASE, seed.INTEGRATION_LOGIN, seed.INTEGRATION_PASSWORD)
    vendor = lab_records(sim, "ODOORPC")["vendor"]
    po = odoo.execute_kw("purchase.order", "create", [{"partner_id": vendor, "partner_ref": "ODOORPC-POS"}])
    assert type(po) is int
    listed = odoo.execute_kw("purchase.order", "create", [[{"partner_id": vendor}]])
    assert isinstance(listed, list) and len(listed) == 1 and type(listed[0]) is int
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw(
            "purchase.order", "create", [], {"vals_list": [{"partner_id": vendor, "partner_ref": "ODOORPC-KW"}]}
        )
    expected = {18: (200, "tuple index out of range"), 19: (0, "list index out of range")}[series]
    assert (caught.value.info["code"], caught.value.info["data"]["message"]) == expected
    assert caught.value.info["data"]["name"] == "builtins.IndexError"
    assert odoo.execute_kw("purchase.order", "search", [[["partner_ref", "=", "ODOORPC-KW"]]]) == []  # rolled back
    assert odoo.execute_kw("purchase.order", "write", [[po]], {"vals": {"origin": "odoorpc"}}) is True
    message = odoo.execute_kw("purchase.order", "message_post", [[po]], {"body": "x", "subtype_xmlid": "mail.mt_note"})
    assert type(message) is int if series == 18 else (isinstance(message, list) and len(message) == 1)


def test_a_plain_json2_client_binds_named_arguments_only(sims):
    sim = sims[19]
    vendor = lab_records(sim, "J2")["vendor"]
    created = json2(sim, "purchase.order/create", {"vals_list": {"partner_id": vendor, "partner_ref": "J2-DICT"}})
    assert created.status_code == 200 and len(created.json()) == 1
    (po,) = created.json()
    assert len(json2(sim, "purchase.order/create", {"vals_list": [{"partner_id": vendor}] * 2}).json()) == 2
    wrong = json2(sim, "purchase.order/create", {"vals": {"partner_id": vendor}})
    recorded = exchange(19, "call_kw_argument_binding", "json2_create_keyword_vals")["response_body"]
    assert (wrong.status_code, {**wrong.json(), "debug": ""}) == (422, {**recorded, "debug": ""})
    assert json2(sim, "purchase.order/write", {"vals": {"origin": "nothing"}}).json() is True  # an empty recordset
    assert json2(sim, "purchase.order/write", {"ids": [po], "vals": {"origin": "J2"}}).json() is True
    assert json2(sim, "purchase.order/read", {"ids": [po], "fields": ["origin"]}).json() == [{"id": po, "origin": "J2"}]
    assert json2(sim, "purchase.order/search_count", {"ids": [po], "domain": []}).status_code == 422
    assert json2(sim, "purchase.order/search_count", {"ids": [], "domain": [["id", "=", po]]}).json() == 1
    assert json2(sim, "purchase.order/create", {"ids": [po], "vals_list": []}).status_code == 422  # not recorded


def test_what_odoos_signatures_do_not_take_is_refused(sims):
    """Not recorded, so refused: a parameter the simulator does not play, positional keyword-only ones."""
    sim = sims[18]
    po = lab_records(sim, "SIGNATURES")["confirmed"]
    assert error(kw(sim, "purchase.order", "message_post", [[po]], {"body": "x", "subject": "s"})) == (
        "builtins.TypeError",
        "message_post() got an unexpected keyword argument 'subject'",
    )
    assert error(kw(sim, "purchase.order", "message_post", [[po], "positional body"]))[0] == "builtins.TypeError"
    assert (
        error(kw(sim, "purchase.order", "write", [[po]]))[1] == "write() missing 1 required positional argument: 'vals'"
    )
    assert error(kw(sims[19], "purchase.order", "write", [[po]]))[1] == (
        "PurchaseOrder.write() missing 1 required positional argument: 'vals'"
    )
    short = rpc(sim, "object", "execute_kw", seed.DATABASE, 2, "admin", "purchase.order", "search", [[]])
    assert error(short)[0] == "builtins.NotImplementedError"
    unknown = json2(sims[19], "purchase.order/read", {"ids": [po], "fields": ["origin"], "lazy": True})
    assert (unknown.status_code, unknown.json()["message"]) == (422, "got an unexpected keyword argument 'lazy'")
