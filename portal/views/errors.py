"""Error pages: HTML for people, problem details for the API (even for URLs no view matched)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.defaults import page_not_found

from portal.context import current_correlation_id


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "https://supplier-portal.example/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "Not found.",
                "instance": request.path,
                "correlation_id": current_correlation_id(),
            },
            status=404,
            content_type="application/problem+json",
        )
    return page_not_found(request, exception)
