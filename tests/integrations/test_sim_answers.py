"""The simulated Odoo answers as the recorded 18 and 19 servers do: error statuses and codes, record and
None results, version endpoints, the db service, languages and attachment rights.

Whole recordings are replayed where the lab's data can be mapped onto the simulator's (``sim_replay``).
"""

from __future__ import annotations

import re

import httpx
import pytest

from integrations.odoo_sim import seed

from .sim_replay import error, exchange, json2, kw, lab_records, replay, result, rpc, started_sims, transcript


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    yield from started_sims(tmp_path_factory)


# (series, transcript, labels skipped, lab ids -> simulator records, API key users by label)
REPLAYS = [
    (18, "version_info", (), {}, {}),
    (19, "version_info", (), {}, {}),
    (18, "nonexistent_model_or_method", ("session_call_kw_unknown_model",), {}, {}),
    (19, "nonexistent_model_or_method", ("session_call_kw_unknown_model",), {14: "draft"}, {"*": "admin"}),
    (18, "read_missing_record", (), {1: "draft"}, {}),
    (19, "read_missing_record", (), {14: "draft"}, {"*": "admin"}),
    (18, "user_error_validation_error", (), {11: "confirmed", 1: "draft", 9: "vendor", 58: "product"}, {}),
    (19, "user_error_validation_error", (), {14: "confirmed", 1: "draft", 8: "vendor", 69: "product"}, {"*": "admin"}),
    (18, "access_error", ("portal",), {8: 7, 9: 6}, {}),
    (
        19,
        "access_error",
        ("portal",),
        {15: 7, 13: 6},
        {"*": "noaccess", "json2_purchase_user_write_other_user": "integration"},
    ),
    (19, "json2_authentication", (), {13: 6, 15: 7}, {"context_get_key_of_user_without_purchase_rights": "noaccess"}),
    (19, "message_post_return_value", (), {14: "confirmed", 15: "draft", 13: 6}, {}),
    (19, "context_lang_tz", (), {14: "confirmed"}, {}),
]


@pytest.mark.parametrize(
    ("series", "name", "skipped", "records", "keys"), REPLAYS, ids=[f"{r[0]}-{r[1]}" for r in REPLAYS]
)
def test_recorded_exchanges_replay_alike(sims, series, name, skipped, records, keys):
    sim = sims[series]
    lab = lab_records(sim, name.upper())
    ids = {k: lab[v] if isinstance(v, str) else v for k, v in records.items()}
    if name == "user_error_validation_error" and not result(
        kw(sim, "stock.lot", "search", [[["name", "=", "DUP-LOT-TRANSCRIPT"]]])
    ):
        result(kw(sim, "stock.lot", "create", [{"name": "DUP-LOT-TRANSCRIPT", "product_id": lab["product"]}]))
    exchanges = [e for e in transcript(series, name) if not e["label"].startswith(skipped)]
    if name == "context_lang_tz":  # fr_FR was active only while recording; de_DE and xx_XX never were
        exchanges = [e for e in exchanges if e["label"] in ("json2_read_lang_inactive_de", "json2_read_lang_unknown")]
    assert exchanges
    assert replay(sim, series, exchanges, ids, keys) == []


# --- answers: codes, return values, None, versions, db, languages, attachments --------------------------
@pytest.mark.parametrize("series", [18, 19])
def test_jsonrpc_error_code_and_json2_statuses(sims, series):
    sim = sims[series]
    answer = kw(sim, "purchase.order", "read", [[1]], {"fields": ["no_such_field"]})
    assert answer["error"]["code"] == {18: 200, 19: 0}[series] and answer["error"]["message"] == "Odoo Server Error"
    if series == 19:
        statuses = {
            "purchase.order/write": ({"ids": [1], "vals": {"state": "not_a_state"}}, 500),  # ValueError
            "purchase.order/unlink": ({"ids": [lab_records(sim, "STATUS")["confirmed"]]}, 422),  # UserError
            "purchase.order/button_confirm": ({"ids": [999999]}, 404),  # MissingError
            "res.partner/exists": ({"ids": [1]}, 403),  # @api.private
            "res.partner/no_such_method": ({"ids": [1]}, 404),
        }
        for path, (body, status) in statuses.items():
            assert json2(sim, path, body, user="admin").status_code == status, path


@pytest.mark.parametrize("series", [18, 19])
def test_record_and_none_results_per_series(sims, series):
    sim = sims[series]
    po = lab_records(sim, "RESULTS")["confirmed"]
    message = result(kw(sim, "purchase.order", "message_post", [[po]], {"body": "n"}, user="integration"))
    activity = result(kw(sim, "purchase.order", "activity_schedule", [[po]], {"summary": "s", "user_id": 2}))
    if series == 18:  # @api.returns(..., value.id) -> the id; a recordset otherwise -> its str()
        assert type(message) is int and re.fullmatch(r"mail\.activity\(\d+,\)", activity)
        none = kw(sim, "purchase.order", "confirm_reminder_mail", [[po]], {"confirmed_date": "2026-12-10"})
    else:
        assert len(message) == 1 and len(activity) == 1
        none = kw(sim, "purchase.order", "action_acknowledge", [[po]])
        assert json2(sim, "purchase.order/activity_schedule", {"ids": [po], "summary": "j"}).json()[0] > activity[0]
    assert "error" not in none and "result" not in none
    two = kw(sim, "purchase.order", "message_post", [[po, 1]], {"body": "x"})
    assert error(two) == ("builtins.ValueError", f"Expected singleton: purchase.order({po}, 1)")


def test_version_endpoints_of_18_are_only_the_recorded_one(sims):
    sim = sims[18]
    assert httpx.get(f"{sim.url}/web/version").status_code == 404
    assert httpx.get(f"{sim.url}/json/version").status_code == 404
    assert error(rpc(sim, "common", "version"))[0] == "builtins.NotImplementedError"  # not recorded on 18
    assert httpx.post(f"{sim.url}/json/2/res.partner/search_count", json={"domain": []}).status_code == 404


@pytest.mark.parametrize("series", [18, 19])
def test_db_service_lists_the_database_only(sims, series):
    sim = sims[series]
    assert result(rpc(sim, "db", "list")) == [seed.DATABASE]
    assert error(rpc(sim, "db", "drop", "admin", seed.DATABASE))[0] == "builtins.NotImplementedError"
    assert result(rpc(sim, "db", "list")) == [seed.DATABASE]


@pytest.mark.parametrize("series", [18, 19])
def test_only_active_languages_are_accepted(sims, series):
    sim = sims[series]
    assert result(kw(sim, "res.partner", "read", [[1]], {"fields": ["name"], "context": {"lang": "en_US"}}))
    for lang in ("de_DE", "fr_FR", "xx_XX"):
        answer = kw(sim, "res.partner", "read", [[1]], {"fields": ["name"], "context": {"lang": lang}})
        assert error(answer) == ("odoo.exceptions.UserError", f"Invalid language code: {lang}")
    if series == 19:
        refused = json2(sim, "res.partner/search_count", {"domain": [], "context": {"lang": "de_DE"}})
        assert (refused.status_code, refused.json()["arguments"]) == (422, ["Invalid language code: de_DE"])


@pytest.mark.parametrize("series", [18, 19])
def test_attaching_needs_write_access_to_the_record(sims, series):
    sim = sims[series]
    lab = lab_records(sim, "ATTACH")
    picking = result(kw(sim, "stock.picking", "search", [[["purchase_id", "=", lab["confirmed"]]]]))[0]
    count = result(kw(sim, "ir.attachment", "search_count", [[]]))
    for model, rid in (("purchase.order", lab["confirmed"]), ("stock.picking", picking)):  # 18 flow 5, call 10
        values = {"name": "a.txt", "datas": "QQ==", "res_model": model, "res_id": rid}
        assert type(result(kw(sim, "ir.attachment", "create", [values], user="integration"))) is int
    values = {"name": "a.txt", "datas": "QQ==", "res_model": "res.partner", "res_id": lab["vendor"]}
    refused = kw(sim, "ir.attachment", "create", [values], user="integration")
    name = (
        "json2_internal_employee_write_company_partner" if series == 19 else "internal_employee_write_company_partner"
    )
    recorded = exchange(series, "access_error", name)["response_body"]
    data = recorded["error"]["data"] if "error" in recorded else recorded
    assert error(refused) == (data["name"], data["message"])
    assert result(kw(sim, "ir.attachment", "search_count", [[]])) == count + 2
    attachment = result(kw(sim, "ir.attachment", "search", [[["res_id", "=", picking]]]))[0]
    moved = kw(sim, "ir.attachment", "write", [[attachment], {"res_model": "res.partner", "res_id": lab["vendor"]}])
    assert "error" not in moved  # the administrator may
    moved = kw(sim, "ir.attachment", "write", [[attachment], {"name": "b.txt"}], user="integration")
    assert error(moved) == (data["name"], data["message"])
