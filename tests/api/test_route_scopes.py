"""Every route the API serves names a scope for each method, enforces it, and has a case in the
scope matrix; and the walk that checks this can fail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import include, path, re_path
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from portal.api.base import TenantScopedViewSet, routed_actions
from portal.api.routes import ApiRouter, api_router
from suppliers.api.asns import AsnViewSet
from suppliers.api.purchase_orders import PurchaseOrderViewSet
from suppliers.models import Asn

from .route_walk import api_endpoints, route_problems, route_text
from .scope_matrix import MATRIX, Door


def test_every_api_route_names_a_registered_scope_and_has_a_case_in_the_matrix():
    endpoints = api_endpoints()
    assert len({e.key for e in endpoints}) >= len(MATRIX)  # the walk found the API
    assert ("/api/v1/asns/{id}/import/", "POST") in {e.key for e in endpoints}
    assert route_problems(endpoints, MATRIX) == []


def test_the_routes_are_the_apps_registered_viewsets():
    registry = api_router().registry
    assert [(prefix, basename) for prefix, _, basename in registry] == [
        ("purchase-orders", "api-po"),
        ("acknowledgements", "api-ack"),
        ("asns", "api-asn"),
        ("inspections", "api-inspection"),
        ("scars", "api-scar"),
        ("scorecards", "api-scorecard"),
    ]
    assert all(issubclass(viewset, TenantScopedViewSet) for _, viewset, _ in registry)


def test_route_text_is_the_schemas():
    pattern = re_path(r"^asns/(?P<pk>[^/]{1,20})/certificates/(?P<certificate_id>[0-9]{1,18})/$", HttpResponse).pattern
    assert route_text(pattern) == "asns/{id}/certificates/{certificate_id}/"


def _throwaway_router(viewset, prefix="throwaway") -> list:
    router = SimpleRouter()
    router.register(prefix, viewset, basename="throwaway")
    return [path("api/v1/", include(router.urls))]


class _Unscoped(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A plain DRF viewset (the project router refuses it) with a scope for one action of three."""

    queryset = Asn.objects.all()
    required_scopes = {"list": "asn:read"}

    @action(detail=True, methods=["get"])
    def peek(self, request, pk=None):
        return Response({})

    @peek.mapping.post
    def poke(self, request, pk=None):
        return Response({})


def test_the_walk_reports_an_action_without_a_scope():
    problems = route_problems(api_endpoints(_throwaway_router(_Unscoped)), {})
    assert any(p.startswith("GET /api/v1/throwaway/{id}/peek/") and "names no scope" in p for p in problems)
    assert any(p.startswith("POST /api/v1/throwaway/{id}/peek/") and "names no scope" in p for p in problems)
    assert not any(p.startswith("GET /api/v1/throwaway/ ") and "names no scope" in p for p in problems)


def test_the_walk_reports_a_route_missing_from_the_matrix_a_wrong_scope_and_a_stale_case():
    class Scoped(mixins.ListModelMixin, TenantScopedViewSet):
        queryset = Asn.objects.all()
        required_scopes = {"list": "asn:read", "peek": "asn:read"}

        @action(detail=True, methods=["get"])
        def peek(self, request, pk=None):
            return Response({})

    router = ApiRouter()
    router.register("throwaway", Scoped, basename="throwaway")
    endpoints = api_endpoints([path("api/v1/", include(router.urls))])
    matrix = {
        ("/api/v1/throwaway/", "GET"): Door("asn:write", lambda world: None),
        ("/api/v1/gone/", "GET"): Door("asn:read", lambda world: None),
    }
    problems = route_problems(endpoints, matrix)
    assert "GET /api/v1/throwaway/{id}/peek/ (Scoped.peek): no case in the scope matrix" in problems
    assert "GET /api/v1/throwaway/ (Scoped.list): needs asn:read, the scope matrix says asn:write" in problems
    assert "GET /api/v1/gone/: in the scope matrix, but no such endpoint" in problems


def test_the_walk_reports_an_unknown_scope_a_view_without_the_scope_check_and_a_plain_view():
    class Open(APIView):
        permission_classes = [AllowAny]
        required_scopes = {"get": "cake:eat"}

        def get(self, request):
            return Response({})

    patterns = [
        path("api/v1/open/", Open.as_view()),
        path("api/v1/plain/", lambda request: HttpResponse("")),
    ]
    problems = route_problems(api_endpoints(patterns), {("/api/v1/open/", "GET"): Door("cake:eat", lambda w: None)})
    assert "GET /api/v1/open/ (Open): needs cake:eat, which no app registers" in problems
    assert "GET /api/v1/open/ (Open): its permission classes lack TokenHasScope" in problems
    assert "/api/v1/plain/: a plain Django view under /api/ (no token, no scope)" in problems


def test_a_viewset_without_a_scope_for_an_action_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="names no scope for create, peek"):

        class Unscoped(mixins.ListModelMixin, mixins.CreateModelMixin, TenantScopedViewSet):
            queryset = Asn.objects.all()
            required_scopes = {"list": "asn:read"}

            @action(detail=True, methods=["get"])
            def peek(self, request, pk=None):
                return Response({})


def test_a_viewset_that_scopes_its_own_queryset_or_none_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="overrides get_queryset"):

        class OwnQueryset(mixins.ListModelMixin, TenantScopedViewSet):
            queryset = Asn.objects.all()
            required_scopes = {"list": "asn:read"}

            def get_queryset(self):
                return Asn.objects.all()

    with pytest.raises(ImproperlyConfigured, match="declares no queryset of a tenant-owned model"):

        class NoQueryset(mixins.ListModelMixin, TenantScopedViewSet):
            required_scopes = {"list": "asn:read"}


def test_the_project_router_takes_scoped_viewsets_only():
    with pytest.raises(ImproperlyConfigured, match="not a TenantScopedViewSet"):
        ApiRouter().register("throwaway", _Unscoped, basename="throwaway")


def test_routed_actions_include_the_methods_mapped_onto_an_extra_action():
    assert {"acknowledgements", "acknowledge", "list", "retrieve"} <= set(routed_actions(PurchaseOrderViewSet))
    assert {"certificate", "remove_certificate", "import_lines"} <= set(routed_actions(AsnViewSet))
