"""The quality half's tenant pages, mounted under ``/t/<tenant>/`` by ``portal.urls`` (registered
from ``quality.entries``). Each helper appends its own block of paths."""

from django.urls import path

from quality.views import dispositions, documents, inspections, plans, reinspections, supplier, switching

urlpatterns = [
    # The inspector's pages (quality.views.inspections).
    path("inspections/", inspections.InspectionListView.as_view(), name="inspection_list"),
    path("inspections/<id:pk>/", inspections.InspectionDetailView.as_view(), name="inspection_detail"),
    path("inspections/<id:pk>/results/", inspections.ResultEndpointView.as_view(), name="inspection_results"),
    path("inspections/<id:pk>/photos/<id:photo_id>/", inspections.PhotoView.as_view(), name="inspection_photo"),
    # Another inspection of a lot (quality.views.reinspections).
    path("inspections/<id:pk>/reinspect/", reinspections.ReinspectView.as_view(), name="inspection_reinspect"),
    # The lot's disposition (quality.views.dispositions).
    path("inspections/<id:pk>/disposition/", dispositions.DispositionView.as_view(), name="inspection_disposition"),
    # The quality engineer's inspection plans (quality.views.plans).
    path("plans/", plans.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", plans.PlanCreateView.as_view(), name="plan_new"),
    path("plans/<id:pk>/", plans.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<id:pk>/versions/new/", plans.VersionCreateView.as_view(), name="plan_version_new"),
    path("plans/versions/<id:version_id>/", plans.VersionUpdateView.as_view(), name="plan_version_edit"),
    path(
        "plans/versions/<id:version_id>/characteristics/new/",
        plans.CharacteristicView.as_view(),
        name="plan_characteristic_new",
    ),
    path(
        "plans/versions/<id:version_id>/characteristics/<id:item_id>/",
        plans.CharacteristicView.as_view(),
        name="plan_characteristic_edit",
    ),
    path(
        "plans/versions/<id:version_id>/characteristics/<id:item_id>/delete/",
        plans.ItemDeleteView.as_view(kind="characteristic"),
        name="plan_characteristic_delete",
    ),
    path("plans/versions/<id:version_id>/rules/new/", plans.SamplingRuleView.as_view(), name="plan_rule_new"),
    path("plans/versions/<id:version_id>/rules/<id:item_id>/", plans.SamplingRuleView.as_view(), name="plan_rule_edit"),
    path(
        "plans/versions/<id:version_id>/rules/<id:item_id>/delete/",
        plans.ItemDeleteView.as_view(kind="sampling_rule"),
        name="plan_rule_delete",
    ),
    # The inspection report as PDF (quality.views.documents).
    path("inspections/<id:pk>/report.pdf", documents.InspectionReportView.as_view(), name="inspection_report"),
    # The supplier's inspection results, and the engineer's switch sharing a photo (quality.views.supplier).
    path("inspection-results/", supplier.SupplierResultListView.as_view(), name="supplier_result_list"),
    path("inspection-results/<id:pk>/", supplier.SupplierResultDetailView.as_view(), name="supplier_result_detail"),
    path(
        "inspection-results/<id:pk>/photos/<id:photo_id>/",
        supplier.SupplierPhotoView.as_view(),
        name="supplier_result_photo",
    ),
    path(
        "inspections/<id:pk>/photos/<id:photo_id>/share/",
        supplier.PhotoShareView.as_view(),
        name="inspection_photo_share",
    ),
    # Switching states, reinstatement and skip-lot (quality.views.switching).
    path("switching/", switching.SwitchingListView.as_view(), name="switching_list"),
    path(
        "switching/<id:partner_id>/<id:product_id>/",
        switching.SwitchingDetailView.as_view(),
        name="switching_detail",
    ),
]
