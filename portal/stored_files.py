"""Serving an uploaded file kept in storage (a certificate, an inspection photo): the one place that opens it.

The record says a file was uploaded; the file itself can still be gone (a restore without the media
directory, a disk cleaned by hand). That is answered 404 with a log line for the administrator, never
a 500, on pages and in the API alike (DRF turns ``Http404`` into a problem document).
"""

from __future__ import annotations

import logging

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

log = logging.getLogger(__name__)


def stored_file_response(
    stored: FieldFile,
    *,
    content_type: str,
    filename: str | None = None,
    cache: bool = False,
) -> FileResponse:
    """``stored``'s bytes as ``content_type`` with ``nosniff``; a download named ``filename`` when given,
    shown inline otherwise; ``cache``: a private one-hour cache header. Raises ``Http404`` when the
    file is missing from storage."""
    try:
        handle = stored.open("rb")
    except OSError:
        log.warning("stored file %s is missing from storage", stored.name)
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=filename is not None, filename=filename or ""
    )
    if cache:
        response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
