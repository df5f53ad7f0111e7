"""What the quality half adds to the project's API, registered from ``QualityConfig.ready()``: the
token scope its endpoints require, its routes module, and the names of its enums in the schema."""

from __future__ import annotations

from portal.api.routes import routes_register
from portal.api.schema import enum_names_register
from portal.api.scopes import scopes_register

# In the order the token page lists them (after the order desk's).
SCOPES = {
    "quality:read": "Read inspection results of your lots",
}

ENUM_NAMES = {
    "InspectionResultEnum": "quality.models.inspections.Inspection.Verdict",
    "DispositionKindEnum": "quality.models.dispositions.Disposition.Kind",
    "DefectClassEnum": "quality.models.defects.DefectClass",
}


def register() -> None:
    scopes_register(SCOPES)
    routes_register("quality.api.urls")
    enum_names_register(ENUM_NAMES)
