"""The API's base viewset holds its scope whatever a subclass does: a filter_scoped that widens, a
mixin's get_queryset or get_object, an id that is not one, one scope for every action, tenant-wide
rows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from portal.api.base import TenantScopedViewSet, unscoped_actions
from portal.api.permissions import scope_for
from portal.api.routes import ApiRouter
from suppliers.models import Product, PurchaseOrder

from .conftest import make_order

pytestmark = pytest.mark.django_db


class _Names(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrder
        fields = ["id", "name"]


class _Orders(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    queryset = PurchaseOrder.objects.all()
    required_scopes = {"list": "po:read", "retrieve": "po:read", "sign": "po:acknowledge"}
    serializer_class = _Names
    pagination_class = None

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return Response({"signed": self.get_object().name})


class _OrWidened(_Orders):
    def filter_scoped(self, queryset):
        return queryset | PurchaseOrder.objects.all()


class _Fresh(_Orders):
    def filter_scoped(self, queryset):
        return PurchaseOrder.objects.order_by("name")


class _NotAQueryset(_Orders):
    def filter_scoped(self, queryset):
        return list(queryset)


class _OtherModel(_Orders):
    def filter_scoped(self, queryset):
        return get_user_model().objects.all()


def _call(viewset, secret, method="get", actions=None, **kwargs):
    actions = actions or {"get": "list"}
    request = getattr(APIRequestFactory(), method)("/api/v1/x/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    return viewset.as_view(actions)(request, **kwargs)


@pytest.fixture
def orders(api_world):
    w = api_world
    w.po_p2 = make_order(w.a, w.p2, "P20003")
    return w


@pytest.mark.parametrize("viewset", [_Orders, _OrWidened, _Fresh])
def test_whatever_filter_scoped_answers_the_token_sees_its_partner_only(orders, viewset):
    listed = _call(viewset, orders.p1_secret)
    assert listed.status_code == 200 and [row["name"] for row in listed.data] == ["P20001"]
    assert _call(viewset, orders.p1_secret, actions={"get": "retrieve"}, pk=str(orders.po_p2.pk)).status_code == 404
    assert _call(viewset, orders.p1_secret, actions={"get": "retrieve"}, pk=str(orders.po_b.pk)).status_code == 404
    mine = _call(viewset, orders.p1_secret, actions={"get": "retrieve"}, pk=str(orders.po.pk))
    assert mine.status_code == 200 and mine.data["name"] == "P20001"


@pytest.mark.parametrize("viewset", [_NotAQueryset, _OtherModel])
def test_a_filter_scoped_that_answers_no_scoped_queryset_is_refused_at_request_time(orders, viewset):
    with pytest.raises(ImproperlyConfigured, match="filter_scoped answered"):
        _call(viewset, orders.p1_secret)


@pytest.mark.parametrize("value", ["abc", "²", "١٢", "12a", "", "-1", "1 "])
def test_an_id_that_is_not_plain_digits_answers_404_not_500(orders, value):
    response = _call(_Orders, orders.p1_secret, method="post", actions={"post": "sign"}, pk=value)
    assert response.status_code == 404


def test_a_plain_id_still_resolves_and_the_route_takes_digits_only(orders):
    response = _call(_Orders, orders.p1_secret, method="post", actions={"post": "sign"}, pk=str(orders.po.pk))
    assert response.status_code == 200 and response.data == {"signed": "P20001"}
    router = ApiRouter()
    router.register("throwaway", _Orders, basename="throwaway")
    routes = [str(url.pattern) for url in router.urls]
    assert "^throwaway/(?P<pk>[0-9]{1,18})/sign/$" in routes


# --- refused when defined ----------------------------------------------------------------------------


class _QuerysetMixin:
    def get_queryset(self):
        return PurchaseOrder.objects.all()


class _ObjectMixin:
    def get_object(self):
        return PurchaseOrder.objects.get(pk=self.kwargs["pk"])


def test_a_get_queryset_from_a_mixin_is_refused():
    with pytest.raises(ImproperlyConfigured, match="overrides get_queryset \\(itself or through a mixin\\)"):

        class Mixed(_QuerysetMixin, mixins.ListModelMixin, TenantScopedViewSet):
            queryset = PurchaseOrder.objects.all()
            required_scopes = {"list": "po:read"}


def test_a_get_object_of_its_own_or_from_a_mixin_is_refused():
    with pytest.raises(ImproperlyConfigured, match="overrides get_object"):

        class Mixed(_ObjectMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
            queryset = PurchaseOrder.objects.all()
            required_scopes = {"retrieve": "po:read"}

    with pytest.raises(ImproperlyConfigured, match="overrides get_object"):

        class Own(mixins.RetrieveModelMixin, TenantScopedViewSet):
            queryset = PurchaseOrder.objects.all()
            required_scopes = {"retrieve": "po:read"}

            def get_object(self):
                return PurchaseOrder.objects.first()


def test_one_scope_for_every_action_is_refused():
    with pytest.raises(ImproperlyConfigured, match="required_scopes must be a dict"):

        class OneForAll(mixins.ListModelMixin, TenantScopedViewSet):
            queryset = PurchaseOrder.objects.all()
            required_scopes = "po:read"

            @action(detail=True, methods=["post"])
            def sign(self, request, pk=None):
                return Response({})


def test_one_scope_on_a_viewset_names_none_for_its_actions():
    class Plain(mixins.ListModelMixin):
        required_scopes = "po:read"
        action_map = {"get": "list", "post": "create"}

        @classmethod
        def get_extra_actions(cls):
            return []

    assert scope_for(Plain(), "post") is None and scope_for(Plain(), "get") is None
    assert unscoped_actions(Plain) == ["list"]


def test_tenant_wide_rows_need_a_declaration():
    with pytest.raises(ImproperlyConfigured, match="serves Product, which every partner of the tenant may read"):

        class Products(mixins.ListModelMixin, TenantScopedViewSet):
            queryset = Product.objects.all()
            required_scopes = {"list": "po:read"}

    class Declared(mixins.ListModelMixin, TenantScopedViewSet):
        queryset = Product.objects.all()
        required_scopes = {"list": "po:read"}
        tenant_wide = True  # product names are not secret among a tenant's members

    assert Declared.tenant_wide
