"""How to reach one tenant's Odoo."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class OdooConfig:
    url: str
    database: str
    login: str
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)
    transport: str = "auto"  # auto | jsonrpc | json2
    timeout: float = 30.0
    tenant_id: int | None = None
    generation: str = ""  # changes when a connection check ran: gateways cached under the old one are dropped
    lang: str = ""  # Odoo's code of the language its answers and writes are in (Tenant.odoo_lang); "": Odoo's own

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "localhost"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def secure(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    @property
    def cache_key(self) -> str:
        return f"{self.tenant_id or 0}:{self.base_url}:{self.database}:{self.login}:{self.transport}"
