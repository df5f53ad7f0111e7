"""Serving an inspection photo's file (``portal.stored_files``: a file gone from storage is a 404)."""

from __future__ import annotations

from django.http import FileResponse

from portal.stored_files import stored_file_response
from quality.models import InspectionPhoto


def photo_file_response(photo: InspectionPhoto, *, cache: bool = True) -> FileResponse:
    """The photo inline with its stored content type; raises ``Http404`` when its file is missing."""
    return stored_file_response(photo.file, content_type=photo.content_type, cache=cache)
