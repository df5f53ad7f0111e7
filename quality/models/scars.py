"""Supplier corrective action requests (SCAR) worked in the 8D method: D1 team to D8 closure.

A ``Scar`` is issued to one partner from one or more NCRs (or from an inspection whose
partner + product was discontinued). It has eight ``ScarStep`` rows, each with a due date. The
supplier answers a step (``ScarAnswer``: every answer is a new version, with who, when and the
structured content), attaches evidence (``ScarEvidence``), and the engineer accepts it or sends
it back with a comment. After D8 the SCAR waits for its effectiveness check; a new NCR with one of
its defect codes for the same partner + product before the check passes reopens it at D4.
Reminders and escalations of an overdue step are sent once each (``ScarReminder``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from portal.lifecycle import Lifecycle, Transition
from portal.models import TenantOwnedModel

from .ncrs import ncr_storage

GUARDS = "quality.services.scar_states"

STEP_CODES = ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8")
STEP_TITLES = {
    "D1": gettext_lazy("Team"),
    "D2": gettext_lazy("Problem description"),
    "D3": gettext_lazy("Containment"),
    "D4": gettext_lazy("Root cause"),
    "D5": gettext_lazy("Permanent corrective actions"),
    "D6": gettext_lazy("Implemented and validated"),
    "D7": gettext_lazy("Prevention of recurrence"),
    "D8": gettext_lazy("Closure"),
}


def evidence_path(item: ScarEvidence, filename: str) -> str:
    extension = Path(filename).suffix.lower()[:8] if "." in filename else ""
    return f"quality/{item.tenant_id}/scars/{item.step.scar_id}/{uuid.uuid4().hex}{extension}"


class Scar(TenantOwnedModel):
    """A corrective action request to one partner (numbered ``SCAR-00001`` per tenant).

    States: ``open`` (steps being answered) -> ``verifying`` (D8 accepted; the effectiveness check
    runs until ``verify_until`` or ``verify_lots`` clean lots) -> ``closed``; ``verifying`` ->
    ``open`` again at D4 when the same defect comes back (``reopen_reason`` says why);
    ``cancelled`` with a reason.
    """

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        VERIFYING = "verifying", gettext_lazy("Effectiveness check")
        CLOSED = "closed", gettext_lazy("Closed")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    OPEN_STATUSES = (Status.OPEN, Status.VERIFYING)

    lifecycle = Lifecycle(
        initial=(Status.OPEN,),
        transitions=[
            Transition(
                "verify",
                sources=(Status.OPEN,),
                targets=(Status.VERIFYING,),
                action="scar.verifying",
                guard=f"{GUARDS}.verify_blockers",
            ),
            Transition(
                "close",
                sources=(Status.VERIFYING,),
                targets=(Status.CLOSED,),
                action="scar.closed",
                guard=f"{GUARDS}.close_blockers",
            ),
            Transition("reopen", sources=(Status.VERIFYING,), targets=(Status.OPEN,), action="scar.reopened"),
            Transition(
                "cancel", sources=(Status.OPEN, Status.VERIFYING), targets=(Status.CANCELLED,), action="scar.cancelled"
            ),
        ],
    )

    number = models.CharField(max_length=16)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="scars")
    product = models.ForeignKey(
        "suppliers.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="scars"
    )
    ncrs = models.ManyToManyField("quality.Ncr", blank=True, related_name="scars")
    inspection = models.ForeignKey(
        "quality.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("The inspection whose partner + product was discontinued, when issued for that."),
    )
    defect_codes = models.ManyToManyField("quality.DefectCode", blank=True, related_name="scars")
    title = models.CharField(max_length=200)
    # Effectiveness check after D8: until this date, or until this many lots of the partner + product
    # are inspected without the defect codes (whichever the engineer set; both: the later).
    verify_until = models.DateField(null=True, blank=True)
    verify_lots = models.PositiveSmallIntegerField(default=0)
    verifying_since = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    cancel_reason = models.TextField(blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="scar_unique_number")]
        indexes = [models.Index(fields=["tenant", "status", "issued_at"], name="scar_status_idx")]

    def __str__(self) -> str:
        return self.number


class ScarStep(TenantOwnedModel):
    """One 8D step of a SCAR, ``D1``..``D8``, with its due date and where it stands.

    ``status``: ``open`` (waiting for the supplier), ``answered`` (waiting for the engineer),
    ``accepted``, ``returned`` (sent back with ``review_comment``; waiting for the supplier again).
    """

    scope_partner_path = "scar__partner"

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Waiting for the supplier")
        ANSWERED = "answered", gettext_lazy("To review")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        RETURNED = "returned", gettext_lazy("Sent back")

    WAITING_SUPPLIER = (Status.OPEN, Status.RETURNED)

    lifecycle = Lifecycle(
        initial=(Status.OPEN,),
        transitions=[
            Transition(
                "answer",
                sources=(Status.OPEN, Status.RETURNED, Status.ANSWERED),
                targets=(Status.ANSWERED,),
                action="scar.step_answered",
            ),
            Transition("accept", sources=(Status.ANSWERED,), targets=(Status.ACCEPTED,), action="scar.step_accepted"),
            Transition(
                "send_back", sources=(Status.ANSWERED,), targets=(Status.RETURNED,), action="scar.step_sent_back"
            ),
            Transition(
                "reopen",
                sources=(Status.ACCEPTED, Status.ANSWERED, Status.RETURNED),
                targets=(Status.OPEN,),
                action="scar.step_reopened",
            ),
        ],
    )

    scar = models.ForeignKey(Scar, on_delete=models.CASCADE, related_name="steps")
    # format_lazy: the label reads the title in the active language each time it is shown (an f-string here
    # read it once, at import, in English).
    code = models.CharField(max_length=2, choices=[(c, format_lazy("{} {}", c, STEP_TITLES[c])) for c in STEP_CODES])
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scar", "code"]
        constraints = [models.UniqueConstraint(fields=["scar", "code"], name="scar_step_unique_code")]
        indexes = [models.Index(fields=["tenant", "status", "due_date"], name="scar_step_due_idx")]

    def __str__(self) -> str:
        return f"{self.scar} {self.code}"

    @property
    def title(self) -> str:
        return STEP_TITLES[self.code]


class ScarAnswer(TenantOwnedModel):
    """One version of the supplier's answer to a step (never edited: a change is a new version).

    ``content`` holds the step's structured fields (quality.scar_content: e.g. D4's
    ``occurrence_whys`` / ``detection_whys`` lists and ``fishbone`` categories); ``via`` is
    ``portal`` or ``api``.
    """

    scope_partner_path = "step__scar__partner"

    step = models.ForeignKey(ScarStep, on_delete=models.CASCADE, related_name="answers")
    version = models.PositiveSmallIntegerField()
    content = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=8, default="portal")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "version"]
        constraints = [models.UniqueConstraint(fields=["step", "version"], name="scar_answer_unique_version")]

    def __str__(self) -> str:
        return f"{self.step} v{self.version}"


class ScarEvidence(TenantOwnedModel):
    """A file the supplier attached to a step (a photo, a revised control plan, a PFMEA)."""

    scope_partner_path = "step__scar__partner"

    step = models.ForeignKey(ScarStep, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, storage=ncr_storage, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text=gettext_lazy("Bytes."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ScarReminder(TenantOwnedModel):
    """A reminder or escalation sent for an overdue step, at most once per level and due date.

    ``level`` 1: the supplier's users; 2: the supplier admin and the buyer; 3: the partner marked
    for the scorecard and an activity for the buyer in Odoo. A new due date starts over.
    """

    scope_partner_path = "step__scar__partner"

    step = models.ForeignKey(ScarStep, on_delete=models.CASCADE, related_name="reminders")
    level = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "level"]
        constraints = [
            models.UniqueConstraint(fields=["step", "level", "due_date"], name="scar_reminder_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.step} level {self.level}"
