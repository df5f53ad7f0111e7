"""A tenant's Odoo connection: configure it, check it."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.odoo import OdooConfig, OdooError, OdooGateway, OdooPermanentError, OdooTransientError
from integrations.odoo.dialects import SUPPORTED, series_of
from integrations.odoo.errors import CredentialsRejected, LanguageRejected
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record
from portal.services.errors import NotInScope

log = logging.getLogger("integrations.connection")
REQUIRED_MODULES = ("purchase", "stock", "purchase_stock")
OPTIONAL_MODULES = ("delivery",)


def odoo_config_of(tenant: Tenant) -> OdooConfig:
    """The tenant's ``OdooConfig`` with its Odoo language code (``Tenant.odoo_lang``, "" = none sent)."""
    config = tenant.odoo_config()
    lang = (getattr(tenant, "odoo_lang", "") or "").strip()
    return config if config.lang == lang else replace(config, lang=lang)


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


def tenant_languages_set(*, actor: Membership, language: str, document_language: str, odoo_lang: str) -> Tenant:
    """Save the tenant's languages (audited). A new Odoo language code queues a connection check: Odoo
    refuses every call that names a language it has not activated, and the check says so."""
    if actor.role != Role.TENANT_ADMIN:
        raise NotInScope()
    from integrations.tasks import odoo_connection_check_task

    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
        wanted = {"language": language, "document_language": document_language, "odoo_lang": odoo_lang.strip()}
        changes = {k: [getattr(tenant, k), v] for k, v in wanted.items() if getattr(tenant, k) != v}
        if not changes:
            return tenant
        for name, (_before, after) in changes.items():
            setattr(tenant, name, after)
        check = "odoo_lang" in changes and tenant.odoo_configured
        if check:
            tenant.odoo_check_requested_at = timezone.now()
        tenant.save()
        audit_record(tenant=tenant, actor=actor.user, action="tenant.languages_set", obj=tenant, changes=changes)
        if check:
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
            **said(gettext_noop("Set the Odoo URL, database, login and a password or API key.")),
        }
    else:
        # A fresh gateway: a check must see the server as it is now (upgraded, a module installed).
        gw = gateway or OdooGateway(odoo_config_of(tenant))
        try:
            result.update(_probe(gw))
            result["ok"] = not any(w["blocking"] for w in result["warnings"])
        except LanguageRejected as exc:
            result["error"] = {"kind": "config", "name": exc.name, **language_refused(gw.config.lang)}
        except OdooError as exc:
            result["error"] = {
                "kind": "credentials"
                if isinstance(exc, CredentialsRejected)
                else "transient"
                if isinstance(exc, OdooTransientError)
                else "permanent",
                "name": exc.name,
                "message": exc.message,
            }
        except Exception as exc:  # a bug must not leave the page saying "checking" forever
            log.exception("connection check of tenant %s failed", tenant.slug)
            result["error"] = {"kind": "permanent", "name": type(exc).__name__, "message": str(exc)[:500]}
    Tenant.objects.filter(pk=tenant.pk).update(odoo_check=result)
    tenant.odoo_check = result
    if not tenant.odoo_sync_paused:
        from integrations.services.delivery import release_held

        release_held(tenant.pk)  # what waited for a passing check goes now
    return result


def _probe(gw: OdooGateway) -> dict[str, Any]:
    """Read what the portal needs to know of the server; each part that fails is named, none hides the rest."""
    warnings: list[dict[str, Any]] = []
    version = gw.version
    series = gw.dialect.series  # an unreadable version is a permanent error: the check says so
    uid = gw.uid
    _probe_lang(gw, uid)
    missing = capabilities_missing(gw)
    warnings.extend(_version_warnings(version, missing))
    user = _probe_user(gw, uid, series, warnings)
    installed = _probe_modules(gw, warnings)
    warehouses = _probe_warehouses(gw, warnings)
    steps = {"one_step": 1, "two_steps": 2, "three_steps": 3}
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
        "tracking_reference_field": bool(
            _guarded([], "receipts", lambda: gw.has_field("stock.picking", "carrier_tracking_ref"))
        ),
        "warnings": warnings,
    }


def _version_warnings(version: str, missing: list) -> list[dict[str, Any]]:
    """What the server lacks (blocking) and an unsupported series (not blocking), as warnings."""
    warnings: list[dict[str, Any]] = []
    if missing:
        text = (
            gettext_noop(
                "Odoo %(version)s lacks what the portal uses, or the integration user may not use it "
                "(%(count)d problem); the portal does not sync until it is fixed."
            )
            if len(missing) == 1
            else gettext_noop(
                "Odoo %(version)s lacks what the portal uses, or the integration user may not use it "
                "(%(count)d problems); the portal does not sync until they are fixed."
            )
        )
        warnings.append({"blocking": True, **said(text, version=version, count=len(missing)), "details": missing})
    if series_of(version) not in SUPPORTED:
        text = gettext_noop(
            "Odoo %(series)s is not a supported version (supported: %(supported)s); the portal works with it "
            "as with the nearest one as far as the checks prove."
        )
        supported = ", ".join(str(v) for v in SUPPORTED)
        warnings.append({"blocking": False, **said(text, series=series_of(version), supported=supported)})
    return warnings


def _probe_user(gw: OdooGateway, uid: int, series: int, warnings: list[dict[str, Any]]) -> dict[str, Any]:
    """The integration user's name, login and email (placeholders if unreadable); warns when Odoo
    needs an email it lacks."""
    user = _guarded(
        warnings, gettext_noop("the integration user"), lambda: gw.read("res.users", [uid], ["name", "login", "email"])
    )
    user = (user or [{"name": "?", "login": gw.config.login, "email": ""}])[0]
    if not user.get("email") and series < 19:
        # Odoo 18 refuses to validate receipts and post messages for a user without one (reference flow 3);
        # 19 posts them with no sender address (odoo19/flows/03, section 6).
        text = gettext_noop(
            "The integration user %(login)s has no email address: Odoo %(series)s refuses to validate "
            "receipts and post messages for it. Give it one in Odoo."
        )
        warnings.append({"blocking": True, **said(text, login=user["login"], series=series)})
    return user


def _probe_modules(gw: OdooGateway, warnings: list[dict[str, Any]]) -> dict[str, bool]:
    """``{module: installed}`` for the required and optional Odoo apps; a missing required one is blocking."""
    rows = _guarded(
        warnings,
        gettext_noop("the installed apps"),
        lambda: gw.search_read(
            "ir.module.module", [["name", "in", [*REQUIRED_MODULES, *OPTIONAL_MODULES]]], ["name", "state"]
        ),
    )
    modules = {m["name"]: m["state"] for m in rows or []}
    installed = {name: modules.get(name) == "installed" for name in (*REQUIRED_MODULES, *OPTIONAL_MODULES)}
    for name in REQUIRED_MODULES:
        if rows is not None and not installed[name]:
            warnings.append(
                {"blocking": True, **said(gettext_noop("The Odoo app '%(name)s' is not installed."), name=name)}
            )
    return installed


def _probe_warehouses(gw: OdooGateway, warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The warehouses (name, code, reception_steps), none if unreadable; one-step reception is a warning."""
    warehouses = (
        _guarded(
            warnings,
            gettext_noop("the warehouses"),
            lambda: gw.search_read("stock.warehouse", [], ["name", "code", "reception_steps"], order="id"),
        )
        or []
    )
    for warehouse in warehouses:
        if warehouse["reception_steps"] == "one_step":
            text = gettext_noop(
                "Warehouse %(code)s receives in one step: goods go straight to stock, so quality holds can only "
                "be applied after the fact. Two or three steps keep them in Input/QC."
            )
            warnings.append({"blocking": False, **said(text, code=warehouse["code"])})
    return warehouses


def said(text: str, **params: Any) -> dict[str, Any]:
    """A check's message: ``message`` in English (logs, ``Tenant.odoo_sync_paused``), and its untranslated
    ``text`` with ``params``, which the pages translate for whoever reads them (``integrations_l10n``)."""
    return {"message": text % params, "text": text, "params": params}


def language_refused(lang: str) -> dict[str, Any]:
    """The check's error for an Odoo language code Odoo does not accept (not active there, or unknown)."""
    text = gettext_noop(
        "Odoo refuses the language code %(lang)s: it is not active there (or no such language exists). "
        "Activate it in Odoo (Settings, Languages), or change the Odoo language code in the Language section "
        "below; until then the portal does not sync."
    )
    return said(text, lang=lang)


def _probe_lang(gw: OdooGateway, uid: int) -> None:
    """With an Odoo language code set, one read that names it: Odoo refuses every call whose context names a
    language it has not activated (odoo19/transcripts/context_lang_tz.json), so the check says so first."""
    if gw.config.lang:
        gw.call("res.users", "read", [uid], fields=["name"], context={"lang": gw.config.lang})


def _guarded(warnings: list[dict[str, Any]], what: str, read):
    """One read of the check: a refusal becomes a blocking warning (the others still run); Odoo being
    unreachable stops the check."""
    try:
        return read()
    except OdooTransientError:
        raise
    except OdooPermanentError as exc:
        text = gettext_noop("Cannot read %(what)s: %(name)s: %(message)s")
        first = exc.message.splitlines()[0][:200] if exc.message else ""
        warnings.append({"blocking": True, **said(text, what=what, name=exc.name, message=first)})
        return None


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
