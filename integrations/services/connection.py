"""A tenant's Odoo connection: configure it, check it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.odoo import OdooError, OdooGateway, OdooPermanentError, OdooTransientError
from integrations.odoo.client import gateway_for
from integrations.odoo.dialects import SUPPORTED, series_of
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record
from portal.services.errors import NotInScope

REQUIRED_MODULES = ("purchase", "stock", "purchase_stock")
OPTIONAL_MODULES = ("delivery",)


def tenant_odoo_configure(
    *,
    actor: Membership,
    url: str,
    database: str,
    login: str,
    password: str | None,
    api_key: str | None,
    transport: str,
    timeout_seconds: int,
) -> Tenant:
    """Save the connection (a blank secret keeps the stored one) and queue a check."""
    if actor.role != Role.TENANT_ADMIN:
        raise NotInScope()
    from integrations.tasks import odoo_connection_check_task

    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
        before = {
            "odoo_url": tenant.odoo_url,
            "odoo_database": tenant.odoo_database,
            "odoo_login": tenant.odoo_login,
            "odoo_transport": tenant.odoo_transport,
            "odoo_timeout_seconds": tenant.odoo_timeout_seconds,
        }
        tenant.odoo_url, tenant.odoo_database, tenant.odoo_login = url.rstrip("/"), database, login
        tenant.odoo_transport, tenant.odoo_timeout_seconds = transport, timeout_seconds
        changes = {k: [v, getattr(tenant, k)] for k, v in before.items() if getattr(tenant, k) != v}
        # Secrets are audited as "changed", never with their value.
        if password:
            tenant.odoo_password = password
            changes["odoo_password"] = ["***", "*** (changed)"]
        if api_key:
            tenant.odoo_api_key = api_key
            changes["odoo_api_key"] = ["***", "*** (changed)"]
        tenant.odoo_check_requested_at = timezone.now()
        tenant.save()
        audit_record(tenant=tenant, actor=actor.user, action="tenant.odoo_configured", obj=tenant, changes=changes)
        transaction.on_commit(lambda: odoo_connection_check_task.delay(tenant.pk))
    return tenant


def tenant_odoo_check_request(*, actor: Membership) -> Tenant:
    """Queue a connection check (it runs in a worker, never in the web request)."""
    if actor.role != Role.TENANT_ADMIN:
        raise NotInScope()
    from integrations.tasks import odoo_connection_check_task

    Tenant.objects.filter(pk=actor.tenant_id).update(odoo_check_requested_at=timezone.now())
    transaction.on_commit(lambda: odoo_connection_check_task.delay(actor.tenant_id))
    return Tenant.objects.get(pk=actor.tenant_id)


def odoo_connection_check(*, tenant: Tenant, gateway: OdooGateway | None = None) -> dict[str, Any]:
    """Version, database, user, modules and reception steps of the tenant's Odoo, with what is wrong."""
    result: dict[str, Any] = {"ok": False, "checked_at": timezone.now().isoformat(), "warnings": [], "error": None}
    if not tenant.odoo_configured:
        result["error"] = {
            "kind": "config",
            "name": "",
            "message": "Set the Odoo URL, database, login and a password or API key.",
        }
    else:
        gw = gateway or gateway_for(tenant.odoo_config())
        try:
            result.update(_probe(gw))
            result["ok"] = not any(w["blocking"] for w in result["warnings"])
        except OdooError as exc:
            result["error"] = {
                "kind": "transient" if isinstance(exc, OdooTransientError) else "permanent",
                "name": exc.name,
                "message": exc.message,
            }
    Tenant.objects.filter(pk=tenant.pk).update(odoo_check=result)
    tenant.odoo_check = result
    return result


def _probe(gw: OdooGateway) -> dict[str, Any]:
    warnings: list[dict[str, Any]] = []
    version = gw.version
    uid = gw.uid
    user = gw.read("res.users", [uid], ["name", "login", "email"])[0]
    if not user.get("email"):
        warnings.append(
            {
                "blocking": True,
                "message": (
                    f"The integration user {user['login']} has no email address: Odoo refuses to validate receipts "
                    "and post messages for it. Give it one in Odoo."
                ),
            }
        )
    modules = {
        m["name"]: m["state"]
        for m in gw.search_read(
            "ir.module.module", [["name", "in", [*REQUIRED_MODULES, *OPTIONAL_MODULES]]], ["name", "state"]
        )
    }
    installed = {name: modules.get(name) == "installed" for name in (*REQUIRED_MODULES, *OPTIONAL_MODULES)}
    for name in REQUIRED_MODULES:
        if not installed[name]:
            warnings.append({"blocking": True, "message": f"The Odoo app '{name}' is not installed."})
    warehouses = gw.search_read("stock.warehouse", [], ["name", "code", "reception_steps"], order="id")
    steps = {"one_step": 1, "two_steps": 2, "three_steps": 3}
    for warehouse in warehouses:
        if warehouse["reception_steps"] == "one_step":
            warnings.append(
                {
                    "blocking": False,
                    "message": (
                        f"Warehouse {warehouse['code']} receives in one step: goods go straight to stock, so quality "
                        "holds can only be applied after the fact. Two or three steps keep them in Input/QC."
                    ),
                }
            )
    series = series_of(version)
    if series not in SUPPORTED:
        warnings.append(
            {
                "blocking": False,
                "message": f"Odoo {series} is not a supported version (supported: "
                + ", ".join(str(v) for v in SUPPORTED)
                + "); the portal works with it as with the nearest one as far as the checks below prove.",
            }
        )
    missing = capabilities_missing(gw)
    if missing:
        warnings.append(
            {
                "blocking": True,
                "message": f"Odoo {version} lacks what the portal uses, or the integration user may not use it "
                f"({len(missing)} problem{'s' if len(missing) != 1 else ''}); the portal cannot sync until they are "
                "fixed.",
                "items": missing,
            }
        )
    return {
        "version": version,
        "series": series,
        "missing": missing,
        "transport": gw.transport_name,
        "database": gw.config.database,
        "user": {"id": uid, "name": user["name"], "login": user["login"], "email": user.get("email") or ""},
        "modules": installed,
        "warehouses": [
            {"code": w["code"], "name": w["name"], "reception_steps": steps.get(w["reception_steps"], 0)}
            for w in warehouses
        ],
        "tracking_reference_field": gw.has_field("stock.picking", "carrier_tracking_ref"),
        "warnings": warnings,
    }


def capabilities_missing(gw: OdooGateway) -> list[str]:
    """Every model, field and method the portal uses on this server's series (``gw.dialect``), proved
    on the server: the field exists with the expected type and relation (``fields_get``), the
    integration user may read the model (a one-row search), and each method the portal calls exists
    (called on an empty recordset, where it changes nothing: Odoo answers AttributeError over
    /jsonrpc, 404 over JSON-2, when there is no such method). Answers what is wrong, one line each."""
    dialect = gw.dialect
    problems: list[str] = []
    for model, expected in dialect.field_types.items():
        try:
            fields = gw.fields_get(model, ["type", "relation"])
            gw.search(model, [], limit=1)
        except OdooTransientError:
            raise
        except OdooPermanentError as exc:
            problems.append(f"{model}: {exc.name or 'error'}: {exc.message.splitlines()[0][:200]}")
            continue
        absent = [name for name in expected if name not in fields]
        if absent:
            problems.append(f"{model} has no field " + ", ".join(absent))
        for name, wanted in expected.items():
            if name in fields:
                actual = fields[name].get("type", "") + (
                    f":{fields[name]['relation']}" if fields[name].get("relation") else ""
                )
                if actual != wanted:
                    problems.append(f"{model}.{name} is {actual}, the portal expects {wanted}")
    for model, methods in dialect.methods.items():
        for method in methods:
            try:
                gw.call(model, method, [])
            except OdooTransientError:
                raise
            except OdooPermanentError as exc:
                if _no_such_method(exc):
                    problems.append(f"{model} has no method {method}")
    return problems


def _no_such_method(exc: OdooPermanentError) -> bool:
    if exc.name == "builtins.AttributeError":  # /jsonrpc: "The method 'x' does not exist on the model 'y'"
        return True
    if exc.status in (403, 404) and "method" in exc.message.lower():  # JSON-2: unknown (404) or private (403)
        return True
    return exc.name == "odoo.exceptions.AccessError" and "cannot be called remotely" in exc.message
