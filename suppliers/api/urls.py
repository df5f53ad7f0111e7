from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from portal.api.errors import missing_slash

from . import views

router = SimpleRouter()
router.register("purchase-orders", views.PurchaseOrderViewSet, basename="api-po")
router.register("acknowledgements", views.AcknowledgementViewSet, basename="api-ack")
router.register("asns", views.AsnViewSet, basename="api-asn")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: a URL without its trailing slash answers 308 to the one with it (not Django's 301).
    re_path(r"^(?P<rest>.*[^/])$", missing_slash),
]
