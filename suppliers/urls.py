from django.urls import path

from suppliers import acknowledgement_views, views

urlpatterns = [
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
