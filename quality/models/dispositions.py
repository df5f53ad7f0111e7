"""What quality decided to do with an inspected lot: release it, return it to the vendor, scrap it, or hold it.

A lot may be decided in several steps (hold 30 of 500 while 470 are released, then return the 30):
each step is one ``Disposition`` row, and the lot's quantities are the sums over its rows. What no
row decided is held. Each row that moves stock emits ``inspection.disposed`` (``integrations.topics``)
with the cumulative quantities of every lot of its PO's receipts, so the handler converges Odoo to
the sums, however often it runs (``integrations.handlers.dispositions``).

The NCR issue will add approval; for that reason a disposition is a record of its own, never fields
on the inspection.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TenantOwnedModel
from suppliers.quantities import quantity_field


class Disposition(TenantOwnedModel):
    """One decision on one inspected lot: quantities released, returned to the vendor, scrapped (each >= 0).

    ``kind`` names the decision as people say it: ``accept`` (all of what is left released),
    ``reject`` (nothing released, the rest returned or scrapped), ``partial`` (some of each, e.g. sorted:
    470 good, 30 returned), ``hold`` (nothing moves; wait for an NCR). ``reason`` is required for
    everything but a plain accept. ``outbox_event`` is the event that takes it to Odoo (none for a hold).
    """

    scope_partner_path = "inspection__partner"

    class Kind(models.TextChoices):
        ACCEPT = "accept", _("Accept (release)")
        REJECT = "reject", _("Reject")
        PARTIAL = "partial", _("Accept part")
        HOLD = "hold", _("Hold")
        SKIPPED = "skipped", _("Released without inspection (skip-lot)")

    inspection = models.ForeignKey("quality.Inspection", on_delete=models.PROTECT, related_name="dispositions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    released = quantity_field(default=0, help_text=_("Moved to usable stock, in the product's unit."))
    returned = quantity_field(default=0, help_text=_("Returned to the vendor."))
    scrapped = quantity_field(default=0, help_text=_("Scrapped."))
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    outbox_event = models.ForeignKey(
        "integrations.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["inspection", "decided_at", "id"]
        indexes = [models.Index(fields=["tenant", "decided_at"], name="disposition_decided_idx")]

    def __str__(self) -> str:
        return _("%(kind)s of %(inspection)s") % {"kind": self.get_kind_display(), "inspection": self.inspection}
