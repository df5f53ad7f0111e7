from django.urls import path

from suppliers import acknowledgement_views, asn_documents, asn_views, settings_views, views

urlpatterns = [
    path(
        "settings/collaboration/",
        settings_views.CollaborationSettingsView.as_view(),
        name="collaboration_settings",
    ),
    path("shipments/", asn_views.AsnListView.as_view(), name="asn_list"),
    path("shipments/new/", asn_views.AsnNewView.as_view(), name="asn_new"),
    path("shipments/import-template.<str:fmt>", asn_documents.ImportTemplateView.as_view(), name="asn_template"),
    path("shipments/<id:pk>/", asn_views.AsnDetailView.as_view(), name="asn_detail"),
    path("shipments/<id:pk>/import/", asn_documents.AsnImportView.as_view(), name="asn_import"),
    path("shipments/<id:pk>/<str:kind>.pdf", asn_documents.AsnPdfView.as_view(), name="asn_pdf"),
    path(
        "shipments/<id:pk>/certificates/<id:cert_id>/",
        asn_views.CertificateDownloadView.as_view(),
        name="asn_certificate",
    ),
    path("orders/", views.PurchaseOrderListView.as_view(), name="po_list"),
    path("orders/<id:pk>/", views.PurchaseOrderDetailView.as_view(), name="po_detail"),
    path("orders/<id:pk>/pdf/", views.PurchaseOrderPdfView.as_view(), name="po_pdf"),
    path("orders/<id:pk>/messages/", views.PurchaseOrderMessageView.as_view(), name="po_message"),
    path("orders/<id:pk>/acknowledge/", acknowledgement_views.AcknowledgeView.as_view(), name="po_acknowledge"),
    path(
        "orders/<id:pk>/acknowledgements/<id:ack_id>/decide/",
        acknowledgement_views.AcknowledgementDecisionView.as_view(),
        name="po_ack_decide",
    ),
]
