"""The simulated Odoo's HTTP front: /jsonrpc as odoorpc uses it, and JSON-2.

Both transports answer as the recordings of the series the server plays (18 or
19) show; what no recording shows is refused. Argument binding and result shapes
are in ``callkw``. Fault knobs (latency, error rate, down, key revocation) and test
helpers are set through ``POST /sim/control``, which answers only on loopback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import socket
import sys
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import (
    callkw,
    models,  # noqa: F401  (registers the models)
)
from .db import Database
from .errors import (
    AccessDenied,
    InjectedRefusal,
    Json2Error,
    OdooSimError,
    PyNameError,
    PyTypeError,
    PyValueError,
    not_recorded,
)
from .orm import GRANTABLE, Env

log = logging.getLogger("odoo_sim")

SERVER_VERSIONS = {
    "18.0": {
        "server_version": "18.0+e-20241005",
        "server_version_info": [18, 0, 0, "final", 0, ""],
        "server_serie": "18.0",
        "protocol_version": 1,
    },
    "19.0": {
        "server_version": "19.0+e-20251227",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
        "protocol_version": 1,
    },
}

# The two JSON-2 answers that are not JSON (odoo19/transcripts/json2_authentication.json,
# nonexistent_model_or_method.json).
NO_DATABASE_HTML = (
    "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the "
    "requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a "
    "href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n"
)
UNSUPPORTED_MEDIA_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n"
    "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;"
    "__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try "
    "again.</p>\n"
)
JSON2_ROUTE = "Did you mean POST /json/2/<model>/<method>?"
NO_BEARER = "User not authenticated, use an API Key with a Bearer Authorization header."
HTTP_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity"}


class Faults:
    def __init__(self) -> None:
        self.latency_ms = 0.0
        self.error_rate = 0.0
        self.down = False
        self.calls: Counter[str] = Counter()
        self.contexts: deque[dict] = deque(maxlen=50)  # what callers sent as context, newest last
        # Failures to answer instead of running a method, for tests of half-done deliveries: "model.method" ->
        # [times left, exception name, message]. An Odoo that refuses one call of a sequence, as a real one did.
        self.refusals: dict[str, list] = {}
        self.lock = threading.Lock()

    def count(self, key: str) -> None:
        with self.lock:
            self.calls[key] += 1

    def refusal(self, key: str) -> OdooSimError | None:
        with self.lock:
            rule = self.refusals.get(key)
            if not rule:
                return None
            rule[0] -= 1
            if rule[0] <= 0:
                del self.refusals[key]
        return InjectedRefusal(rule[1], rule[2])


class SimOdoo:
    """The server's state: database, version, users' keys and fault knobs."""

    def __init__(self, db: Database, *, version: str = "18.0", database_name: str = "sim") -> None:
        self.db = db
        self.version = version
        self.database_name = database_name
        self.faults = Faults()
        self.own_database()

    @property
    def series(self) -> int:
        return int(float(self.version))

    @property
    def json2_enabled(self) -> bool:
        return self.series >= 19

    def own_database(self) -> None:
        """The database plays this server's series (``Env.version`` reads it); one seeded for another is refused."""
        seeded = self.db.meta.get("version")
        if seeded is None:
            self.db.meta["version"] = self.version
        elif int(str(seeded).split(".")[0]) != self.series:
            raise ValueError(f"the simulated database holds Odoo {seeded} data, not {self.version}: reseed it")

    # --- authentication -----------------------------------------------------
    def login(self, login: str, password: str) -> int | bool:
        for user in self.db.tables["res.users"].values():
            if user.get("login") == login and user.get("active", True) and self._password_ok(user, password):
                return user["id"]
        return False

    def _password_ok(self, user: dict, secret: str) -> bool:
        if secret and secret == user.get("x_sim_password"):
            return True
        key = self.db.meta.get("api_keys", {}).get(secret)
        return bool(key and not key.get("revoked") and key["uid"] == user["id"])

    def check_uid(self, uid: int, password: str) -> None:
        user = self.db.get("res.users", uid) if isinstance(uid, int) else None
        if not user or not self._password_ok(user, password):
            raise AccessDenied()

    def uid_for_key(self, key: str) -> int | None:
        entry = self.db.meta.get("api_keys", {}).get(key)
        return entry["uid"] if entry and not entry.get("revoked") else None

    # --- calls ----------------------------------------------------------------
    def call(self, uid: int, model: str, method: str, args: list, kwargs: dict, *, json2: bool = False) -> Any:
        """Run one model method in its own transaction, as Odoo does per request; the result as the wire has it."""
        self.faults.count(f"{model}.{method}")
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        if not isinstance(context, dict):
            raise PyValueError(f"the context must be an object, not {context!r}")  # not recorded: refused
        self.faults.contexts.append({"model": model, "method": method, **context})
        if injected := self.faults.refusal(f"{model}.{method}"):
            raise injected
        with self.db.transaction():
            env = Env(self.db, uid, context)
            if json2:
                return callkw.json2(env, model, method, kwargs)
            return callkw.jsonrpc(env, model, method, args, kwargs)


def _short(name: str) -> str:
    return name.removeprefix("builtins.")


def _error_data(name: str, message: str) -> dict:
    return {
        "name": name,
        "message": message,
        "arguments": [message],
        "context": {},
        "debug": f"Traceback (most recent call last):\n  (simulated Odoo)\n{_short(name)}: {message}\n",
    }


def _json2_error_body(name: str, message: str, status: int, *, werkzeug: bool) -> dict:
    """An Odoo exception has ``arguments`` ``[message]``; a werkzeug one ``[message, status]``."""
    if not werkzeug:
        return _error_data(name, message)
    reason = HTTP_REASONS.get(status, "")
    return {
        "name": name,
        "message": message,
        "arguments": [message, status],
        "context": {},
        "debug": f"Traceback (most recent call last):\n  (simulated Odoo)\n{name}: {status} {reason}: {message}\n",
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"
    protocol_version = "HTTP/1.1"
    sim: SimOdoo  # set on the class by make_server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this a keep-alive
        # client waits out the peer's delayed ACK (~40 ms) on every call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet by default
        log.debug("%s " + fmt, self.address_string(), *args)

    # --- plumbing ---------------------------------------------------------------
    def parse_request(self) -> bool:
        """Read the whole body of every request before it is answered, whatever the answer.

        On a keep-alive connection a body left unread would be parsed as the next request
        line, so no route may answer (refusal, injected fault, 404) before the body is in.
        A body whose length cannot be known is answered 400 and the connection closed.
        """
        if not super().parse_request():
            return False
        self._raw = b""
        try:
            self._raw = self._read_body()
        except ValueError as exc:
            self.send_error(400, f"Bad request body: {exc}")  # sends "Connection: close"
            return False
        return True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if not raw_length.isdigit():
            raise ValueError(f"invalid Content-Length {raw_length!r}")
        length = int(raw_length)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise ValueError("the body ended before its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ValueError(f"invalid chunk size {size_line!r}") from None
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(65537).strip():
                raise ValueError("malformed chunk")
            chunks.append(chunk)
        while self.rfile.readline(65537).strip():  # trailer fields, up to the empty line
            pass
        return b"".join(chunks)

    def _body(self) -> bytes:
        return self._raw

    def _send(
        self,
        status: int,
        payload: Any,
        *,
        cookie: bool = False,
        html: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = html.encode() if html is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{'text/html' if html is not None else 'application/json'}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if cookie:
            self.send_header("Set-Cookie", "session_id=sim; HttpOnly; Path=/; SameSite=Lax")
        self.end_headers()
        self.wfile.write(body)

    def _faults(self) -> bool:
        """Apply latency and failures; True when the request was answered (or dropped) here."""
        faults = self.sim.faults
        if faults.down:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return True
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000.0)
        if faults.error_rate and random.random() < faults.error_rate:  # noqa: S311 - fault injection, not crypto
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
            self.send_response(503)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return True
        return False

    def _is_json2_path(self) -> bool:
        return self.sim.json2_enabled and (self.path == "/json/2" or self.path.startswith("/json/2/"))

    # --- routes -------------------------------------------------------------------
    def do_GET(self) -> None:
        if self._faults():
            return
        if self.path in ("/web/version", "/json/version") and self.sim.json2_enabled:
            info = SERVER_VERSIONS[self.sim.version]
            return self._send(
                200, {"version": info["server_version"], "version_info": info["server_version_info"]}, cookie=True
            )
        if self._is_json2_path():  # 19 answers any other method with this 404, not 405
            return self._json2_error(Json2Error(404, "werkzeug.exceptions.NotFound", JSON2_ROUTE))
        self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path == "/sim/control":
            return self._control()
        if self._faults():
            return
        if self.path == "/web/webclient/version_info":
            return self._jsonrpc_envelope(lambda params: SERVER_VERSIONS[self.sim.version], cookie=True)
        if self.path == "/jsonrpc":
            return self._jsonrpc_envelope(self._jsonrpc)
        if self._is_json2_path():
            return self._json2()
        self._send(404, {"error": "not found"})

    # --- /jsonrpc -----------------------------------------------------------------
    def _jsonrpc_envelope(self, handler, *, cookie: bool = False) -> None:
        raw = self._body()
        try:
            request = json.loads(raw or b"{}")
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            error = _error_data("werkzeug.exceptions.BadRequest", "400 Bad Request: Invalid JSON data")
            return self._send(
                200,
                {"jsonrpc": "2.0", "id": None, "error": {"code": 400, "message": "400: Bad Request", "data": error}},
            )
        rid = request.get("id")
        code = 0 if self.sim.series >= 19 else 200  # the error member's code (18: 200, 19: 0)
        try:
            result = handler(request.get("params") or {})
        except OdooSimError as exc:
            error = {"code": code, "message": "Odoo Server Error", "data": _error_data(exc.name, exc.message)}
            return self._send(200, {"jsonrpc": "2.0", "id": rid, "error": error})
        except Exception as exc:  # an Odoo server answers any bug as a server error, not a dropped socket
            log.exception("simulated Odoo failed")
            data = _error_data(f"builtins.{type(exc).__name__}", str(exc))
            return self._send(
                200,
                {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": "Odoo Server Error", "data": data}},
            )
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if result is not None:  # a method returning None answers without "result"
            envelope["result"] = result
        self._send(200, envelope, cookie=cookie)

    def _jsonrpc(self, params: dict) -> Any:
        service, method, args = params.get("service"), params.get("method"), params.get("args") or []
        if not isinstance(args, list):
            raise not_recorded(self.sim.version, f"{service}.{method} with args that are not a list")
        if service == "common":
            return self._common(method, args)
        if service == "object":
            return self._object(method, args)
        if service == "db":
            return self._db(method, args)
        raise PyNameError(f"Service {service} not available")

    def _common(self, method: str, args: list) -> Any:
        sim = self.sim
        if method == "version" and sim.series >= 19:
            return SERVER_VERSIONS[sim.version]
        if method == "login" and len(args) == 3:
            self._check_db(args[0])
            return sim.login(args[1], args[2])
        # 18's common.version, common.authenticate, ...
        raise not_recorded(sim.version, f"common.{method} with {len(args)} arguments")

    def _object(self, method: str, args: list) -> Any:
        sim = self.sim
        if sim.series >= 19 and len(args) < 5:  # 19 unpacks db, uid, password, model, method first
            raise PyValueError(f"not enough values to unpack (expected at least 5, got {len(args)})")
        if len(args) < 3:
            raise not_recorded(sim.version, f"object.{method} without db, uid and password")
        self._check_db(args[0])
        sim.check_uid(args[1], args[2])
        if method not in ("execute", "execute_kw"):
            raise PyNameError(f"Method not available {method}")
        if len(args) < 5:
            raise not_recorded(sim.version, f"object.{method} without a model and a method")
        uid, model, model_method = args[1], args[3], args[4]
        if method == "execute":
            return sim.call(uid, model, model_method, args[5:], {})
        if len(args) != 7:  # [db, uid, password, model, method, args, kwargs], as odoorpc always sends it
            raise not_recorded(sim.version, f"object.execute_kw with {len(args)} arguments instead of 7")
        call_args, call_kwargs = args[5], args[6]
        if not isinstance(call_args, list):
            raise PyTypeError(f"Value after * must be an iterable, not {type(call_args).__name__}")
        if not isinstance(call_kwargs, dict):
            raise PyTypeError(f"argument after ** must be a mapping, not {type(call_kwargs).__name__}")
        return sim.call(uid, model, model_method, call_args, call_kwargs)

    def _db(self, method: str, args: list) -> Any:
        if method == "list" and not args:
            return [self.sim.database_name]  # a default Odoo lists its databases (list_db is on by default)
        raise not_recorded(self.sim.version, f"db.{method} with {len(args)} arguments (it serves db.list only)")

    def _check_db(self, name: str) -> None:
        if name != self.sim.database_name:
            raise DatabaseMissing(name)

    # --- JSON-2 -------------------------------------------------------------------
    def _json2_error(self, exc: OdooSimError, *, headers: dict[str, str] | None = None) -> None:
        status = exc.json2_status
        body = _json2_error_body(exc.name, exc.message, status, werkzeug=isinstance(exc, Json2Error))
        self._send(status, body, headers=headers)

    def _json2(self) -> None:
        """The checks in the order a 19 server makes them: database, route, Content-Type, key, body."""
        sim = self.sim
        database = self.headers.get("X-Odoo-Database")
        if database and database != sim.database_name:
            return self._send(404, None, html=NO_DATABASE_HTML)
        match = re.fullmatch(r"/json/2/([\w.]+)/(\w+)", self.path)
        if not match:
            return self._json2_error(Json2Error(404, "werkzeug.exceptions.NotFound", JSON2_ROUTE))
        mimetype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if mimetype != "application/json":
            return self._send(415, None, html=UNSUPPORTED_MEDIA_HTML)
        scheme, _, key = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            unauthorized = Json2Error(401, "werkzeug.exceptions.Unauthorized", NO_BEARER)
            return self._json2_error(unauthorized, headers={"WWW-Authenticate": "Bearer "})
        uid = sim.uid_for_key(key.strip())
        if uid is None:
            unauthorized = Json2Error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
            return self._json2_error(unauthorized, headers={"WWW-Authenticate": "Bearer "})
        raw = self._body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            bad = Json2Error(400, "werkzeug.exceptions.BadRequest", f"could not parse the body as json: {exc}")
            return self._json2_error(bad)
        if not isinstance(body, dict):  # a JSON array is ignored: the method runs without arguments
            body = {}
        try:
            result = sim.call(uid, match.group(1), match.group(2), [], body, json2=True)
        except OdooSimError as exc:
            return self._json2_error(exc)
        except Exception as exc:
            log.exception("simulated Odoo failed")
            return self._send(500, _error_data(f"builtins.{type(exc).__name__}", str(exc)))
        self._send(200, result)

    # --- control (tests, demo, benchmarks) -------------------------------------------
    def _control(self) -> None:
        if self.client_address[0] not in ("127.0.0.1", "::1"):
            return self._send(403, {"error": "loopback only"})
        from . import seed

        try:
            command = json.loads(self._body() or b"{}")
        except ValueError:
            return self._send(400, {"error": "invalid JSON"})
        sim, faults = self.sim, self.sim.faults
        action = command.get("action")
        if action == "set":
            for knob in ("latency_ms", "error_rate"):
                if knob in command:
                    setattr(faults, knob, float(command[knob]))
            if "down" in command:
                faults.down = bool(command["down"])
        elif action == "reset":
            faults.latency_ms, faults.error_rate, faults.down = 0.0, 0.0, False
            faults.refusals.clear()
            faults.calls.clear()
            sim.db.reset()
            seed.seed(
                sim.db,
                demo=command.get("demo", True),
                scale=int(command.get("scale", 0)),
                reception_steps=command.get("reception_steps", "three_steps"),
                modules=command.get("modules", []),
                version=sim.version,
            )
        elif action == "revoke_key":
            with sim.db.transaction():
                entry = sim.db.meta.get("api_keys", {}).get(command["key"])
                if entry:
                    entry["revoked"] = True
        elif action == "set_key":
            with sim.db.transaction():
                sim.db.meta.setdefault("api_keys", {})[command["key"]] = {
                    "uid": int(command["uid"]),
                    "revoked": bool(command.get("revoked", False)),
                }
        elif action in ("grant", "revoke"):
            # {"login", "group": xml id}: a user gains or loses a group (orm.GRANTABLE), until the next reset
            if command.get("group") not in GRANTABLE:
                return self._send(400, {"error": f"cannot grant {command.get('group')!r}: {sorted(GRANTABLE)}"})
            with sim.db.transaction():
                users = [u for u in sim.db.tables["res.users"].values() if u.get("login") == command.get("login")]
                if not users:
                    return self._send(400, {"error": f"no user {command.get('login')!r}"})
                groups = set(users[0].get("x_sim_groups") or []) - {command["group"]}
                if action == "grant":
                    groups.add(command["group"])
                sim.db.update("res.users", users[0]["id"], {"x_sim_groups": sorted(groups)}, bump=False)
        elif action == "languages":
            # {"active": ["fr_FR"]}: the languages active besides en_US (callkw.languages_activate), until a reset
            try:
                callkw.languages_activate(sim.db, sim.series, command.get("active") or [])
            except ValueError as exc:
                return self._send(400, {"error": str(exc)})
        elif action == "stats":
            pass
        elif action == "clear_stats":
            faults.calls.clear()
        elif action == "refuse":
            # {"model", "method", "name" (Odoo's exception), "message", "times"}: the next calls answer that error
            with faults.lock:
                faults.refusals[f"{command['model']}.{command['method']}"] = [
                    int(command.get("times", 1)),
                    str(command.get("name", "odoo.exceptions.UserError")),
                    str(command.get("message", "refused by the test")),
                ]
        else:
            return self._send(400, {"error": f"unknown action {action!r}"})
        self._send(
            200,
            {
                "latency_ms": faults.latency_ms,
                "error_rate": faults.error_rate,
                "down": faults.down,
                "version": sim.version,
                "calls": dict(faults.calls),
                "contexts": list(faults.contexts),
                "languages": sorted(callkw.active_langs(sim.db)),
            },
        )


class DatabaseMissing(OdooSimError):
    name = "psycopg2.OperationalError"

    def __init__(self, name: str) -> None:
        super().__init__(f'connection to server failed: FATAL:  database "{name}" does not exist\n')


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that went away mid-answer (a worker killed, a timeout) is not the server's error: one line,
        # not a traceback that reads like a failure of the simulated Odoo.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
            sys.stderr.write(f"client {client_address[0]}:{client_address[1]} went away before its answer\n")
            return
        super().handle_error(request, client_address)


def make_server(sim: SimOdoo, host: str = "127.0.0.1", port: int = 8069) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    server = _Server((host, port), handler)
    server.daemon_threads = True
    return server
