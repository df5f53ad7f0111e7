"""What quality shows the supplier of an inspection beyond its outcome: the photos an engineer
chose to share (``InspectionPhoto.shared_with_supplier``).

Who: quality engineers who see the inspection's partner (inspectors take photos; what leaves
the company is the engineer's call). Anyone else gets ``NotInScope`` (404). The supplier sees a
shared photo once the inspection is signed (``quality.supplier_selectors``); its note never.
"""

from __future__ import annotations

from django.db import transaction

from portal.models import Membership, Role
from portal.services.audit import audit_record
from portal.services.errors import NotInScope
from quality.models import InspectionPhoto

SHARERS = frozenset({Role.QUALITY_ENGINEER})


@transaction.atomic
def photo_share(*, membership: Membership, inspection_id: int, photo_id: int, shared: bool) -> InspectionPhoto:
    """Show (``shared`` True) or stop showing a photo to the inspection's supplier; audited as
    ``inspection.photo_shared`` / ``inspection.photo_unshared`` on the inspection. Setting what is
    already set changes nothing and records nothing. Raises ``NotInScope`` for a photo outside the
    engineer's scope or not of ``inspection_id``, or a member who is not a quality engineer."""
    if membership is None or membership.role not in SHARERS:
        raise NotInScope()
    photo = (
        InspectionPhoto.objects.visible_to(membership)
        .select_for_update(of=("self",))
        .select_related("inspection")
        .filter(pk=photo_id, inspection_id=inspection_id)
        .first()
    )
    if photo is None:
        raise NotInScope()
    if photo.shared_with_supplier == shared:
        return photo
    photo.shared_with_supplier = shared
    photo.save(update_fields=["shared_with_supplier"])
    audit_record(
        tenant=photo.inspection.tenant,
        actor=membership.user,
        action="inspection.photo_shared" if shared else "inspection.photo_unshared",
        obj=photo.inspection,
        changes={"photo": [None, photo.pk], "shared_with_supplier": [not shared, shared]},
    )
    return photo
