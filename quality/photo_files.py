"""Serving an inspection photo's file: the one place that opens it, so a file gone from storage is a 404."""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404

from quality.models import InspectionPhoto

log = logging.getLogger(__name__)


def photo_file_response(photo: InspectionPhoto, *, cache: bool = True) -> FileResponse:
    """The photo's bytes with its stored content type, ``nosniff`` and (``cache``) a private cache header.

    Raises ``Http404`` when the file is missing from storage (a restore without the media
    directory, a disk cleaned by hand): the record says a photo was taken, but there is nothing
    to send, and that is logged for the administrator instead of answering 500.
    """
    try:
        handle = photo.file.open("rb")
    except OSError:
        log.warning("inspection photo %s: file %s is missing from storage", photo.pk, photo.file.name)
        raise Http404("The photo's file is missing from storage.") from None
    response = FileResponse(handle, content_type=photo.content_type)
    if cache:
        response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
