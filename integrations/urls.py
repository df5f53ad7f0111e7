from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/odoo/", views.OdooSettingsView.as_view(), name="odoo_settings"),
    path("settings/odoo/check/", views.OdooCheckView.as_view(), name="odoo_check"),
]
