"""The NCR as PDF (WeasyPrint), rendered and stored as the other documents are
(``suppliers.services.documents.stored_pdf``: once per version of its HTML, then from storage).

Bounded like the inspection report: at most ``MAX_PHOTOS`` pictures (the inspections' photos, then
the NCR's own image files), each a JPEG thumbnail of at most ``THUMB_PIXELS`` on its longer side,
made once and kept beside its file; at most ``MAX_HISTORY_ROWS`` lines of anything listed.
"""

from __future__ import annotations

import base64
import io
import logging

from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from portal.models import Role
from quality.models import InspectionPhoto, Ncr, NcrApproval, NcrDisposition
from quality.services.ncrs import ncr_cost
from quality.services.pictures import PHOTO_MAX_PIXELS
from suppliers.services.documents import in_language_of, stored_pdf

MAX_PHOTOS = 9
THUMB_PIXELS = 480
MAX_ROWS = 200
IMAGE_TYPES = ("image/jpeg", "image/png")
log = logging.getLogger(__name__)


def ncr_pdf(ncr: Ncr) -> bytes:
    """The NCR as PDF bytes (any state; a cancelled one says so), in its supplier's language
    (``in_language_of``). The caller checks scope."""
    with in_language_of(ncr.partner, ncr.tenant):
        return stored_pdf(
            tenant_id=ncr.tenant_id,
            folder=f"ncrs/{ncr.pk}",
            name="ncr",
            template="documents/ncr.html",
            context=ncr_context(ncr),
        )


def ncr_context(ncr: Ncr) -> dict:
    """Everything the PDF prints, read in a fixed number of queries."""
    lots = list(ncr.lots.all()[:MAX_ROWS])
    dispositions = list(
        NcrDisposition.objects.filter(ncr=ncr)
        .select_related("lot", "proposed_by")
        .prefetch_related(Prefetch("approvals", queryset=NcrApproval.objects.select_related("signer")))
        .order_by("proposed_at", "id")[:MAX_ROWS]
    )
    approvals = sorted((a for d in dispositions for a in d.approvals.all()), key=lambda a: (a.signed_at, a.pk))
    for a in approvals:  # the role as people read it, not its stored value
        a.role_label = dict(Role.choices).get(a.signer_role, a.signer_role)
    inspections = {ncr.inspection_id, *(lot.inspection_id for lot in lots)} - {None}
    photos = [
        {
            "src": _thumbnail(p.file),
            "caption": p.note or (_("Unit %(unit)s") % {"unit": p.unit} if p.unit else _("The lot")),
            "at": p.uploaded_at,
        }
        for p in InspectionPhoto.objects.filter(tenant_id=ncr.tenant_id, inspection_id__in=inspections).order_by(
            "uploaded_at", "id"
        )[:MAX_PHOTOS]
    ]
    images = ncr.files.filter(content_type__in=IMAGE_TYPES).order_by("uploaded_at", "id")[: MAX_PHOTOS - len(photos)]
    photos += [{"src": _thumbnail(f.file), "caption": f.name, "at": f.uploaded_at} for f in images]
    return {
        "ncr": ncr,
        "tenant": ncr.tenant,
        "po": ncr.order,
        "lots": lots,
        "codes": list(ncr.defect_codes.all()),
        "containments": list(ncr.containments.select_related("done_by")[:MAX_ROWS]),
        "dispositions": dispositions,
        "approvals": approvals,
        "photos": photos,
        "files": list(ncr.files.exclude(content_type__in=IMAGE_TYPES).order_by("uploaded_at", "id")[:MAX_ROWS]),
        "cost": ncr_cost(ncr),
    }


def _thumbnail(stored: FieldFile) -> str | None:
    """A JPEG thumbnail of an image file as a data URI, made once and kept beside it; None when unreadable."""
    storage = stored.storage
    name = f"{stored.name}.thumb.jpg"
    try:
        if not storage.exists(name):
            storage.save(name, io.BytesIO(_thumbnail_bytes(stored)))
        with storage.open(name, "rb") as thumb:
            data = thumb.read()
    except Exception:  # gone, not an image, a decompression bomb: any decoder's error
        # One bad file must not make the whole NCR's PDF fail for good: it is listed without its picture.
        log.warning("image %s gives no thumbnail", stored.name, exc_info=True)
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def _thumbnail_bytes(stored: FieldFile) -> bytes:
    from PIL import Image, ImageOps

    with stored.open("rb") as source, Image.open(source) as image:
        # Files kept from before uploads were bounded: judged from the header, never decoded in full.
        if image.width * image.height > PHOTO_MAX_PIXELS:
            raise ValueError(f"{image.width} x {image.height} pixels is more than a thumbnail is made from")
        image.draft("RGB", (THUMB_PIXELS, THUMB_PIXELS))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=78)
    return out.getvalue()
