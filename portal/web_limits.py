"""Limits on what one person's browser may ask of the web pages, checked before any view works.

``WebRateLimitMiddleware`` throttles the pages as the API throttles tokens: requests per signed-in
user (per address before sign-in) in a fixed window, before the request body is read. Costly
views spend from smaller budgets of their own (``throttled(request, "documents")`` for PDFs,
``"imports"`` for file imports) once they know the caller may see the record, so an intruder's
404s spend nothing. Past a budget the answer is 429 with ``Retry-After``.

``NulRefusalMiddleware`` refuses a form or query string holding a NUL character (U+0000): no field
means one, PostgreSQL cannot store one, and a view should never have to ask. The API refuses them
in its serializers, with problem details; both leave ``/api/`` alone.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

EXEMPT_PREFIXES = ("/api/", "/static/", "/healthz", "/readyz", "/metrics")
PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"300/min"`` -> (300, 60): requests allowed, per so many seconds."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def _exempt(request: HttpRequest) -> bool:
    return request.path.startswith(EXEMPT_PREFIXES)


class WebRateLimitMiddleware:
    """Requests per user (or address) and scope, in fixed windows kept in the shared cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if _exempt(request):
            return None
        return throttled(request, "pages")


def throttled(request: HttpRequest, scope: str) -> HttpResponse | None:
    """Spend one request of ``scope`` (a key of ``settings.PORTAL_WEB_RATES``) for the caller:
    None while within the budget, else the 429 to answer."""
    user = getattr(request, "user", None)
    ident = f"user-{user.pk}" if user is not None and user.is_authenticated else f"ip-{_address(request)}"
    wait = _spend(scope, ident)
    return _too_many(scope, wait) if wait else None


def _address(request: HttpRequest) -> str:
    # The API's rule for callers without a token (DRF's get_ident: X-Forwarded-For, trimmed to
    # REST_FRAMEWORK["NUM_PROXIES"] when set, else REMOTE_ADDR), so both throttle the same client.
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or "unknown"


def _spend(scope: str, ident: str) -> int:
    """Count one request; answers 0 when within the budget, else the seconds until the window ends."""
    rates = getattr(settings, "PORTAL_WEB_RATES", {})
    if scope not in rates:
        return 0
    allowed, period = parse_rate(rates[scope])
    now = time.time()
    window = int(now // period)
    key = f"web-rate:{scope}:{ident}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count <= allowed:
        return 0
    return max(1, int((window + 1) * period - now + 0.999))


def _too_many(scope: str, wait: int) -> HttpResponse:
    # Whole sentences per scope, so that each language words them its own way.
    heading, text = {
        "documents": (
            _("Too many PDF documents at once"),
            ngettext(
                "The portal answers a limited number of PDF documents per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s second.",
                "The portal answers a limited number of PDF documents per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s seconds.",
                wait,
            ),
        ),
        "imports": (
            _("Too many imports at once"),
            ngettext(
                "The portal answers a limited number of imports per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s second.",
                "The portal answers a limited number of imports per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s seconds.",
                wait,
            ),
        ),
    }.get(
        scope,
        (
            _("Too many requests at once"),
            ngettext(
                "The portal answers a limited number of requests per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s second.",
                "The portal answers a limited number of requests per minute for each person, so that "
                "everyone's pages stay fast. Try again in %(wait)s seconds.",
                wait,
            ),
        ),
    )
    title = _("Too many requests")
    body = (
        f"<!doctype html><html lang={html.escape(get_language() or 'en')}><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto">'
        f"<h1>{html.escape(heading)}</h1><p>{html.escape(text % {'wait': wait})}</p></body></html>"
    )
    response = HttpResponse(body, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


class NulRefusalMiddleware:
    """400 for a web form or query string with a NUL character, naming the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if _exempt(request):
            return None
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for data in sources:
            for name, values in data.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return _nul_refused(name.replace("\x00", ""))
        return None


def _nul_refused(field: str) -> HttpResponse:
    text = html.escape(
        _(
            "The field %(field)s holds a NUL character (U+0000), which no field accepts; it usually comes with "
            "text pasted from another program. Go back, type the value again and send the form once more. "
            "Nothing was saved."
        )
    ) % {"field": f"<code>{html.escape(field[:80])}</code>"}
    title, heading = _("Invalid character"), _("A field holds an invalid character")
    body = (
        f"<!doctype html><html lang={html.escape(get_language() or 'en')}><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto">'
        f"<h1>{html.escape(heading)}</h1><p>{text}</p></body></html>"
    )
    return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
