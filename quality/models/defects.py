"""Choices shared by plans, sampling and inspections: defect classes and inspection severities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DefectClass(models.TextChoices):
    """How serious a nonconformity of a characteristic is; each class is sampled on its own."""

    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class Severity(models.TextChoices):
    """Where a partner + product stands in the ISO 2859-1 switching scheme."""

    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")
    DISCONTINUED = "discontinued", _("Inspection discontinued")
