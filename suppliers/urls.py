from django.urls import path

from suppliers import views

urlpatterns = [
    path("orders/", views.PurchaseOrderListView.as_view(), name="po_list"),
    path("orders/<int:pk>/", views.PurchaseOrderDetailView.as_view(), name="po_detail"),
    path("orders/<int:pk>/messages/", views.PurchaseOrderMessageView.as_view(), name="po_message"),
]
