"""Choices shared by plans, sampling and inspections: defect classes and inspection severities."""

from __future__ import annotations

from django.db import models


class DefectClass(models.TextChoices):
    """How serious a nonconformity of a characteristic is; each class is sampled on its own."""

    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"


class Severity(models.TextChoices):
    """Where a partner + product stands in the ISO 2859-1 switching scheme."""

    NORMAL = "normal", "Normal"
    TIGHTENED = "tightened", "Tightened"
    REDUCED = "reduced", "Reduced"
    DISCONTINUED = "discontinued", "Inspection discontinued"
