"""The base of every API viewset: the token's scope on every read, a scope named for every action,
bounded request bodies, inputs that name what they read, scoped OPTIONS, and problem details
whatever the client asked to receive, in the answer's language: the one ``Accept-Language`` asks
for, else the token's partner's, else its tenant's, else English (``Content-Language`` says which).
Only words follow it; values keep the API's one format (ISO dates, UTC instants, dot decimals).

``TenantScopedViewSet`` is what an app's viewset derives from (the project router takes nothing
else: ``portal.api.routes``); ``ApiViewMixin`` holds the parts that need no queryset.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import generics, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from portal import l10n

from .metadata import ScopedMetadata
from .problems import PayloadTooLarge

if TYPE_CHECKING:
    from portal.models import Membership

# The actions DRF's mixins give a viewset, which a router routes when the viewset has them.
STANDARD_ACTIONS = ("list", "create", "retrieve", "update", "partial_update", "destroy")

# An id in a URL: plain ASCII digits that fit a bigint (a viewset that also takes names widens it).
ID_PATTERN = "[0-9]{1,18}"
_ID = re.compile(ID_PATTERN)

# What a JSON or form body may weigh besides an uploaded file; Django's own limit on a body it reads.
DEFAULT_BODY_BYTES = 2_621_440


def body_limit(upload_bytes: int = 0) -> int:
    """Bytes a request may send: the file an action takes (if any) plus a form's worth."""
    return upload_bytes + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_BODY_BYTES)


def _megabytes(size: int) -> str:
    return l10n.num(size / 1024 / 1024, 1)


def binary_renderer(media_type: str) -> type[BaseRenderer]:
    """Lets ``Accept: <media_type>`` through negotiation on an action that answers such files
    itself (PDFs, certificates); without it DRF would refuse the request with 406."""

    class FileRenderer(BaseRenderer):
        charset = None
        render_style = "binary"

        def render(self, data, accepted_media_type=None, renderer_context=None):
            return data

    FileRenderer.media_type = media_type
    FileRenderer.format = media_type.rsplit("/", 1)[-1]
    return FileRenderer


class ApiViewMixin:
    metadata_class = ScopedMetadata
    # The serializer each writing action reads its body with (OPTIONS describes these).
    input_serializers: dict[str, type] = {}
    # Bytes of the file an action takes; every other action takes a JSON or form body only.
    upload_limits: dict[str, int] = {}

    def dispatch(self, request, *args, **kwargs):
        # The answer's language (``initial``) is this request's alone: the thread gets its own back,
        # so that nothing run after it (another request, a task, a test) speaks it by accident.
        previous = translation.get_language()
        try:
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, Response):
                response.render()  # any lazy text in it is read now, in the answer's language
            return response
        finally:
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate()

    def initial(self, request, *args, **kwargs):
        # First of all, so that every answer speaks it, a refused body or token included: the language
        # the client asks for, else English until the token names its partner (perform_authentication).
        # A language the middleware took from a cookie or a session is not the API's.
        self.language_asked = l10n.language_from_header(request)
        translation.activate(self.language_asked or settings.LANGUAGE_CODE)
        # Before authentication and parsing: an oversized body costs nothing but this comparison.
        # (Django reads at most CONTENT_LENGTH bytes, and nothing when it is missing.)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(self.upload_limits.get(getattr(self, "action", None) or "", 0))
        if length > limit:
            raise PayloadTooLarge(
                _("The request body is %(size)s MB; this endpoint takes at most %(limit)s MB.")
                % {"size": _megabytes(length), "limit": _megabytes(limit)}
            )
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # Before permissions and throttles, so that their refusals speak it too: without a language
        # asked for, the token's partner's, else its tenant's (``portal.l10n``).
        membership = getattr(request.auth, "membership", None)
        if not getattr(self, "language_asked", None) and membership is not None:
            translation.activate(l10n.language_of(partner=membership.partner, tenant=membership.tenant))

    def read_input(self, **context):
        """The validated body of this action, read by its serializer in ``input_serializers``."""
        serializer = self.input_serializers[self.action](data=self.request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Problems are JSON even where the client asked for a PDF (or anything else).
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/problem+json"
        # The words of an answer depend on Accept-Language (values never do: ISO dates, dot decimals).
        if "Idempotent-Replayed" not in response.headers or "Content-Language" not in response.headers:
            response.headers["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        patch_vary_headers(response, ("Accept-Language",))
        return response


def routed_actions(viewset: type) -> list[str]:
    """Every action a router gives this viewset a URL for: DRF's standard ones it has, and each
    extra action with the other methods mapped onto its URL (``@acknowledgements.mapping.post``)."""
    actions = [name for name in STANDARD_ACTIONS if hasattr(viewset, name)]
    for extra in viewset.get_extra_actions():
        actions.extend(name for name in extra.mapping.values() if name not in actions)
    return actions


def unscoped_actions(viewset: type) -> list[str]:
    """The routed actions of this viewset that name no scope (``required_scopes``, a dict; a single
    str names none, see ``portal.api.permissions.scope_for``)."""
    needed = getattr(viewset, "required_scopes", None)
    if not isinstance(needed, dict):
        needed = {}
    return [action for action in routed_actions(viewset) if not needed.get(action)]


class TenantScopedViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Base of every API viewset: it reads only what the token's membership may see, and each of
    its actions needs a scope.

    A subclass declares ``queryset = Model.objects.all()`` (a tenant-owned model, whose queryset has
    ``visible_to``), ``required_scopes`` (a dict, action -> scope, e.g. ``{"list": "widget:read"}``)
    naming every action it routes, and narrows the scoped queryset in ``filter_scoped``, never in
    ``get_queryset`` or ``get_object`` (its own or a mixin's). A model read by every member of the
    tenant (``scope_partner_path = None``, e.g. products) needs ``tenant_wide = True`` too: only for
    data every partner may see. A class that breaks one of these rules is refused when it is defined
    (ImproperlyConfigured), so an endpoint cannot reach a URL unscoped.

    Once the token is authenticated and its scope checked (``initial``), the declared queryset is
    narrowed by ``visible_to(membership)`` (NetBox's ``BaseViewSet.initial``): every handler,
    ``get_object`` and OPTIONS then see the token's partner only, and anything else answers 404.
    Whatever ``filter_scoped`` answers is narrowed by ``visible_to`` again, so one that widens
    (``queryset | Model.objects...``) still shows nothing outside the scope.
    The URL's ``{id}`` is resolved there too (``resolve_pk``: an id, or a name people know).
    """

    required_scopes: ClassVar[dict[str, str]] = {}
    # Digits only by default; a viewset whose URLs also take a name widens it (and its resolve_pk).
    lookup_value_regex = ID_PATTERN
    # True only for a model every partner of the tenant may read (``scope_partner_path = None``).
    tenant_wide: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The resolved methods, through the MRO: a mixin's get_queryset would bypass the scope as well.
        if cls.get_queryset is not TenantScopedViewSet.get_queryset:
            raise ImproperlyConfigured(
                f"{cls.__name__} overrides get_queryset (itself or through a mixin): narrow the scoped "
                "queryset in filter_scoped instead."
            )
        if cls.get_object is not generics.GenericAPIView.get_object:
            raise ImproperlyConfigured(
                f"{cls.__name__} overrides get_object (itself or through a mixin): the base reads the URL's "
                "record from the scoped queryset; narrow it in filter_scoped, resolve names in resolve_pk."
            )
        queryset = getattr(cls, "queryset", None)
        if not hasattr(queryset, "visible_to"):
            raise ImproperlyConfigured(
                f"{cls.__name__} declares no queryset of a tenant-owned model (Model.objects.all(), with visible_to)."
            )
        if getattr(queryset.model, "scope_partner_path", "") is None and not cls.tenant_wide:
            raise ImproperlyConfigured(
                f"{cls.__name__} serves {queryset.model.__name__}, which every partner of the tenant may read "
                "(scope_partner_path None): declare tenant_wide = True if every partner token may see all of it."
            )
        if not isinstance(cls.required_scopes, dict):
            raise ImproperlyConfigured(
                f"{cls.__name__}.required_scopes must be a dict naming the scope of each action, "
                f"not {type(cls.required_scopes).__name__}: one scope for all would let a read token write."
            )
        if missing := unscoped_actions(cls):
            raise ImproperlyConfigured(
                f"{cls.__name__} names no scope for {', '.join(missing)}: add them to required_scopes."
            )

    @property
    def membership(self) -> Membership:
        """The token's own API-client membership (``portal.api.authentication``)."""
        return self.request.auth.membership

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authenticated, and the scope checked: from here on every read sees the token's partner only.
        self.queryset = self.queryset.visible_to(self.membership)
        self._scoped = True
        if "pk" in self.kwargs:
            self.kwargs["pk"] = str(self.resolve_pk(self.kwargs["pk"]))

    def get_queryset(self) -> QuerySet:
        if not getattr(self, "_scoped", False):
            # Outside a request that passed ``initial`` (e.g. the schema generator): nothing to see.
            return super().get_queryset().none()
        narrowed = self.filter_scoped(super().get_queryset())
        if not hasattr(narrowed, "visible_to"):
            raise ImproperlyConfigured(
                f"{type(self).__name__}.filter_scoped answered {type(narrowed).__name__}, not a queryset of a "
                "tenant-owned model (with visible_to)."
            )
        # Scoped again: a filter_scoped that widened (``|``, a fresh Model.objects...) cannot leak. The
        # membership's visible partner ids are cached on it, so this costs no query.
        return narrowed.visible_to(self.membership)

    def filter_scoped(self, queryset: QuerySet) -> QuerySet:
        """The action's records within the scoped queryset: filters, related rows, order. Narrow it
        with ``.filter()``, or AND it with a selector's queryset (``selected & queryset``), which
        keeps the selector's annotations and order. It must answer a queryset of the same kind
        (with ``visible_to``); the base scopes it again, so what it adds outside the scope is dropped."""
        return queryset

    def resolve_pk(self, value: str) -> int:
        """The id a URL's ``{id}`` names; views whose records have names people know accept those too.

        Raises ``NotFound`` (404) for anything but plain ASCII digits (``"abc"``, ``"²"``)."""
        if not _ID.fullmatch(value):
            raise NotFound()
        return int(value)
