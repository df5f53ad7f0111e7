"""Replaying the recorded Odoo exchanges against the simulated Odoo (tests of ``integrations.odoo_sim``).

A recorded request (``tests/odoo_reference/odoo1x/transcripts``, the shared reference's copy) is sent
with the lab's database, users, API keys and record ids mapped onto the simulator's; the answer must
match the recording:
the same HTTP status, JSON-RPC ``code``, exception name, message and arguments for a refusal (HTML
byte for byte), an answer of the same shape otherwise (new ids need only be ids, names names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx

from integrations.odoo_sim import seed
from integrations.odoo_sim.process import SimProcess, free_port
from tests.odoo_reference import RECORDINGS

LAB_DB = {18: "lab", 19: "lab19"}
LOGINS = {"admin": "admin", "lab_integration": "integration", "lab_noaccess": "noaccess"}  # lab -> simulator
UIDS = {"admin": 2, "integration": 6, "noaccess": 7}
PASSWORDS = {"admin": "admin", "integration": seed.INTEGRATION_PASSWORD, "noaccess": "noaccess"}


def transcript(series: int, name: str) -> list[dict]:
    return json.loads((RECORDINGS / f"odoo{series}" / "transcripts" / f"{name}.json").read_text())["exchanges"]


def exchange(series: int, name: str, label: str) -> dict:
    return next(e for e in transcript(series, name) if e["label"] == label)


def started_sims(tmp_path_factory) -> Iterator[dict[int, SimProcess]]:
    """A simulated 18 and 19, each in its own process (a module-scoped fixture yields from this)."""
    started = {}
    try:
        for series in (18, 19):
            data = tmp_path_factory.mktemp(f"binding{series}") / "sim.sqlite3"
            started[series] = SimProcess(port=free_port(), data=data, version=f"{series}.0").start()
        yield started
    finally:
        for sim in started.values():
            sim.stop()


def rpc(sim: SimProcess, service: str, method: str, *args: Any) -> dict:
    params = {"service": service, "method": method, "args": list(args)}
    return httpx.post(f"{sim.url}/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).json()


def kw(sim: SimProcess, model: str, method: str, args: list, kwargs: dict | None = None, *, user: str = "admin"):
    return rpc(
        sim, "object", "execute_kw", seed.DATABASE, UIDS[user], PASSWORDS[user], model, method, args, kwargs or {}
    )


def json2(sim: SimProcess, path: str, body: Any = None, *, user: str = "integration", **headers: str) -> httpx.Response:
    headers = {"Authorization": f"bearer sim-api-key-{user}", "Content-Type": "application/json", **headers}
    return httpx.post(f"{sim.url}/json/2/{path}", content=json.dumps({} if body is None else body), headers=headers)


def result(answer: dict) -> Any:
    assert "error" not in answer, answer["error"]["data"]["message"]
    return answer.get("result")


def error(answer: dict) -> tuple[str, str]:
    return answer["error"]["data"]["name"], answer["error"]["data"]["message"]


def lab_records(sim: SimProcess, ref: str) -> dict[str, int]:
    """Wood Corner, LAB-LOT-001, a draft and a confirmed order of it (made here, as the lab's were)."""
    vendor = result(kw(sim, "res.partner", "search", [[["name", "=", "Wood Corner"]]]))
    product = result(kw(sim, "product.product", "search", [[["default_code", "=", "LAB-LOT-001"]]]))
    assert len(vendor) == 1 and len(product) == 1
    line = {"product_id": product[0], "product_qty": 1}
    draft, confirmed = (
        result(
            kw(
                sim,
                "purchase.order",
                "create",
                [{"partner_id": vendor[0], "partner_ref": f"{ref}-{n}", "order_line": [[0, 0, line]]}],
            )
        )
        for n in (1, 2)
    )
    assert result(kw(sim, "purchase.order", "button_confirm", [[confirmed]])) is True
    return {"vendor": vendor[0], "product": product[0], "draft": draft, "confirmed": confirmed}


# --- replaying recordings -------------------------------------------------------------------------------
def _mapped(value: Any, ids: dict[int, int]) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_mapped(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _mapped(v, ids) for k, v in value.items()}
    if isinstance(value, str):  # ids quoted in messages: "Domain() invalid item in domain: 139"
        return re.sub(r"(?<![\w-])[1-9]\d*\b", lambda m: str(ids.get(int(m.group()), m.group())), value)
    return value


def _same_shape(recorded: Any, actual: Any, ids: dict[int, int]) -> bool:
    """Equal once ids are mapped; a new record's id (not in the map) need only be an id, a name a name."""
    if isinstance(recorded, bool) or not isinstance(recorded, int | list | dict):
        return recorded == actual
    if isinstance(recorded, int):
        return actual == ids[recorded] if recorded in ids else type(actual) is int
    if isinstance(recorded, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(recorded)
            and all(_same_shape(r, a, ids) for r, a in zip(recorded, actual, strict=True))
        )
    return (
        isinstance(actual, dict)
        and set(actual) == set(recorded)
        and all(
            isinstance(actual[k], str) if k == "name" else _same_shape(v, actual[k], ids) for k, v in recorded.items()
        )
    )


def _request(sim: SimProcess, series: int, ex: dict, ids: dict[int, int], key_user: str) -> httpx.Response:
    headers = {k: v for k, v in ex["request_headers"].items() if k != "Cookie"}
    if headers.get("X-Odoo-Database") == LAB_DB[series]:
        headers["X-Odoo-Database"] = seed.DATABASE
    if "Authorization" in headers:
        headers["Authorization"] = headers["Authorization"].replace("<redacted api key>", f"sim-api-key-{key_user}")
    if "request_body_raw" in ex:
        content = ex["request_body_raw"].encode()
    elif ex.get("request_body") is None:
        content = None
    elif ex["http_path"] == "/jsonrpc":
        params = ex["request_body"]["params"]
        args = list(params["args"])
        assert args[:1] in ([], [LAB_DB[series]]), ex["label"]
        if params["method"] == "login":
            args = [seed.DATABASE, LOGINS[args[1]], PASSWORDS[LOGINS[args[1]]]]
        elif params["service"] == "object":
            login = LOGINS[args[2]]  # the password is the login in the labs
            args = [seed.DATABASE, UIDS[login], PASSWORDS[login], *args[3:5], *_mapped(args[5:], ids)]
        content = json.dumps({**ex["request_body"], "params": {**params, "args": args}}).encode()
    else:
        content = json.dumps(_mapped(ex["request_body"], ids)).encode()
    return httpx.request(ex["http_method"], sim.url + ex["http_path"], content=content, headers=headers, timeout=30)


def _difference(ex: dict, response: httpx.Response, ids: dict[int, int]) -> str | None:
    label, want_status = ex["label"], ex["response_status"]
    if response.status_code != want_status:
        return f"{label}: HTTP {response.status_code}, recorded {want_status}"
    for name, value in ex["response_headers"].items():
        if name == "Content-Type" and response.headers[name].split(";")[0] != value.split(";")[0]:
            return f"{label}: Content-Type {response.headers[name]}, recorded {value}"
        if name == "WWW-Authenticate" and response.headers.get(name) != value.strip():  # httpx strips it
            return f"{label}: {name} {response.headers.get(name)!r}, recorded {value!r}"
    if "response_body_raw" in ex:
        return None if response.text == ex["response_body_raw"] else f"{label}: {response.text!r}"
    got, want = response.json(), ex["response_body"]
    fields = ("name", "message", "arguments")
    if ex["http_path"] == "/jsonrpc" and "error" in want:
        error = got.get("error") or {}
        actual = [error.get("code"), *((error.get("data") or {}).get(k) for k in fields)]
        expected = [want["error"]["code"], *(_mapped(want["error"]["data"][k], ids) for k in fields)]
        return None if actual == expected else f"{label}: {actual} != recorded {expected}"
    if ex["http_path"] == "/jsonrpc":
        if ("result" in got) != ("result" in want) or not _same_shape(want.get("result"), got.get("result"), ids):
            return f"{label}: {got} has not the shape of the recorded {want}"
        return None
    if want_status >= 400:
        actual, expected = [got.get(k) for k in fields], [_mapped(want[k], ids) for k in fields]
        return None if actual == expected else f"{label}: {actual} != recorded {expected}"
    return None if _same_shape(want, got, ids) else f"{label}: {got} has not the shape of the recorded {want}"


def _created(ex: dict, response: httpx.Response) -> list[tuple[int, int]]:
    """The lab's new record ids beside the simulator's, after a successful create."""
    jsonrpc = ex["http_path"] == "/jsonrpc"
    method = ex["request_body"]["params"]["args"][4:5] if jsonrpc else ex["http_path"].split("/")[-1:]
    if method != ["create"] or response.status_code != 200:
        return []
    want, got = ex["response_body"], response.json()
    want, got = (want.get("result"), got.get("result")) if jsonrpc else (want, got)
    if want is None:
        return []
    return list(zip(want if isinstance(want, list) else [want], got if isinstance(got, list) else [got], strict=True))


def replay(sim: SimProcess, series: int, exchanges: list[dict], ids: dict[int, int], keys: dict[str, str]) -> list[str]:
    """Send each recorded request, ids mapped; list what the simulator answered differently."""
    problems = []
    for ex in exchanges:
        response = _request(sim, series, ex, ids, keys.get(ex["label"], keys.get("*", "integration")))
        problem = _difference(ex, response, ids)
        if problem:
            problems.append(problem)
        ids.update(_created(ex, response))
    return problems
