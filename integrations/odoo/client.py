"""OdooGateway: one interface over both transports.

Every call has a timeout, is made once (retries belong to the sync engine),
logs model, method, ids count, duration and correlation id, and carries the
correlation id in the Odoo context. Rejected credentials trigger one fresh
login before the error is raised.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import httpx

from portal.context import current_correlation_id

from .config import OdooConfig
from .dialects import Dialect, dialect_for, series_of_info
from .errors import CredentialsRejected, OdooError, OdooPermanentError, OdooTransientError, classify_status
from .transport_json2 import Json2Transport
from .transport_jsonrpc import JsonRpcTransport

log = logging.getLogger("integrations.odoo")

FIELDS_TTL_SECONDS = 3600.0
# Methods that only read: they never carry the configured language (the pull's data stays as Odoo keeps it).
READS = frozenset({"search", "search_read", "search_count", "read", "fields_get", "context_get", "read_group"})
_RECORDS_REPR = re.compile(r"^[\w.]+\(([\d, ]*)\)$")


def record_ids(result: Any) -> list[int]:
    """Ids from a method that returns records, whatever the series and transport: a bare id
    (18 ``message_post``, /jsonrpc ``create`` of a dict), ``"mail.activity(26,)"`` (18
    ``activity_schedule``) or ``[26]`` (19, both transports). Anything else is a permanent error."""
    if isinstance(result, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in result):
        return list(result)
    if isinstance(result, int) and not isinstance(result, bool):
        return [result]
    match = _RECORDS_REPR.match(result) if isinstance(result, str) else None
    if not match:
        raise OdooPermanentError(f"expected records, Odoo answered {result!r}", name="portal.UnexpectedResult")
    return [int(i) for i in match.group(1).replace(" ", "").split(",") if i]


def detect_version(config: OdooConfig) -> list:
    """server_version_info from /web/webclient/version_info (every Odoo since 10 answers it)."""
    try:
        response = httpx.post(
            f"{config.base_url}/web/webclient/version_info",
            json={"jsonrpc": "2.0", "method": "call", "params": {}},
            timeout=config.timeout,
        )
    except httpx.HTTPError as exc:
        raise OdooTransientError(f"cannot reach Odoo: {exc}", name=type(exc).__name__) from exc
    if response.status_code != 200:
        raise classify_status(response.status_code, f"http.{response.status_code}", response.text[:200])
    try:
        return response.json()["result"]["server_version_info"]
    except (ValueError, KeyError, TypeError) as exc:
        # A proxy's page, a login form, another service on that port: not Odoo, or not yet.
        raise OdooTransientError(
            f"{config.base_url} answered something that is not Odoo's version: {response.text[:120]!r}",
            name="portal.NotOdoo",
        ) from exc


def detect_series(config: OdooConfig) -> int:
    """The Odoo series (18, 19, ...) the server at ``config`` runs."""
    info = detect_version(config)
    try:
        return series_of_info(info)
    except ValueError as exc:
        raise OdooPermanentError(
            f"Odoo answered a version the portal cannot read: {info!r}", name="portal.UnreadableVersion"
        ) from exc


class OdooGateway:
    def __init__(self, config: OdooConfig) -> None:
        self.config = config
        self._transport: JsonRpcTransport | Json2Transport | None = None
        self._fields: dict[str, tuple[float, dict[str, dict]]] = {}
        # Timing counters (the delivery engine logs their growth per batch): calls made, seconds waited on Odoo.
        self.calls = 0
        self.wait_s = 0.0

    # --- transport ----------------------------------------------------------------
    @property
    def transport(self) -> JsonRpcTransport | Json2Transport:
        if self._transport is None:
            choice = self.config.transport
            if choice in ("auto", "json2"):
                series = detect_series(self.config)
                if choice == "json2" and series < 19:
                    raise OdooPermanentError(
                        f"JSON-2 exists from Odoo 19 on and this server runs Odoo {series}: set the transport "
                        "to /jsonrpc (or auto).",
                        name="portal.Json2NotAvailable",
                    )
                if choice == "auto":
                    choice = "json2" if series >= 19 and self.config.api_key else "jsonrpc"
            self._transport = Json2Transport(self.config) if choice == "json2" else JsonRpcTransport(self.config)
        return self._transport

    @property
    def transport_name(self) -> str:
        return self.transport.name

    @property
    def version(self) -> str:
        return self.transport.version

    @property
    def dialect(self) -> Dialect:
        """Field names and methods of the server's Odoo series (18 or 19)."""
        version = self.version
        try:
            return dialect_for(version)
        except ValueError as exc:
            raise OdooPermanentError(
                f"Odoo answered a version the portal cannot read: {version!r}", name="portal.UnreadableVersion"
            ) from exc

    @property
    def uid(self) -> int:
        return self._guarded(lambda: self.transport.uid, "res.users", "context_get", 0)

    def _guarded(self, fn, model: str, method: str, count: int) -> Any:
        cid = current_correlation_id()
        started = time.perf_counter()
        outcome = "ok"
        try:
            try:
                return fn()
            except CredentialsRejected:
                # A session or key refused once: log in again (it may have been rotated), then give up.
                outcome = "relogin"
                self.transport.reset()
                return fn()
        except OdooError as exc:
            outcome = f"{type(exc).__name__}:{exc.name}"
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.calls += 1
            self.wait_s += elapsed
            log.info(
                "odoo call model=%s method=%s ids=%d duration_ms=%.1f transport=%s tenant=%s cid=%s outcome=%s",
                model,
                method,
                count,
                elapsed * 1000,
                self._transport.name if self._transport else self.config.transport,
                self.config.tenant_id,
                cid or "-",
                outcome,
            )

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call any model method; ``ids`` for record methods, None for @api.model ones.

        With ``config.lang`` set, every call but the reads (``READS``) names it in its context: what Odoo
        writes (a note's subtype, an activity's type, a record's name) and the errors it answers are in that
        language. Reads go without it, so what the pull stores does not change with the setting."""
        context = dict(kwargs.pop("context", None) or {})
        if cid := current_correlation_id():
            context.setdefault("portal_correlation_id", cid)
        if self.config.lang and method not in READS:
            context.setdefault("lang", self.config.lang)
        if context:
            kwargs["context"] = context
        ids = list(ids) if ids is not None else None
        return self._guarded(lambda: self.transport.execute(model, method, ids, kwargs), model, method, len(ids or []))

    # --- the usual methods ------------------------------------------------------------
    def search_read(
        self,
        model: str,
        domain: list,
        fields: list[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: dict | None = None,
    ) -> list[dict]:
        kwargs: dict[str, Any] = {"domain": domain, "fields": fields}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        if offset:
            kwargs["offset"] = offset
        return self.call(model, "search_read", None, context=context, **kwargs)

    def search(
        self, model: str, domain: list, *, order: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[int]:
        kwargs: dict[str, Any] = {"domain": domain}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        if offset:
            kwargs["offset"] = offset
        return self.call(model, "search", None, **kwargs)

    def search_count(self, model: str, domain: list) -> int:
        return self.call(model, "search_count", None, domain=domain)

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict]:
        return self.call(model, "read", ids, fields=fields)

    def create(self, model: str, values: dict | list[dict], *, context: dict | None = None) -> int | list[int]:
        """One dict creates one record (its id); a list creates many in one call (their ids).

        Always sent as a list: /jsonrpc answers a list of ids for a list (the values go positionally,
        see ``POSITIONAL_ONLY``) and JSON-2 answers one whatever it is given."""
        many = isinstance(values, list)
        ids = record_ids(self.call(model, "create", None, vals_list=values if many else [values], context=context))
        return ids if many else ids[0]

    def write(self, model: str, ids: list[int], values: dict, *, context: dict | None = None) -> bool:
        return self.call(model, "write", ids, vals=values, context=context)

    def unlink(self, model: str, ids: list[int]) -> bool:
        return self.call(model, "unlink", ids)

    def message_post(self, model: str, res_id: int, **kwargs: Any) -> int:
        """Post on a record's chatter; the message id (18 answers the id, 19 a list of one id)."""
        ids = record_ids(self.call(model, "message_post", [res_id], **kwargs))
        if len(ids) != 1:
            raise OdooPermanentError(f"message_post answered {ids!r}", name="portal.UnexpectedResult", model=model)
        return ids[0]

    def activity_schedule(self, model: str, res_id: int, **kwargs: Any) -> int | None:
        """Schedule an activity on a record; its id (18 answers ``"mail.activity(26,)"``, 19 ``[26]``)."""
        ids = record_ids(self.call(model, "activity_schedule", [res_id], **kwargs))
        return ids[0] if ids else None

    def fields_get(self, model: str, attributes: list[str] | None = None) -> dict[str, dict]:
        """Field definitions, cached per tenant for an hour (optional modules add fields)."""
        attributes = attributes or ["type", "string", "relation", "selection", "required", "readonly", "store"]
        cached = self._fields.get(model)
        if cached and time.monotonic() - cached[0] < FIELDS_TTL_SECONDS:
            return cached[1]
        fields = self.call(model, "fields_get", None, attributes=attributes)
        self._fields[model] = (time.monotonic(), fields)
        return fields

    def has_field(self, model: str, field: str) -> bool:
        return field in self.fields_get(model)


_local = threading.local()


def gateway_for(config: OdooConfig) -> OdooGateway:
    """One gateway per tenant configuration and thread (odoorpc sessions are not thread-safe), kept until
    the configuration or its generation (a new connection check) changes: only the newest is kept."""
    cache = getattr(_local, "gateways", None)
    if cache is None:
        cache = _local.gateways = {}
    key = config.cache_key
    held = cache.get(key)
    if held is None or held[0] != hash(config):
        cache[key] = (hash(config), OdooGateway(config))
    return cache[key][1]
