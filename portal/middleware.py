"""Request plumbing: correlation ids, the tenant of the URL, MFA for staff, the viewer's language and time zone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from portal import dates, l10n
from portal.context import correlation_id_var, new_correlation_id, source_var
from portal.models import STAFF_ROLES, Membership

_VALID_CID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class CorrelationIdMiddleware:
    """Takes X-Request-ID from the proxy (or makes one) and returns it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        cid = incoming if _VALID_CID.match(incoming) else new_correlation_id()
        cid_token = correlation_id_var.set(cid)
        src_token = source_var.set("api" if request.path.startswith("/api/") else "web")
        request.correlation_id = cid
        try:
            response = self.get_response(request)
        finally:
            correlation_id_var.reset(cid_token)
            source_var.reset(src_token)
        response["X-Request-ID"] = cid
        return response


class TenantMiddleware:
    """Resolves ``/t/<tenant_slug>/...`` to the caller's active membership, or 404.

    Doing it here, not in each view, means no tenant page can forget it: a URL
    of a tenant the user does not belong to is indistinguishable from one that
    does not exist.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        slug = view_kwargs.get("tenant_slug")
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = next((m for m in user_memberships(request) if m.tenant.slug == slug), None)
        if membership is None:
            raise Http404(_("No such tenant."))
        request.membership = membership
        request.tenant = membership.tenant
        if request.session.get("tenant_slug") != slug or _session_ageing(request):
            # A plain page view must not write its session row: only a change of tenant does, and, once the
            # session is past half its life, one renewal, so that people who use the portal stay signed in.
            request.session["tenant_slug"] = slug
            request.session["renewed_at"] = int(time.time())
        return None


def _session_ageing(request: HttpRequest) -> bool:
    """Whether the session was last renewed over half ``SESSION_COOKIE_AGE`` ago (seconds)."""
    renewed = request.session.get("renewed_at")
    return not isinstance(renewed, int) or renewed < time.time() - settings.SESSION_COOKIE_AGE // 2


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships (tenant, partner and user joined), read once per
    request: the MFA check, the tenant of the URL and the tenant switcher share the one read.

    Returns [] for an anonymous request. The list is the one of the request's start: a view that
    changes memberships and then renders sees the switcher as it was (pages redirect after a change).
    """
    cached = getattr(request, "_user_memberships", None)
    if cached is None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        cached = list(Membership.objects.active().filter(user=user).select_related("tenant", "partner", "user"))
        request._user_memberships = cached
    return cached


class StaffMfaMiddleware:
    """Staff must set up an authenticator app before they can do anything else."""

    exempt_prefixes = ("/accounts/", "/static/", "/healthz", "/readyz", "/invitations/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.PORTAL_STAFF_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and _needs_mfa(request)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _(
                    "Your role handles other companies' data, so it needs two-factor sign-in. "
                    "Scan the code with an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def needs_mfa(user, memberships: list[Membership] | None = None) -> bool:
    """Staff of any tenant (and Django staff) must use a second factor. ``memberships``: the user's active
    ones when the caller has them already (a request: ``user_memberships``), else they are queried."""
    if user.is_staff:
        return True
    if memberships is None:
        return Membership.objects.active().filter(user=user, role__in=list(STAFF_ROLES)).exists()
    return any(m.role in STAFF_ROLES for m in memberships)


def _needs_mfa(request: HttpRequest) -> bool:
    """``needs_mfa`` of the request's user, from the memberships the request reads anyway."""
    return needs_mfa(request.user, user_memberships(request))


class TimeZoneMiddleware:
    """Shows every page in the viewer's time zone (``portal.dates``): their own setting, else the
    tenant's of the URL. The API always answers in UTC, whoever calls it.

    Placed after ``TenantMiddleware``: its ``process_view`` runs once the tenant is known.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_time_zone(request)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        activate_time_zone(request)
        # The tenant is known only now; a viewer without a language of their own may take its.
        activate_language(request)


def activate_time_zone(request: HttpRequest) -> None:
    """Activate the zone this request's pages show times in (UTC for the API)."""
    user = getattr(request, "user", None)
    if request.path.startswith("/api/") or user is None or not user.is_authenticated:
        timezone.deactivate()
        return
    timezone.activate(dates.zone(dates.viewer_zone_name(user, getattr(request, "tenant", None))))


class LanguageMiddleware:
    """Shows every page in the viewer's language (``portal.l10n.request_language``): their own setting,
    else the switcher's cookie of signed-out pages, else their browser's ``Accept-Language``, else the
    tenant's of the URL, else English. The API settles its own once the token is known (``portal.api``).

    Placed right after ``AuthenticationMiddleware``, so messages and redirects of the middleware
    after it speak the viewer's language; ``TimeZoneMiddleware.process_view`` settles it again once
    the tenant of the URL is known.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_language(request)
        try:
            response = self.get_response(request)
        finally:
            language = translation.get_language()
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language or settings.LANGUAGE_CODE)
        return response


def activate_language(request: HttpRequest) -> None:
    """Activate the language of this request's page and note it on ``request.LANGUAGE_CODE``."""
    language = None
    user = getattr(request, "user", None)
    if not request.path.startswith("/api/") and (user is None or not user.is_authenticated or not user.language):
        language = l10n.supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    language = language or l10n.request_language(request)
    translation.activate(language)
    request.LANGUAGE_CODE = language
