"""The simulated Odoo's HTTP front: /jsonrpc as odoorpc uses it, and JSON-2.

Fault knobs (latency, error rate, down, key revocation) and test helpers are
set through ``POST /sim/control``, which answers only on loopback.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import models  # noqa: F401  (registers the models)
from .db import Database
from .errors import AccessDenied, OdooSimError, PyNameError
from .orm import Env, Records, public_method

log = logging.getLogger("odoo_sim")

SERVER_VERSIONS = {
    "18.0": {
        "server_version": "18.0+e-20241005",
        "server_version_info": [18, 0, 0, "final", 0, ""],
        "server_serie": "18.0",
        "protocol_version": 1,
    },
    "19.0": {
        "server_version": "19.0",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
        "protocol_version": 1,
    },
}


class Faults:
    def __init__(self) -> None:
        self.latency_ms = 0.0
        self.error_rate = 0.0
        self.down = False
        self.calls: Counter[str] = Counter()
        self.contexts: deque[dict] = deque(maxlen=50)  # what callers sent as context, newest last
        self.lock = threading.Lock()

    def count(self, key: str) -> None:
        with self.lock:
            self.calls[key] += 1


class SimOdoo:
    """The server's state: database, version, users' keys and fault knobs."""

    def __init__(self, db: Database, *, version: str = "18.0", database_name: str = "sim") -> None:
        self.db = db
        self.version = version
        self.database_name = database_name
        self.faults = Faults()

    @property
    def json2_enabled(self) -> bool:
        return float(self.version) >= 19

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
        user = self.db.get("res.users", uid)
        if not user or not self._password_ok(user, password):
            raise AccessDenied()

    def uid_for_key(self, key: str) -> int | None:
        entry = self.db.meta.get("api_keys", {}).get(key)
        return entry["uid"] if entry and not entry.get("revoked") else None

    # --- calls ----------------------------------------------------------------
    def call(self, uid: int, model: str, method: str, args: list, kwargs: dict, *, json2: bool = False) -> Any:
        """Run one model method in its own transaction, as Odoo does per request."""
        self.faults.count(f"{model}.{method}")
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None) or {}
        self.faults.contexts.append({"model": model, "method": method, **context})
        with self.db.transaction():
            env = Env(self.db, uid, context)
            target = env[model]
            fn, kind = public_method(target, method)
            if json2:
                ids = kwargs.pop("ids", None)
                if kind == "model" and ids:
                    raise Json2Error(
                        422, "werkzeug.exceptions.UnprocessableEntity", f"cannot call {model}.{method} with ids"
                    )
                call_args = [ids or []] if kind == "records" else []
                try:
                    inspect.signature(fn).bind(*call_args, **kwargs)
                except TypeError as exc:
                    raise Json2Error(422, "werkzeug.exceptions.UnprocessableEntity", str(exc)) from exc
                return fn(*call_args, **kwargs)
            try:
                inspect.signature(fn).bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeErrorWire(f"{model}.{method}() {exc}") from exc
            return fn(*args, **kwargs)


class Json2Error(Exception):
    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status, self.name, self.message = status, name, message


class TypeErrorWire(OdooSimError):
    name = "builtins.TypeError"


def _error_body(name: str, message: str, code: int = 200, label: str = "Odoo Server Error") -> dict:
    return {
        "code": code,
        "message": label,
        "data": {
            "name": name,
            "message": message,
            "arguments": [message],
            "context": {},
            "debug": f"Traceback (most recent call last):\n  (simulated Odoo)\n{name}: {message}\n",
        },
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
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any, *, cookie: bool = False, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
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

    # --- routes -------------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path == "/web/version" and self.sim.json2_enabled:
            if self._faults():
                return
            info = SERVER_VERSIONS[self.sim.version]
            return self._send(200, {"version_info": info["server_version_info"], "version": self.sim.version})
        if self.path.startswith("/json/2/"):
            return self._send(
                405, {"name": "werkzeug.exceptions.MethodNotAllowed", "message": "405 Method Not Allowed"}
            )
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
        match = re.fullmatch(r"/json/2/([\w.]+)/(\w+)", self.path)
        if match and self.sim.json2_enabled:
            return self._json2(match.group(1), match.group(2))
        self._send(404, {"error": "not found"})

    def _jsonrpc_envelope(self, handler, *, cookie: bool = False) -> None:
        raw = self._body()
        try:
            request = json.loads(raw or b"{}")
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            return self._send(
                200,
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": _error_body(
                        "werkzeug.exceptions.BadRequest",
                        "400 Bad Request: Invalid JSON data",
                        code=400,
                        label="400: Bad Request",
                    ),
                },
            )
        rid = request.get("id")
        try:
            result = handler(request.get("params") or {})
        except OdooSimError as exc:
            return self._send(200, {"jsonrpc": "2.0", "id": rid, "error": _error_body(exc.name, exc.message)})
        except Exception as exc:  # an Odoo server answers any bug as a server error, not a dropped socket
            log.exception("simulated Odoo failed")
            return self._send(
                200, {"jsonrpc": "2.0", "id": rid, "error": _error_body(f"builtins.{type(exc).__name__}", str(exc))}
            )
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if result is not None:  # a method returning None answers without "result" (flow 2)
            envelope["result"] = str(result) if isinstance(result, Records) else result
        self._send(200, envelope, cookie=cookie)

    def _jsonrpc(self, params: dict) -> Any:
        service, method, args = params.get("service"), params.get("method"), list(params.get("args") or [])
        sim = self.sim
        if service == "common":
            if method == "version":
                return SERVER_VERSIONS[sim.version]
            if method in ("login", "authenticate"):
                self._check_db(args[0])
                return sim.login(args[1], args[2])
            raise PyNameError(f"Method not available {method}")
        if service == "object":
            if method not in ("execute", "execute_kw"):
                raise PyNameError(f"Method not available {method}")
            db_name, uid, password, model, model_method = args[:5]
            self._check_db(db_name)
            sim.check_uid(uid, password)
            if method == "execute":
                return sim.call(uid, model, model_method, args[5:], {})
            call_args = args[5] if len(args) > 5 else []
            call_kwargs = args[6] if len(args) > 6 else {}
            return sim.call(uid, model, model_method, list(call_args), dict(call_kwargs))
        raise PyNameError(f"Service {service} not available")

    def _check_db(self, name: str) -> None:
        if name != self.sim.database_name:
            raise DatabaseMissing(name)

    def _json2(self, model: str, method: str) -> None:
        sim = self.sim
        auth = self.headers.get("Authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        uid = sim.uid_for_key(key)
        if uid is None:
            return self._send(
                401,
                {
                    "name": "werkzeug.exceptions.Unauthorized",
                    "message": "Invalid apikey",
                    "arguments": ["Invalid apikey", 401],
                    "context": {},
                    "debug": "",
                },
            )
        database = self.headers.get("X-Odoo-Database")
        if database and database != sim.database_name:
            return self._send(
                404,
                {
                    "name": "werkzeug.exceptions.NotFound",
                    "message": f"database {database!r} not found",
                    "arguments": [],
                    "context": {},
                    "debug": "",
                },
            )
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            return self._send(
                415,
                {
                    "name": "werkzeug.exceptions.UnsupportedMediaType",
                    "message": "Content-Type must be application/json",
                    "arguments": [],
                    "context": {},
                    "debug": "",
                },
            )
        try:
            body = json.loads(self._body() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            return self._send(
                400,
                {
                    "name": "werkzeug.exceptions.BadRequest",
                    "message": f"400 Bad Request: {exc}",
                    "arguments": [],
                    "context": {},
                    "debug": "",
                },
            )
        try:
            result = sim.call(uid, model, method, [], body, json2=True)
        except Json2Error as exc:
            return self._send(
                exc.status,
                {"name": exc.name, "message": exc.message, "arguments": [exc.message], "context": {}, "debug": ""},
            )
        except OdooSimError as exc:
            status = exc.json2_status
            return self._send(
                status,
                {
                    "name": exc.name,
                    "message": exc.message,
                    "arguments": [exc.message, status],
                    "context": {},
                    "debug": "",
                },
            )
        except Exception as exc:
            log.exception("simulated Odoo failed")
            return self._send(
                500,
                {
                    "name": f"builtins.{type(exc).__name__}",
                    "message": str(exc),
                    "arguments": [str(exc)],
                    "context": {},
                    "debug": "",
                },
            )
        if isinstance(result, Records):
            result = result.ids
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
            faults.calls.clear()
            sim.db.reset()
            seed.seed(
                sim.db,
                demo=command.get("demo", True),
                scale=int(command.get("scale", 0)),
                reception_steps=command.get("reception_steps", "three_steps"),
                modules=command.get("modules", []),
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
        elif action == "stats":
            pass
        elif action == "clear_stats":
            faults.calls.clear()
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
            },
        )


class DatabaseMissing(OdooSimError):
    name = "psycopg2.OperationalError"

    def __init__(self, name: str) -> None:
        super().__init__(f'connection to server failed: FATAL:  database "{name}" does not exist\n')


def make_server(sim: SimOdoo, host: str = "127.0.0.1", port: int = 8069) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
