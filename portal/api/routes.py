"""The project's one API router, which each app's routes module registers its viewsets into.

An app names its routes module from ``AppConfig.ready()`` (``routes_register("suppliers.api.urls")``);
the module has ``register(router)``, which calls ``router.register(prefix, viewset, basename)``.
``portal/api/urls.py`` builds the router when Django loads the URLconf, so views are imported
then, as any URLconf imports them, and not while the apps load.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from rest_framework.routers import SimpleRouter

from .base import TenantScopedViewSet

# Dotted paths of the apps' routes modules, in registration order (the order of INSTALLED_APPS).
_MODULES: list[str] = []


def routes_register(module: str) -> None:
    """Adds an app's routes module (a dotted path; the module has ``register(router)``)."""
    if module not in _MODULES:
        _MODULES.append(module)


class ApiRouter(SimpleRouter):
    """A router that takes only viewsets on the scoped base, so every endpoint is scoped by
    ``visible_to`` and names a scope for each action (``TenantScopedViewSet`` checks both)."""

    def register(self, prefix, viewset, basename=None):
        if not (isinstance(viewset, type) and issubclass(viewset, TenantScopedViewSet)):
            raise ImproperlyConfigured(
                f"{viewset!r} at {prefix}/ is not a TenantScopedViewSet: the API serves only scoped viewsets."
            )
        super().register(prefix, viewset, basename)


def api_router() -> ApiRouter:
    """A router holding every registered app's viewsets."""
    router = ApiRouter()
    for module in _MODULES:
        import_string(f"{module}.register")(router)
    return router
