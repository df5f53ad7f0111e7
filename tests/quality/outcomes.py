"""Signed inspections as a supplier sees them, for the supplier pages' and the API's tests: a lot
inspected, signed, optionally decided and with a photo; internal texts marked so a test can look
for them where they must not be."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Role
from quality.models import Inspection, InspectionPhoto
from quality.services.dispositions import disposition_record
from quality.services.recording import inspection_sign, photo_add, result_record
from quality.services.sharing import photo_share
from tests.factories import member
from tests.factories.portal import PASSWORD
from tests.quality.test_recording import _png, make_inspection

# Texts only staff may read: a result's note, a photo's note, a disposition's reason.
RESULT_NOTE = "Burr on the INTERNAL edge"
PHOTO_NOTE = "INTERNAL: gauge 7 was off"
REASON = "INTERNAL reason: supplier keeps sending burrs"


def _staff(partner, role):
    """A staff member of ``partner``'s tenant (one per tenant and role, made on first use)."""
    from portal.models import Membership

    found = Membership.objects.filter(tenant=partner.tenant, role=role).first()
    return found or member(partner.tenant, role)


def outcome(
    partner,
    *,
    lot: str = "LOT-1",
    quantity: int = 100,
    reject: bool = False,
    sign: bool = True,
    photos: tuple[bool, ...] = (),
) -> Inspection:
    """An inspection of ``partner``'s lot (majors: 3 units Ac 1 Re 2; minors: 2 units Ac 0 Re 1),
    recorded with a noted result, two out-of-tolerance units when ``reject``, one photo per entry of
    ``photos`` (True: shared by the engineer), and signed unless ``sign`` is False."""
    inspector = _staff(partner, Role.INSPECTOR)
    inspection, length, finish = make_inspection(partner, lot=lot, quantity=quantity)
    values = {1: "12.5", 2: "9.5", 3: "10.05"} if reject else {1: "10.05", 2: "10.05", 3: "10.05"}
    for unit, value in values.items():
        result_record(
            membership=inspector,
            inspection=inspection,
            unit=unit,
            characteristic=length,
            client_key=f"{lot}-l{unit}",
            value=Decimal(value),
            note=RESULT_NOTE if unit == 1 else "",
        )
    for unit in (1, 2):
        result_record(
            membership=inspector,
            inspection=inspection,
            unit=unit,
            characteristic=finish,
            client_key=f"{lot}-f{unit}",
            passed=True,
        )
    engineer = _staff(partner, Role.QUALITY_ENGINEER)
    for shared in photos:
        upload = SimpleUploadedFile("lot.png", _png(), content_type="image/png")
        photo = photo_add(membership=inspector, inspection=inspection, upload=upload, note=PHOTO_NOTE)
        if shared:
            photo_share(membership=engineer, inspection_id=inspection.pk, photo_id=photo.pk, shared=True)
    if sign:
        inspection = inspection_sign(membership=inspector, inspection=inspection, password=PASSWORD)
    return inspection


def decide(inspection: Inspection, **quantities) -> None:
    """Record a disposition on a signed lot, with the internal reason."""
    inspector = _staff(inspection.partner, Role.INSPECTOR)
    disposition_record(
        membership=inspector, inspection=inspection, reason=REASON, **{k: Decimal(v) for k, v in quantities.items()}
    )


def photos_of(inspection: Inspection, *, shared: bool) -> list[InspectionPhoto]:
    return list(inspection.photos.filter(shared_with_supplier=shared).order_by("id"))
