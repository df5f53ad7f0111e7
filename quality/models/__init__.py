from .defects import DefectClass, Severity
from .dispositions import Disposition
from .inspections import Inspection, InspectionSampling
from .plans import Characteristic, InspectionPlan, InspectionPlanVersion, SamplingRule
from .results import InspectionPhoto, InspectionResult
from .rules import QualityRules, quality_rules_for
from .switching import SwitchingEvent, SwitchingState

__all__ = [
    "Characteristic",
    "DefectClass",
    "Disposition",
    "Inspection",
    "InspectionPhoto",
    "InspectionPlan",
    "InspectionPlanVersion",
    "InspectionResult",
    "InspectionSampling",
    "QualityRules",
    "SamplingRule",
    "Severity",
    "SwitchingEvent",
    "SwitchingState",
    "quality_rules_for",
]
