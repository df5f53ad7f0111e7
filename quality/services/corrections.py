"""Discarding a correction that was opened and not signed: the signed inspection it corrects counts again.

A correction (``recording.inspection_correct``) is a draft until it is signed. While it is open the lot
waits for it (no disposition, ``dispositions._check_state``); an inspector who opened one by mistake, or
found nothing wrong after all, discards it here instead of leaving the lot stuck.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Membership
from portal.services.audit import audit_record
from quality.models import Inspection
from quality.services.recording import check_recorder


@transaction.atomic
def inspection_correction_discard(*, membership: Membership, inspection: Inspection) -> Inspection:
    """Delete the unsigned correction ``inspection`` with what was typed in it (results, samplings, photos
    and their files); answers the signed inspection it corrected, which is current again.

    The discard is audited on the signed inspection (who, which revision, how many results were
    dropped). Raises ``ValidationError`` unless ``inspection`` is a correction that is not signed;
    ``NotInScope`` for anyone who may not record it.
    """
    check_recorder(membership, inspection)
    draft = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    if draft.corrects_id is None:
        raise ValidationError(_("Only a correction is discarded; this is the original inspection."))
    if draft.status not in (Inspection.Status.WAITING, Inspection.Status.IN_PROGRESS):
        raise ValidationError(
            _("This correction is “%(status)s”: a signed correction stays; open another.")
            % {"status": draft.get_status_display()}
        )
    original = Inspection.objects.select_for_update(of=("self",)).get(pk=draft.corrects_id)
    dropped = draft.results.filter(superseded=False).count()
    files = [photo.file for photo in draft.photos.all()]
    revision = draft.revision
    draft.delete()  # samplings, results and photos go with it (CASCADE)
    for stored in files:
        transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
    audit_record(
        tenant=original.tenant,
        actor=membership.user,
        action="inspection.correction_discarded",
        obj=original,
        changes={"correction": [revision, None], "results_dropped": [dropped, None]},
    )
    return original
