"""The quality half's tenant pages, mounted under ``/t/<tenant>/`` by ``portal.urls`` (registered
from ``quality.entries``). Each helper appends its own block of paths."""

from django.urls import path

from quality.views import (
    defect_codes,
    dispositions,
    documents,
    inspections,
    ncr_actions,
    ncr_detail,
    ncr_files,
    ncr_list,
    ncr_new,
    plans,
    quality_settings,
    reinspections,
    scar_detail,
    scar_issue,
    scar_list,
    scar_pdf,
    scar_review,
    scorecard_detail,
    scorecard_drill,
    scorecard_pdf,
    scorecard_ranking,
    scorecard_rules,
    supplier,
    supplier_scars,
    supplier_scorecard,
    switching,
)

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
    # SCARs / 8D: the engineer's pages (quality.views.scar_list, scar_issue, scar_detail, scar_review,
    # scar_pdf) and the supplier's "Corrective actions" (quality.views.supplier_scars).
    path("scars/", scar_list.ScarListView.as_view(), name="scar_list"),
    path("scars/new/", scar_issue.ScarIssueView.as_view(), name="scar_issue"),
    path("scars/<id:pk>/", scar_detail.ScarDetailView.as_view(), name="scar_detail"),
    path("scars/<id:pk>/8d.pdf", scar_pdf.ScarReportView.as_view(), name="scar_report"),
    path("scars/<id:pk>/steps/<str:code>/", scar_review.ScarStepView.as_view(), name="scar_step"),
    path(
        "scars/<id:pk>/steps/<str:code>/files/<id:file_id>/",
        scar_review.ScarEvidenceView.as_view(),
        name="scar_evidence",
    ),
    path("corrective-actions/", supplier_scars.SupplierScarListView.as_view(), name="supplier_scar_list"),
    path("corrective-actions/<id:pk>/", supplier_scars.SupplierScarDetailView.as_view(), name="supplier_scar_detail"),
    path("corrective-actions/<id:pk>/8d.pdf", scar_pdf.SupplierScarReportView.as_view(), name="supplier_scar_report"),
    path(
        "corrective-actions/<id:pk>/steps/<str:code>/",
        supplier_scars.SupplierStepView.as_view(),
        name="supplier_scar_step",
    ),
    path(
        "corrective-actions/<id:pk>/steps/<str:code>/files/<id:file_id>/",
        supplier_scars.SupplierEvidenceView.as_view(),
        name="supplier_scar_evidence",
    ),
    path(
        "corrective-actions/<id:pk>/ncr-files/<id:file_id>/",
        supplier_scars.SupplierNcrFileView.as_view(),
        name="supplier_scar_ncr_file",
    ),
    # NCRs: list, new, the NCR page and its actions, files, photos and PDF (quality.views.ncr_*).
    path("ncrs/", ncr_list.NcrListView.as_view(), name="ncr_list"),
    path("ncrs/new/", ncr_new.NcrNewView.as_view(), name="ncr_new"),
    path("ncrs/<id:pk>/", ncr_detail.NcrDetailView.as_view(), name="ncr_detail"),
    path("ncrs/<id:pk>/edit/", ncr_actions.NcrEditView.as_view(), name="ncr_edit"),
    path("ncrs/<id:pk>/move/", ncr_actions.NcrMoveView.as_view(), name="ncr_move"),
    path("ncrs/<id:pk>/cancel/", ncr_actions.NcrCancelView.as_view(), name="ncr_cancel"),
    path("ncrs/<id:pk>/containment/", ncr_actions.ContainmentAddView.as_view(), name="ncr_containment_add"),
    path(
        "ncrs/<id:pk>/containment/<id:item_id>/done/",
        ncr_actions.ContainmentDoneView.as_view(),
        name="ncr_containment_done",
    ),
    path("ncrs/<id:pk>/files/", ncr_actions.NcrFileAddView.as_view(), name="ncr_file_add"),
    path("ncrs/<id:pk>/files/<id:file_id>/", ncr_files.NcrFileView.as_view(), name="ncr_file"),
    path("ncrs/<id:pk>/photos/<id:photo_id>/", ncr_files.NcrPhotoView.as_view(), name="ncr_photo"),
    path("ncrs/<id:pk>/dispositions/", ncr_actions.DispositionProposeView.as_view(), name="ncr_disposition_propose"),
    path(
        "ncrs/<id:pk>/dispositions/<id:disposition_id>/",
        ncr_actions.DispositionDecideView.as_view(),
        name="ncr_disposition_decide",
    ),
    path("ncrs/<id:pk>/ncr.pdf", ncr_files.NcrPdfView.as_view(), name="ncr_pdf"),
    # The defect code catalogue and the tenant's NCR/SCAR rules.
    path("defect-codes/", defect_codes.DefectCodeListView.as_view(), name="defect_code_list"),
    path("defect-codes/<id:pk>/", defect_codes.DefectCodeEditView.as_view(), name="defect_code_edit"),
    path("quality-rules/", quality_settings.QualitySettingsView.as_view(), name="quality_settings"),
    # Supplier scorecards, the staff's pages: the ranking, a partner's scorecard and a figure's drill-down
    # (quality.views.scorecard_ranking, scorecard_detail, scorecard_drill).
    path("scorecards/", scorecard_ranking.ScorecardRankingView.as_view(), name="scorecard_ranking"),
    path("scorecards/<id:partner_pk>/", scorecard_detail.ScorecardDetailView.as_view(), name="scorecard_detail"),
    path(
        "scorecards/<id:partner_pk>/<str:measure>/",
        scorecard_drill.ScorecardDrillView.as_view(),
        name="scorecard_drill",
    ),
    # The scorecard as PDF, for staff and for the supplier's own partner (quality.views.scorecard_pdf).
    path(
        "scorecards/<id:partner_pk>/scorecard.pdf", scorecard_pdf.ScorecardReportView.as_view(), name="scorecard_report"
    ),
    path(
        "my-scorecard/scorecard.pdf",
        scorecard_pdf.SupplierScorecardReportView.as_view(),
        name="supplier_scorecard_report",
    ),
    # Supplier scorecards, the supplier's own (quality.views.supplier_scorecard) and the tenant's rules
    # (quality.views.scorecard_rules).
    path("my-scorecard/", supplier_scorecard.SupplierScorecardView.as_view(), name="supplier_scorecard"),
    path(
        "my-scorecard/<str:measure>/",
        supplier_scorecard.SupplierScorecardDrillView.as_view(),
        name="supplier_scorecard_drill",
    ),
    path("scorecard-rules/", scorecard_rules.ScorecardRulesView.as_view(), name="scorecard_rules"),
]
