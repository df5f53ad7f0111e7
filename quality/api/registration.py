"""What the quality half adds to the project's API, registered from ``QualityConfig.ready()``: the
token scope its endpoints require, its routes module, and the names of its enums in the schema."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from portal.api.routes import routes_register
from portal.api.schema import enum_names_register
from portal.api.scopes import scopes_register

# In the order the token page lists them (after the order desk's).
SCOPES = {
    "quality:read": gettext_lazy("Read inspection results of your lots and your scorecard"),
    # Reads need it too (least privilege): a token that reads inspection results learns nothing of SCARs.
    "scar:respond": gettext_lazy("Read corrective action requests (SCAR / 8D), answer their steps and attach evidence"),
}

ENUM_NAMES = {
    "InspectionResultEnum": "quality.models.inspections.Inspection.Verdict",
    "DispositionKindEnum": "quality.models.dispositions.Disposition.Kind",
    "DefectClassEnum": "quality.models.defects.DefectClass",
    "ScarStatusEnum": "quality.models.scars.Scar.Status",
    "ScarStepStatusEnum": "quality.models.scars.ScarStep.Status",
    "ScarStepCodeEnum": "quality.models.scars.STEP_CODES",
    "ScarAnswerViaEnum": "quality.api.scar_serializers.ANSWER_VIA",
}


def register() -> None:
    scopes_register(SCOPES)
    routes_register("quality.api.urls")
    enum_names_register(ENUM_NAMES)
