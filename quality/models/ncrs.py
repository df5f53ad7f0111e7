"""Nonconformance reports: what was found wrong, how it was contained, what happens to the material.

An NCR names the partner, the product and its lots (``NcrLot``: quantity affected and suspect),
the defect codes found, containment actions, files, and the dispositions of its lots
(``NcrDisposition``: use as is, rework, return, scrap, sort). A disposition above the tenant's
threshold waits for a material review: a second person's electronic signature (``NcrApproval``).
Applying a disposition to held stock writes an inspection ``Disposition`` (quality.models.dispositions),
so the stock reaches Odoo through the one mechanism inspection decisions use.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.lifecycle import Lifecycle, Transition
from portal.models import TenantOwnedModel
from suppliers.quantities import plain, quantity_field

from .defects import DefectClass

GUARDS = "quality.services.ncr_states"


def ncr_storage() -> FileSystemStorage:
    """NCR files live under the var dir, never under a public URL: a scoped view serves them."""
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "media")


def ncr_file_path(item: NcrFile, filename: str) -> str:
    extension = Path(filename).suffix.lower()[:8] if "." in filename else ""
    return f"quality/{item.tenant_id}/ncrs/{item.ncr_id}/{uuid.uuid4().hex}{extension}"


class Ncr(TenantOwnedModel):
    """A nonconformance report (numbered ``NCR-00001`` per tenant).

    States: ``open`` -> ``contained`` (containment recorded and done) -> ``dispositioned`` (every
    affected quantity has an applied disposition) -> ``closed``; or ``cancelled`` with a reason.
    Each move is a transition below, guarded by ``quality.services.ncr_states`` (what is missing).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTAINED = "contained", _("Contained")
        DISPOSITIONED = "dispositioned", _("Dispositioned")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        INSPECTION = "inspection", _("Incoming inspection")
        RECEIPT = "receipt", _("Receipt")
        LOT = "lot", _("Lot")
        PRODUCTION = "production", _("Found in production")
        CUSTOMER = "customer", _("Customer complaint")
        OTHER = "other", _("Other")

    OPEN_STATUSES = (Status.OPEN, Status.CONTAINED, Status.DISPOSITIONED)

    lifecycle = Lifecycle(
        initial=(Status.OPEN,),
        transitions=[
            Transition(
                "contain",
                sources=(Status.OPEN,),
                targets=(Status.CONTAINED,),
                action="ncr.contained",
                guard=f"{GUARDS}.contain_blockers",
            ),
            Transition(
                "disposition",
                sources=(Status.CONTAINED,),
                targets=(Status.DISPOSITIONED,),
                action="ncr.dispositioned",
                guard=f"{GUARDS}.disposition_blockers",
            ),
            Transition(
                "close",
                sources=(Status.DISPOSITIONED,),
                targets=(Status.CLOSED,),
                action="ncr.closed",
                guard=f"{GUARDS}.close_blockers",
            ),
            Transition(
                "cancel",
                sources=(Status.OPEN, Status.CONTAINED, Status.DISPOSITIONED),
                targets=(Status.CANCELLED,),
                action="ncr.cancelled",
                guard=f"{GUARDS}.cancel_blockers",
            ),
        ],
    )

    number = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=12, choices=Source.choices)
    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="ncrs")
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="ncrs")
    # Where it came from; each may be empty for an NCR opened by hand.
    inspection = models.ForeignKey(
        "quality.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="ncrs"
    )
    receipt = models.ForeignKey("suppliers.Receipt", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    order = models.ForeignKey(
        "suppliers.PurchaseOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asn = models.ForeignKey("suppliers.Asn", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=8, choices=DefectClass.choices, default=DefectClass.MAJOR)
    defect_codes = models.ManyToManyField("quality.DefectCode", blank=True, related_name="ncrs")
    # Cost of poor quality: quantity affected x unit price (from the PO line, snapshotted when opened)
    # plus the tenant's handling charge per NCR, in the PO's currency.
    unit_price = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    currency_code = models.CharField(max_length=3, blank=True)
    handling_charge = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ncr_unique_number"),
            # One NCR opened automatically per rejected inspection (a retry finds it).
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(source="inspection"),
                name="ncr_unique_inspection_source",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "created_at"], name="ncr_status_idx")]

    def __str__(self) -> str:
        return self.number


class NcrLot(TenantOwnedModel):
    """One lot (or an untracked receipt line: empty ``lot_name``) an NCR covers.

    ``affected``: found nonconforming or held for it; ``suspect``: may be, not yet checked (at the
    supplier, in transit, in stock). ``inspection`` is the lot's inspection when it has one: its
    held quantity is what a disposition can move in Odoo.
    """

    scope_partner_path = "ncr__partner"

    ncr = models.ForeignKey(Ncr, on_delete=models.CASCADE, related_name="lots")
    inspection = models.ForeignKey(
        "quality.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot_name = models.CharField(max_length=128, blank=True)
    affected = quantity_field(default=0)
    suspect = quantity_field(default=0)

    class Meta:
        ordering = ["ncr", "id"]

    def __str__(self) -> str:
        return self.lot_name or str(_("(untracked)"))


class NcrContainment(TenantOwnedModel):
    """A containment action: what, who does it, by when, and when it was done (by whom)."""

    scope_partner_path = "ncr__partner"

    ncr = models.ForeignKey(Ncr, on_delete=models.CASCADE, related_name="containments")
    action = models.CharField(max_length=300)
    owner = models.CharField(max_length=120, help_text=_("Who does it (a name, a team, the supplier)."))
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ncr", "created_at", "id"]

    def __str__(self) -> str:
        return self.action


class NcrFile(TenantOwnedModel):
    """A photo or document on an NCR; the supplier sees it only when ``shared_with_supplier``."""

    scope_partner_path = "ncr__partner"

    ncr = models.ForeignKey(Ncr, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=ncr_file_path, storage=ncr_storage, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text=_("Bytes."))
    shared_with_supplier = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ncr", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class NcrDisposition(TenantOwnedModel):
    """What happens to a quantity of one NCR lot.

    ``kind``: ``use_as_is`` (a concession: released, with ``concession_until``), ``rework`` (with
    ``instructions``; stays held until reworked), ``return`` (to the vendor), ``scrap``, ``sort``
    (100 % inspection; the sorted quantities then get dispositions of their own, ``sorted_from``).
    ``status``: ``proposed`` -> ``awaiting_approval`` when the tenant's threshold asks for a material
    review -> ``applied`` (or ``refused`` by the reviewer, ``withdrawn`` by the author). ``stock``
    is the inspection disposition that took it to Odoo, when the lot's stock was held.
    """

    scope_partner_path = "ncr__partner"

    class Kind(models.TextChoices):
        USE_AS_IS = "use_as_is", _("Use as is (concession)")
        REWORK = "rework", _("Rework")
        RETURN = "return", _("Return to vendor")
        SCRAP = "scrap", _("Scrap")
        # xgettext:no-python-format
        SORT = "sort", _("Sort (100 % inspection)")

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused in review")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ncr = models.ForeignKey(Ncr, on_delete=models.CASCADE, related_name="dispositions")
    lot = models.ForeignKey(NcrLot, on_delete=models.CASCADE, related_name="dispositions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = quantity_field()
    instructions = models.TextField(blank=True)
    concession_until = models.DateField(null=True, blank=True)
    sorted_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="sorted_into")
    status = models.CharField(max_length=20, choices=Status.choices)
    value = models.DecimalField(max_digits=20, decimal_places=2, default=0, help_text=_("quantity x unit price"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    stock = models.OneToOneField(
        "quality.Disposition", on_delete=models.PROTECT, null=True, blank=True, related_name="ncr_disposition"
    )
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["ncr", "proposed_at", "id"]

    def __str__(self) -> str:
        return _("%(kind)s %(quantity)s of %(lot)s") % {
            "kind": self.get_kind_display(),
            "quantity": plain(self.quantity),
            "lot": self.lot,
        }


class NcrApproval(TenantOwnedModel):
    """A material review decision on a disposition: an electronic signature.

    The signer re-entered their password; ``meaning`` says what the signature means in words
    ("Approved: return 30 to the vendor"); ``signed_at`` is the server's time. The signer is never
    the disposition's author (quality.services.ncr_approvals).
    """

    scope_partner_path = "ncr__partner"

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REFUSE = "refuse", _("Refused")

    ncr = models.ForeignKey(Ncr, on_delete=models.CASCADE, related_name="approvals")
    disposition = models.ForeignKey(NcrDisposition, on_delete=models.CASCADE, related_name="approvals")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_role = models.CharField(max_length=32)
    meaning = models.CharField(max_length=300)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["ncr", "signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["disposition"], name="ncr_approval_one_per_disposition")]

    def __str__(self) -> str:
        return _("%(decision)s by %(signer)s") % {"decision": self.get_decision_display(), "signer": self.signer}
