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
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.context import current_correlation_id

TYPES = {
    308: ("trailing-slash", "Use the URL with its trailing slash"),
    400: ("invalid-input", "Invalid input"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable", "Cannot be processed"),
    429: ("throttled", "Too many requests"),
    500: ("server-error", "Server error"),
}
BASE = "https://supplier-portal.example/problems/"
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with an earlier one."
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
    slug, title = TYPES.get(status_code, ("error", "Error"))
    body = {
        "type": f"{BASE}{slug}",
        "title": title,
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
        return "The request has too many form fields."
    if isinstance(exc, TooManyFilesSent):
        return "The request has too many files; send one file per request."
    return "The request body is too large."


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
        exc = exceptions.ParseError("The request body could not be read.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        general = [e["message"] for e in errors if not e["field"]]
        detail = (
            " ".join(general) if general else f"{len(errors)} field{'s are' if len(errors) != 1 else ' is'} invalid."
        )
        return problem(400, detail, request=request, errors=errors, headers=headers)
    detail = exc.detail if isinstance(getattr(exc, "detail", None), str) else str(getattr(exc, "detail", exc))
    return problem(response.status_code, str(detail), request=request, headers=headers)
