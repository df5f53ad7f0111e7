"""What the partner API's endpoints share: the ``Idempotency-Key`` header a POST may carry and
the answer of the endpoints that return a PDF (its schema and its renderers)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import JSONRenderer

from portal.api.base import binary_renderer

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body get the first answer again.",
)
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF document")}
PDF_RENDERERS = [JSONRenderer, binary_renderer("application/pdf")]
