"""Transport B: Odoo 19's JSON-2 API (POST /json/2/<model>/<method>, bearer API key)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from .config import OdooConfig
from .errors import OdooPermanentError, OdooTransientError, classify_status

USER_AGENT = "supplier-quality-portal (+json2)"
_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)


class Json2Transport:
    name = "json2"

    def __init__(self, config: OdooConfig) -> None:
        if not config.api_key:
            raise OdooPermanentError("JSON-2 needs an API key for the integration user", name="config")
        self.config = config
        self._client: httpx.Client | None = None
        self._uid: int | None = None
        self._version: str | None = None

    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"Authorization": f"bearer {self.config.api_key}", "User-Agent": USER_AGENT}
            if self.config.database:
                headers["X-Odoo-Database"] = self.config.database
            self._client = httpx.Client(base_url=self.config.base_url, headers=headers, timeout=self.config.timeout)
        return self._client

    def reset(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._uid = None

    @property
    def version(self) -> str:
        if self._version is None:
            try:
                response = self.client().get("/web/version")
            except httpx.HTTPError as exc:
                raise OdooTransientError(f"cannot reach Odoo: {exc}", name=type(exc).__name__) from exc
            if response.status_code == 404:  # before 19 there is no /web/version: ask what every Odoo answers
                from .client import detect_version

                info = detect_version(self.config)
                self._version = ".".join(str(part) for part in info[:2])
                return self._version
            if response.status_code != 200:
                raise classify_status(response.status_code, f"http.{response.status_code}", response.text[:200])
            try:
                self._version = str(response.json()["version"])
            except (ValueError, KeyError, TypeError) as exc:
                raise OdooTransientError(
                    f"Odoo answered something that is not its version: {response.text[:120]!r}", name="portal.NotOdoo"
                ) from exc
        return self._version

    @property
    def uid(self) -> int:
        if self._uid is None:
            self._uid = int(self.execute("res.users", "context_get", None, {})["uid"])
        return self._uid

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        body = dict(kwargs)
        if ids is not None:
            body["ids"] = ids
        try:
            response = self.client().post(f"/json/2/{model}/{method}", json=body)
        except httpx.TimeoutException as exc:
            raise OdooTransientError(
                f"Odoo did not answer in {self.config.timeout:g} s", name="Timeout", model=model, method=method
            ) from exc
        except httpx.TransportError as exc:
            raise OdooTransientError(
                f"cannot reach Odoo: {exc}", name=type(exc).__name__, model=model, method=method
            ) from exc
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as exc:  # a proxy's page with 200: Odoo did not answer this call
                raise OdooTransientError(
                    f"Odoo answered something that is not JSON: {response.text[:120]!r}",
                    name="JSONDecodeError",
                    model=model,
                    method=method,
                ) from exc
        name, message = _error_of(response)
        raise classify_status(response.status_code, name, message, model=model, method=method)


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        # Odoo answers some refusals as HTML (an unknown X-Odoo-Database: 404; a wrong Content-Type: 415):
        # keep their words, not their markup.
        text = " ".join(_TAGS.sub(" ", response.text).split())
        return f"http.{response.status_code}", text[:300] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("name") or f"http.{response.status_code}"), str(body.get("message") or body)
    return f"http.{response.status_code}", str(body)
