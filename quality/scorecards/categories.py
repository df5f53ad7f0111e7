"""Setting the tenant's category of a partner (what the ranking filters by), from its scorecard page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Membership, Partner, Role
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import PartnerScore

# Who sorts suppliers into categories: the people who choose and follow them.
CATEGORY_ROLES = frozenset({Role.BUYER, Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
CATEGORY_MAX = PartnerScore._meta.get_field("category").max_length


@transaction.atomic
def scorecard_category_set(*, membership: Membership, partner: Partner, category: str) -> PartnerScore:
    """Set ``partner``'s category (free text, at most 80 characters; "" clears it) on its scorecard row.

    Buyers, quality engineers and tenant admins who see the partner (``NotInScope`` otherwise).
    ``ValidationError`` on ``category``: too long, or the partner has no scorecard yet (the batch run
    creates the row with the first figures; the schema keeps the category on it). Unchanged: no write,
    no audit entry; a change is one ``scorecard.category_set`` entry.
    """
    if membership is None or not membership.has_access or membership.role not in CATEGORY_ROLES:
        raise NotInScope()
    if not Partner.objects.visible_to(membership).filter(pk=partner.pk).exists():
        raise NotInScope()
    category = " ".join((category or "").split())
    if len(category) > CATEGORY_MAX:
        message = _("Use at most %(max)s characters (got %(count)s).")
        raise ValidationError({"category": message % {"max": CATEGORY_MAX, "count": len(category)}})
    score = PartnerScore.objects.select_for_update().filter(tenant_id=membership.tenant_id, partner=partner).first()
    if score is None:
        raise ValidationError(
            {"category": _("The partner has no scorecard yet; set its category once the first one is computed.")}
        )
    changes = field_changes({"category": score.category}, {"category": category})
    if changes:
        score.category = category
        score.save(update_fields=["category"])
        audit_record(
            tenant=membership.tenant,
            actor=membership.user,
            action="scorecard.category_set",
            obj=partner,
            changes=changes,
        )
    return score
