"""Inspections of received lots, and the sampling each defect class of one is inspected with.

The system creates them from receipts done in Odoo (``quality.services.inspections``): one per
lot received, or one per receipt line for an untracked product. ``sequence`` counts the
inspections of one lot on one receipt line: 1 is the original inspection (the one the switching
rules count), a re-inspection is the next number and points at the one before
(``reinspection_of``). The unique (receipt move, lot, sequence) makes creation idempotent: a
redelivered hand-off finds the row and creates nothing.

Signed, an inspection is read-only; a correction is a new row that ``corrects`` the signed one,
with the same lot and sequence and the next ``revision`` (``quality.services.recording``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from portal.lifecycle import Lifecycle, Transition
from portal.models import TenantOwnedModel
from suppliers.quantities import quantity_field

from .defects import DefectClass, Severity


class Inspection(TenantOwnedModel):
    """One inspection of one lot (or of an untracked receipt line) of a receipt.

    Statuses: ``waiting`` for an inspector, ``in_progress``, ``signed`` (read-only after);
    ``no_plan``: no inspection plan covers the partner + product, so nothing can be sampled until
    a quality engineer gives the product a plan (the lot is still held, never silently released);
    ``discontinued``: inspection of the partner + product is discontinued (ISO 2859-1 9.4) and
    the lot is held until the engineer reinstates it; ``skipped``: a skip-lot partner + product's
    lot that is not drawn for inspection, released without one and saying so; ``cancelled``.
    """

    class Status(models.TextChoices):
        NO_PLAN = "no_plan", _("No plan")
        DISCONTINUED = "discontinued", _("Inspection discontinued")
        WAITING = "waiting", _("Waiting")
        IN_PROGRESS = "in_progress", _("In progress")
        SIGNED = "signed", _("Signed")
        SKIPPED = "skipped", _("Skipped (skip-lot)")
        CANCELLED = "cancelled", _("Cancelled")

    class Verdict(models.TextChoices):
        ACCEPT = "accept", _("Accepted")
        REJECT = "reject", _("Rejected")

    OPEN_STATUSES = (Status.NO_PLAN, Status.DISCONTINUED, Status.WAITING, Status.IN_PROGRESS)

    lifecycle = Lifecycle(
        # In progress: a correction of a signed inspection opens with its results already copied.
        initial=(Status.NO_PLAN, Status.DISCONTINUED, Status.WAITING, Status.IN_PROGRESS, Status.SKIPPED),
        transitions=[
            # A plan given, or inspection reinstated: the lot can be sampled now.
            Transition(
                "release_to_inspect",
                sources=(Status.NO_PLAN, Status.DISCONTINUED),
                targets=(Status.WAITING,),
                action="inspection.ready",
            ),
            Transition("start", sources=(Status.WAITING,), targets=(Status.IN_PROGRESS,), action="inspection.started"),
            Transition("sign", sources=(Status.IN_PROGRESS,), targets=(Status.SIGNED,), action="inspection.signed"),
            Transition(
                "cancel",
                sources=(Status.NO_PLAN, Status.DISCONTINUED, Status.WAITING, Status.IN_PROGRESS),
                targets=(Status.CANCELLED,),
                action="inspection.cancelled",
            ),
        ],
    )

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="inspections")
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="inspections")
    receipt = models.ForeignKey("suppliers.Receipt", on_delete=models.PROTECT, related_name="inspections")
    # SET_NULL: a done move never leaves Odoo, but if the pull ever dropped one, the inspection
    # (and what it found) must outlive it, and the pull must not fail on it.
    receipt_move = models.ForeignKey(
        "suppliers.ReceiptMove", on_delete=models.SET_NULL, null=True, blank=True, related_name="inspections"
    )
    lot_name = models.CharField(max_length=128, blank=True, help_text=_("Empty for an untracked product."))
    lot_size = quantity_field(help_text=_("The quantity received, in the product's unit."))
    sequence = models.PositiveSmallIntegerField(default=1, help_text=_("1: original inspection; more: re-inspections."))
    reinspection_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reinspections"
    )
    plan_version = models.ForeignKey(
        "quality.InspectionPlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    severity = models.CharField(
        max_length=12, choices=Severity.choices, blank=True, help_text=_("The switching state the sample was drawn at.")
    )
    first_article = models.BooleanField(default=False, help_text=_("Inspected under the plan's first-article rule."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # The signature: computed verdict, who signed, when, and what the signature means, in words.
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_meaning = models.CharField(max_length=200, blank=True)
    revision = models.PositiveSmallIntegerField(
        default=1, help_text=_("1, then one more per correction after sign-off.")
    )
    # Kept by quality.services.dispositions on every inspection of the lot: true while some of the lot is
    # decided by no disposition. Lists and the hold check filter on it instead of summing dispositions
    # for each of tens of thousands of signed inspections.
    undecided = models.BooleanField(default=True, help_text=_("Some of the lot is still held, decided by nobody."))
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_move", "lot_name", "sequence", "revision"],
                name="inspection_unique_move_lot_sequence",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="inspection_status_idx"),
            models.Index(
                fields=["tenant", "signed_at"], condition=models.Q(undecided=True), name="inspection_undecided_idx"
            ),
            # The dock's scan finds a lot by its number as printed, in any case (quality.selectors.inspection_find).
            models.Index(models.F("tenant"), Upper("lot_name"), name="inspection_lot_upper_idx"),
        ]

    def __str__(self) -> str:
        if self.lot_name:
            text = _("Inspection of lot %(lot)s") % {"lot": self.lot_name}
        else:
            text = _("Inspection of %(receipt)s") % {"receipt": self.receipt}
        return text + (f" (#{self.sequence})" if self.sequence > 1 else "")

    @property
    def sample_size(self) -> int | None:
        """The items to draw: the largest sample of its defect classes (smaller ones are taken from it)."""
        sizes = [s.sample_size for s in self.samplings.all()]
        return max(sizes) if sizes else None


class InspectionSampling(TenantOwnedModel):
    """The single-sampling plan one defect class of an inspection uses: n, Ac and Re, and where they came from."""

    scope_partner_path = "inspection__partner"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="samplings")
    defect_class = models.CharField(max_length=8, choices=DefectClass.choices)
    mode = models.CharField(max_length=16)  # SamplingRule.Mode, or first-article's hundred_percent
    level = models.CharField(max_length=4, blank=True)
    aql = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    code_letter = models.CharField(max_length=1, blank=True)
    sample_size = models.PositiveIntegerField()
    accept = models.PositiveIntegerField()
    reject = models.PositiveIntegerField()
    hundred_percent = models.BooleanField(default=False)
    source = models.TextField(help_text=_("Where the plan comes from, in words (table, arrow, 100 %)."))

    class Meta:
        ordering = ["inspection", "defect_class"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "defect_class"], name="inspection_sampling_unique_class")
        ]

    def __str__(self) -> str:
        return f"{self.get_defect_class_display()}: n={self.sample_size}, Ac={self.accept}, Re={self.reject}"
