from django.urls import path

from integrations import sync_views, views

urlpatterns = [
    path("settings/odoo/", views.OdooSettingsView.as_view(), name="odoo_settings"),
    path("settings/odoo/check/", views.OdooCheckView.as_view(), name="odoo_check"),
    path("sync/", sync_views.SyncMonitorView.as_view(), name="sync_monitor"),
    path("sync/exceptions/", sync_views.ExceptionQueueView.as_view(), name="sync_exceptions"),
    path("sync/events/<uuid:pk>/", sync_views.EventDetailView.as_view(), name="sync_event"),
    path("sync/drifts/<id:pk>/", sync_views.DriftActionView.as_view(), name="sync_drift"),
    path("sync/hold-drifts/<id:pk>/", sync_views.HoldDriftAcceptView.as_view(), name="sync_hold_drift"),
    path("sync/handoffs/retry/", sync_views.HandoffRetryView.as_view(), name="sync_handoff_retry"),
]
