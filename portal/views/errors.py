"""Error pages: HTML for people, problem details for the API (even for URLs no view matched)."""

from __future__ import annotations

from django.views.defaults import page_not_found

from portal.api import errors as api_errors


def not_found(request, exception=None):
    if api_errors.is_api(request):
        return api_errors.not_found(request, exception)
    return page_not_found(request, exception)
