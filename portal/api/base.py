"""What every API view shares: bounded request bodies, inputs that name what they read, scoped
OPTIONS, and problem details whatever the client asked to receive.

A mixin for DRF views (``class FooViewSet(ApiViewMixin, viewsets.GenericViewSet)``); it applies
no queryset scope itself, the views do (``visible_to``).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from .metadata import ScopedMetadata
from .problems import PayloadTooLarge

# What a JSON or form body may weigh besides an uploaded file; Django's own limit on a body it reads.
DEFAULT_BODY_BYTES = 2_621_440


def body_limit(upload_bytes: int = 0) -> int:
    """Bytes a request may send: the file an action takes (if any) plus a form's worth."""
    return upload_bytes + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_BODY_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def binary_renderer(media_type: str) -> type[BaseRenderer]:
    """Lets ``Accept: <media_type>`` through negotiation on an action that answers such files
    itself (PDFs, certificates); without it DRF would refuse the request with 406."""

    class FileRenderer(BaseRenderer):
        charset = None
        render_style = "binary"

        def render(self, data, accepted_media_type=None, renderer_context=None):
            return data

    FileRenderer.media_type = media_type
    FileRenderer.format = media_type.rsplit("/", 1)[-1]
    return FileRenderer


class ApiViewMixin:
    metadata_class = ScopedMetadata
    # The serializer each writing action reads its body with (OPTIONS describes these).
    input_serializers: dict[str, type] = {}
    # Bytes of the file an action takes; every other action takes a JSON or form body only.
    upload_limits: dict[str, int] = {}

    def initial(self, request, *args, **kwargs):
        # Before authentication and parsing: an oversized body costs nothing but this comparison.
        # (Django reads at most CONTENT_LENGTH bytes, and nothing when it is missing.)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(self.upload_limits.get(getattr(self, "action", None) or "", 0))
        if length > limit:
            raise PayloadTooLarge(
                f"The request body is {_megabytes(length)}; this endpoint takes at most {_megabytes(limit)}."
            )
        super().initial(request, *args, **kwargs)

    def read_input(self, **context):
        """The validated body of this action, read by its serializer in ``input_serializers``."""
        serializer = self.input_serializers[self.action](data=self.request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Problems are JSON even where the client asked for a PDF (or anything else).
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/problem+json"
        return response
