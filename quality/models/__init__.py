from .defects import DefectClass, Severity
from .inspections import Inspection, InspectionSampling
from .plans import Characteristic, InspectionPlan, InspectionPlanVersion, SamplingRule
from .switching import SwitchingEvent, SwitchingState

__all__ = [
    "Characteristic",
    "DefectClass",
    "Inspection",
    "InspectionPlan",
    "InspectionPlanVersion",
    "InspectionSampling",
    "SamplingRule",
    "Severity",
    "SwitchingEvent",
    "SwitchingState",
]
