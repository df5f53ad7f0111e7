from .defect_codes import DefectCode
from .defects import DefectClass, Severity
from .dispositions import Disposition
from .inspections import Inspection, InspectionSampling
from .ncrs import Ncr, NcrApproval, NcrContainment, NcrDisposition, NcrFile, NcrLot
from .plans import Characteristic, InspectionPlan, InspectionPlanVersion, SamplingRule
from .results import InspectionPhoto, InspectionResult
from .rules import QualityRules, quality_rules_for, scar_due_days
from .scars import STEP_CODES, STEP_TITLES, Scar, ScarAnswer, ScarEvidence, ScarReminder, ScarStep
from .scorecards import (
    PartnerScore,
    PurchaseWarning,
    ScorecardPeriod,
    ScorecardRules,
    Standing,
    StandingChange,
    scorecard_rules_for,
)
from .switching import SwitchingEvent, SwitchingState

__all__ = [
    "STEP_CODES",
    "STEP_TITLES",
    "Characteristic",
    "DefectClass",
    "DefectCode",
    "Disposition",
    "Inspection",
    "InspectionPhoto",
    "InspectionPlan",
    "InspectionPlanVersion",
    "InspectionResult",
    "InspectionSampling",
    "Ncr",
    "NcrApproval",
    "NcrContainment",
    "NcrDisposition",
    "NcrFile",
    "NcrLot",
    "PartnerScore",
    "PurchaseWarning",
    "QualityRules",
    "SamplingRule",
    "Scar",
    "ScarAnswer",
    "ScarEvidence",
    "ScarReminder",
    "ScarStep",
    "ScorecardPeriod",
    "ScorecardRules",
    "Severity",
    "Standing",
    "StandingChange",
    "SwitchingEvent",
    "SwitchingState",
    "quality_rules_for",
    "scar_due_days",
    "scorecard_rules_for",
]
