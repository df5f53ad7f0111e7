"""One error format for the whole API: RFC 9457 problem details, with field-level errors.

{"type": ".../problems/invalid-input", "title": "Invalid input", "status": 400,
 "detail": "2 fields are invalid.", "instance": "/api/v1/asns/7/submit/",
 "errors": [{"field": "lines.0.quantity", "message": "..."}], "correlation_id": "..."}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, UnreadablePostError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.context import current_correlation_id

# The slug of ``type`` is the stable part clients match on; the title is read in the answer's language.
TYPES = {
    308: ("trailing-slash", gettext_lazy("Use the URL with its trailing slash")),
    400: ("invalid-input", gettext_lazy("Invalid input")),
    401: ("unauthenticated", gettext_lazy("Authentication required")),
    403: ("forbidden", gettext_lazy("Not allowed")),
    404: ("not-found", gettext_lazy("Not found")),
    405: ("method-not-allowed", gettext_lazy("Method not allowed")),
    406: ("not-acceptable", gettext_lazy("Not acceptable")),
    409: ("conflict", gettext_lazy("Conflict")),
    413: ("too-large", gettext_lazy("Request too large")),
    415: ("unsupported-media-type", gettext_lazy("Unsupported media type")),
    422: ("unprocessable", gettext_lazy("Cannot be processed")),
    429: ("throttled", gettext_lazy("Too many requests")),
    500: ("server-error", gettext_lazy("Server error")),
}
BASE = "https://supplier-portal.example/problems/"
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with an earlier one.")
    default_code = "conflict"


def _flatten(detail, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [{"field": prefix, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += _flatten(item, f"{prefix}.{index}".strip("."))
        return out
    return [{"field": prefix, "message": str(detail)}]


def problem_body(status_code: int, detail: str, *, instance: str | None = None, errors=None) -> dict:
    """The problem document itself; ``type`` depends on the status alone, so clients can match on it."""
    slug, title = TYPES.get(status_code, ("error", gettext_lazy("Error")))
    body = {
        "type": f"{BASE}{slug}",
        "title": str(title),
        "status": status_code,
        "detail": detail,
        "instance": instance,
        "correlation_id": current_correlation_id(),
    }
    if errors:
        body["errors"] = errors
    return body


def problem(status_code: int, detail: str, *, request=None, errors=None, headers=None) -> Response:
    body = problem_body(status_code, detail, instance=request.path if request is not None else None, errors=errors)
    return Response(body, status=status_code, headers=headers, content_type="application/problem+json")


def too_large_detail(exc: Exception) -> str:
    if isinstance(exc, TooManyFieldsSent):
        return _("The request has too many form fields.")
    if isinstance(exc, TooManyFilesSent):
        return _("The request has too many files; send one file per request.")
    return _("The request body is too large.")


def problem_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TOO_LARGE):  # Django's own limits, met while DRF parses the body
        exc = PayloadTooLarge(too_large_detail(exc))
    elif isinstance(exc, (SuspiciousOperation, UnreadablePostError)):  # e.g. a malformed or cut-off body
        exc = exceptions.ParseError(_("The request body could not be read."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        general = [e["message"] for e in errors if not e["field"]]
        invalid = ngettext("%(count)d field is invalid.", "%(count)d fields are invalid.", len(errors))
        detail = " ".join(general) if general else invalid % {"count": len(errors)}
        return problem(400, detail, request=request, errors=errors, headers=headers)
    detail = exc.detail if isinstance(getattr(exc, "detail", None), str) else str(getattr(exc, "detail", exc))
    return problem(response.status_code, str(detail), request=request, headers=headers)
