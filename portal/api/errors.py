"""Django's own error answers under ``/api/`` as problem details; pages keep their HTML.

DRF turns what a view raises into problem details (``problems.problem_exception_handler``), but
some answers never reach it: an uncaught exception (500), a body Django refuses while reading it
(``RequestDataTooBig``, too many fields or files: 413), another ``SuspiciousOperation`` (400), a
URL no view matches (404). Django answers those through the ``handler*`` views of the root
URLconf, which call these.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from portal import l10n

from .problems import TOO_LARGE, problem_body, too_large_detail

logger = logging.getLogger(__name__)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def answer_language(request: HttpRequest) -> str:
    """The language of an answer no token is read for: the one Accept-Language asks for, else English
    (not a cookie's or a session's, as the middleware would take: the API's rule, ``portal.api.base``)."""
    return l10n.language_from_header(request) or settings.LANGUAGE_CODE


def problem_response(request: HttpRequest, status: int, detail, *, headers=None) -> HttpResponse:
    """A problem document outside DRF (no renderer, no negotiation: the API speaks one format).

    ``detail`` is a lazy text (``gettext_lazy``) or a function answering one, read in the answer's language."""
    language = answer_language(request)
    with translation.override(language):
        text = detail() if callable(detail) else str(detail)
        body = problem_body(status, text, instance=request.path)
    response = HttpResponse(json.dumps(body), status=status, content_type="application/problem+json", headers=headers)
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language",))
    return response


@csrf_exempt  # token-authenticated API; there is no session to protect here
def missing_slash(request: HttpRequest, rest: str = "") -> HttpResponse:
    """``/api/v1/asns`` (no slash). Django would answer 301, which clients follow with a GET: a POST
    would silently become a read of the list. 308 keeps the method and the body; a URL that does
    not exist with the slash either is a 404."""
    target = request.path + "/"
    try:
        resolve(target)
    except Resolver404:
        return not_found(request)
    query = request.META.get("QUERY_STRING", "")
    location = f"{target}?{query}" if query else target
    return problem_response(
        request,
        308,
        lambda: _("The API's URLs end with a slash: %(url)s") % {"url": target},
        headers={"Location": location},
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, TOO_LARGE):
        return problem_response(request, 413, lambda: too_large_detail(exception))
    return problem_response(request, 400, lambda: _("The request could not be read."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return problem_response(request, 403, lambda: _("Not allowed."))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Only the API's answer: ``portal.views.errors.not_found`` keeps the page's."""
    return problem_response(request, 404, lambda: _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api(request):
        return defaults.server_error(request)
    # Django has logged the traceback with the correlation id; the client gets the id to quote.
    return problem_response(
        request,
        500,
        lambda: _("Something went wrong on our side. It is logged; quote the correlation_id if you report it."),
    )
