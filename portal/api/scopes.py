"""The scopes a partner token may carry, registered by the apps whose endpoints require them.

The portal names none itself: each app registers its own from ``AppConfig.ready()``
(``scopes_register({"widget:read": gettext_lazy("Read widgets"), ...})``), so a new app adds its scopes
without touching the portal. The token page lists them in registration order (the order of
``INSTALLED_APPS``, then the order each app gives), and ``token_create`` accepts no other.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# scope name -> the label the token page shows for it, e.g. "widget:read" -> "Read widgets"
_SCOPES: dict[str, str] = {}


def scopes_register(scopes: dict[str, str]) -> None:
    """Adds an app's scopes (name -> label). Registering the same name again with the same label
    is harmless; with another label it is a clash between two apps and raises ImproperlyConfigured."""
    for name, label in scopes.items():
        if _SCOPES.get(name, label) != label:
            raise ImproperlyConfigured(
                f"The API scope {name} is registered twice, as {str(_SCOPES[name])!r} and {str(label)!r}."
            )
        _SCOPES[name] = label


def api_scopes() -> dict[str, str]:
    """Every registered scope, name -> label, in registration order (a copy: callers cannot change it).
    The labels are read in the active language (apps register them with ``gettext_lazy``)."""
    return {name: str(label) for name, label in _SCOPES.items()}


def scope_known(name: str) -> bool:
    return name in _SCOPES
