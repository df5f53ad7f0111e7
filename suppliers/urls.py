from django.urls import path

from suppliers import acknowledgement_views, asn_documents, asn_views, views

urlpatterns = [
    path("shipments/", asn_views.AsnListView.as_view(), name="asn_list"),
    path("shipments/new/", asn_views.AsnNewView.as_view(), name="asn_new"),
    path("shipments/import-template.<str:fmt>", asn_documents.ImportTemplateView.as_view(), name="asn_template"),
    path("shipments/<int:pk>/", asn_views.AsnDetailView.as_view(), name="asn_detail"),
    path("shipments/<int:pk>/import/", asn_documents.AsnImportView.as_view(), name="asn_import"),
    path("shipments/<int:pk>/<str:kind>.pdf", asn_documents.AsnPdfView.as_view(), name="asn_pdf"),
    path(
        "shipments/<int:pk>/certificates/<int:cert_id>/",
        asn_views.CertificateDownloadView.as_view(),
        name="asn_certificate",
    ),
    path("orders/", views.PurchaseOrderListView.as_view(), name="po_list"),
    path("orders/<int:pk>/", views.PurchaseOrderDetailView.as_view(), name="po_detail"),
    path("orders/<int:pk>/messages/", views.PurchaseOrderMessageView.as_view(), name="po_message"),
    path("orders/<int:pk>/acknowledge/", acknowledgement_views.AcknowledgeView.as_view(), name="po_acknowledge"),
    path(
        "orders/<int:pk>/acknowledgements/<int:ack_id>/decide/",
        acknowledgement_views.AcknowledgementDecisionView.as_view(),
        name="po_ack_decide",
    ),
]
