"""Transport A: the odoorpc package over /jsonrpc (Odoo 16 to 21)."""

from __future__ import annotations

import http.client
import json
import urllib.error
from typing import Any

import odoorpc
import odoorpc.error

from .config import OdooConfig
from .errors import OdooError, OdooPermanentError, OdooTransientError, classify

# Arguments Odoo's call_kw binds by position only: ``create`` is read from ``args[0]``; given as the
# keyword ``vals_list`` it fails with IndexError on 18 and 19 alike (the ORM create has already
# run, the transaction is rolled back) — reference transcripts call_kw_argument_binding.json.
POSITIONAL_ONLY = {"create": ("vals_list",)}


class JsonRpcTransport:
    name = "jsonrpc"

    def __init__(self, config: OdooConfig) -> None:
        self.config = config
        self._odoo: odoorpc.ODOO | None = None

    def connect(self) -> odoorpc.ODOO:
        if self._odoo is None:
            odoo = self._guard(
                lambda: odoorpc.ODOO(
                    self.config.host,
                    protocol="jsonrpc+ssl" if self.config.secure else "jsonrpc",
                    port=self.config.port,
                    timeout=self.config.timeout,
                ),
                "common",
                "version_info",
            )
            secret = self.config.password or self.config.api_key
            self._guard(lambda: odoo.login(self.config.database, self.config.login, secret), "common", "login")
            self._odoo = odoo
        return self._odoo

    def reset(self) -> None:
        self._odoo = None

    @property
    def version(self) -> str:
        return self.connect().version

    @property
    def uid(self) -> int:
        return self.connect().env.uid

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        odoo = self.connect()
        args: list[Any] = [] if ids is None else [ids]
        kwargs = dict(kwargs)
        for name in POSITIONAL_ONLY.get(method, ()):
            if name not in kwargs:
                raise TypeError(f"{model}.{method} needs {name}")
            args.append(kwargs.pop(name))
        return self._guard(lambda: odoo.execute_kw(model, method, args, kwargs), model, method)

    def _guard(self, fn, model: str, method: str) -> Any:
        try:
            return fn()
        except odoorpc.error.RPCError as exc:
            info = exc.info if isinstance(exc.info, dict) else {}
            data = info.get("data") or {}
            if not info:  # odoorpc's own "Wrong login ID or password"
                raise classify("odoo.exceptions.AccessDenied", str(exc), model=model, method=method) from exc
            if info.get("code") == 100:
                raise OdooTransientError(
                    data.get("message", str(exc)), name=data.get("name", ""), model=model, method=method
                ) from exc
            raise classify(
                data.get("name", ""), data.get("message") or info.get("message") or str(exc), model=model, method=method
            ) from exc
        except urllib.error.HTTPError as exc:
            cls = OdooTransientError if exc.code in (408, 429) or exc.code >= 500 else OdooPermanentError
            raise cls(
                f"HTTP {exc.code} {exc.reason}", name=f"http.{exc.code}", status=exc.code, model=model, method=method
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise OdooTransientError(
                f"cannot reach Odoo: {reason}", name=type(reason).__name__, model=model, method=method
            ) from exc
        except json.JSONDecodeError as exc:
            raise OdooTransientError(
                f"Odoo answered something that is not JSON: {exc}", name="JSONDecodeError", model=model, method=method
            ) from exc
        except OdooError:
            raise
