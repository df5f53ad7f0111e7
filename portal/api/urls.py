"""The partner API's root (``/api/v1/``): every app's viewsets, then the schema and its docs.

Each app adds its viewsets through ``portal.api.routes`` (``routes_register`` from its ``ready()``);
nothing here names an app's endpoint.
"""

from django.urls import include, path, re_path
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .errors import missing_slash
from .routes import api_router

router = api_router()


class SchemaView(SpectacularAPIView):
    """The OpenAPI document in English whatever the request's language: one document for every
    client, whose enums (labels included) are the values the API answers."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            # Rendered here: lazy texts (field labels, help) are read in English, not later in the middleware's.
            return response.render() if hasattr(response, "render") else response


urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: a URL without its trailing slash answers 308 to the one with it (not Django's 301).
    re_path(r"^(?P<rest>.*[^/])$", missing_slash),
]
