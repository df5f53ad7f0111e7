from .defects import DefectClass, Severity
from .inspections import Inspection, InspectionSampling
from .plans import Characteristic, InspectionPlan, InspectionPlanVersion, SamplingRule
from .results import InspectionPhoto, InspectionResult
from .switching import SwitchingEvent, SwitchingState

__all__ = [
    "Characteristic",
    "DefectClass",
    "Inspection",
    "InspectionPhoto",
    "InspectionPlan",
    "InspectionPlanVersion",
    "InspectionResult",
    "InspectionSampling",
    "SamplingRule",
    "Severity",
    "SwitchingEvent",
    "SwitchingState",
]
