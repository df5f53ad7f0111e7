"""OpenAPI pieces every endpoint shares: the problem-details error responses."""

from __future__ import annotations

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
