"""OpenAPI pieces every endpoint shares: the problem-details error responses, and the names the
apps give their enums in the schema."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ProblemSerializer = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(allow_null=True),
        "correlation_id": serializers.CharField(),
        "errors": inline_serializer(
            "FieldError",
            {"field": serializers.CharField(), "message": serializers.CharField()},
            many=True,
            required=False,
        ),
    },
)


def problems(*codes: int) -> dict:
    return {
        (code, "application/problem+json"): OpenApiResponse(ProblemSerializer, description="Problem details (RFC 9457)")
        for code in (400, 401, 403, 404, 429, *codes)
    }


def enum_names_register(names: dict[str, str]) -> None:
    """Names an app's enums in the schema (component name -> dotted path of the choices), as
    drf-spectacular's ``ENUM_NAME_OVERRIDES`` does; called from the app's ``ready()``, before any
    schema is generated. The settings keep that dict empty so that the portal names no app's enum.
    The same name for another path is a clash between two apps and raises ImproperlyConfigured."""
    overrides = spectacular_settings.ENUM_NAME_OVERRIDES  # the settings' own dict, which drf-spectacular reads
    for name, path in names.items():
        if overrides.get(name, path) != path:
            raise ImproperlyConfigured(f"The schema enum {name} is registered twice, as {overrides[name]} and {path}.")
        overrides[name] = path
