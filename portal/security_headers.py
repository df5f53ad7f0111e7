"""Content-Security-Policy for the portal's pages.

The pages load scripts and stylesheets from ``/static/`` only: no inline script,
no ``style`` attribute, no event-handler attribute. The one thing that differs
per tenant, its accent colour, is a small ``<style>`` block carrying this
request's nonce (``{{ request.csp_nonce }}``). An injected ``<script>`` or
``onerror=`` therefore never runs, even where escaping were forgotten.

The API's documentation pages (Swagger UI, ReDoc) are third-party templates
with inline bootstrap code; they get a policy of their own that allows it, and
nothing else does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

HEADER = "Content-Security-Policy"

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI and ReDoc (drf-spectacular's templates) start themselves with inline code, and ReDoc
# styles itself at run time and parses in a blob: worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_URL_NAMES = frozenset({"api-docs", "api-redoc"})


class ContentSecurityPolicyMiddleware:
    """Gives each request a nonce and each HTML answer the policy (unless the view set its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(18))
        request.csp_nonce = nonce
        response = self.get_response(request)
        if HEADER in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in DOCS_URL_NAMES:
            response[HEADER] = DOCS_POLICY
        else:
            response[HEADER] = PAGE_POLICY.format(nonce=str(nonce))
        return response
