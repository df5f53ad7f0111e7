"""Certificates (CoC, CoA) of a draft ASN, of one of its lines or of one lot: attached and removed.

A certificate goes to Odoo with the submission; removing one from a draft is the one way it goes,
on purpose and in the audit trail. The file's first bytes decide its type, never its name.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext

from portal.bidi import identifier_refusal
from portal.dates import Refused
from portal.models import Membership
from portal.services.audit import audit_record
from suppliers.models import Asn, AsnLine, Certificate
from suppliers.selectors import asn_get
from suppliers.services.asn_inputs import supplier_only

CERTIFICATE_TYPES = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024


def _lot(asn, line, lot_name: str, errors: dict[str, str]) -> str:
    """The certificate's lot as typed, checked: a plain identifier, shipped on this ASN (and line)."""
    if refusal := identifier_refusal(lot_name):
        errors["lot_name"] = refusal
    elif lot_name and not asn.items.filter(lot_name=lot_name, **({"line": line} if line else {})).exists():
        text = gettext("No lot %(lot)s on %(asn)s for this line.") if line else gettext("No lot %(lot)s on %(asn)s.")
        errors["lot_name"] = text % {"lot": lot_name, "asn": asn.number}
    return lot_name


def asn_attach_certificate(
    *,
    membership: Membership,
    asn_id: int,
    upload,
    kind: str = Certificate.Kind.COC,
    line_id: int | Refused | None = None,
    lot_name: str = "",
) -> Certificate:
    """Attach a certificate (PDF, PNG or JPEG, at most 10 MB) to a draft ASN, for a line or one of its lots.

    ``upload``: an uploaded file; ``line_id``: the ASN line's id (None: the whole shipment).
    Raises ``ValidationError`` keyed ``file``, ``kind``, ``line``, ``lot_name`` or ``__all__``.
    """
    supplier_only(membership)
    errors: dict[str, str] = {}
    if upload is None:
        raise ValidationError({"file": gettext("Choose a file to attach.")})
    data = upload.read(CERTIFICATE_MAX_BYTES + 1)
    if len(data) > CERTIFICATE_MAX_BYTES:
        errors["file"] = gettext("Certificates are limited to 10 MB.")
    content_type = next((t for magic, t in CERTIFICATE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None and "file" not in errors:
        errors["file"] = gettext("%(file)s is not a PDF, PNG or JPEG file.") % {"file": upload.name}
    if kind not in dict(Certificate.Kind.choices):
        errors["kind"] = gettext("Choose one of %(choices)s.") % {"choices": ", ".join(dict(Certificate.Kind.choices))}
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        if not asn.editable:
            errors["__all__"] = gettext("%(asn)s is “%(status)s”; attach documents to drafts.") % {
                "asn": asn.number,
                "status": asn.get_status_display(),
            }
        line = _line(asn, line_id, errors)
        lot_name = _lot(asn, line, (lot_name or "").strip(), errors)
        if errors:
            raise ValidationError(errors)
        filename = "".join(c for c in upload.name.rsplit("/", 1)[-1] if c.isalnum() or c in "._- ")[:150] or "file"
        certificate = Certificate(
            tenant=asn.tenant,
            asn=asn,
            line=line,
            lot_name=lot_name,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=membership.user,
        )
        certificate.file.save(filename, ContentFile(data), save=False)
        certificate.save()
        audit_record(tenant=asn.tenant, actor=membership.user, action="asn.certificate_added", obj=certificate)
    return certificate


def _line(asn: Asn, line_id: int | Refused | None, errors: dict) -> AsnLine | None:
    if line_id is None:
        return None
    line = asn.lines.filter(pk=line_id).first() if isinstance(line_id, int) else None
    if line is None:
        errors["line"] = gettext("Line %(line)s is not on %(asn)s.") % {
            "line": getattr(line_id, "text", line_id),
            "asn": asn.number,
        }
    return line


def asn_remove_certificate(*, membership: Membership, asn_id: int, certificate_id: int | Refused) -> None:
    """Take a certificate off a draft ASN: the one way a certificate goes, on purpose and in the audit
    trail (file name, digest, line and lot kept there). Submitted ASNs keep theirs: Odoo has them."""
    supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        certificate = (
            Certificate.objects.filter(asn=asn, pk=certificate_id).select_related("line__order_line").first()
            if isinstance(certificate_id, int)
            else None
        )
        if certificate is None:
            given = getattr(certificate_id, "text", certificate_id)
            raise ValidationError(
                {"certificate": gettext("No certificate %(given)s on %(asn)s.") % {"given": given, "asn": asn.number}}
            )
        if not asn.editable:
            raise ValidationError(
                {
                    "__all__": gettext("%(asn)s is “%(status)s”; its certificates went to Odoo.")
                    % {"asn": asn.number, "status": asn.get_status_display()}
                }
            )
        line = certificate.line.order_line.description.splitlines()[0][:60] if certificate.line else None
        audit_record(
            tenant=asn.tenant,
            actor=membership.user,
            action="asn.certificate_removed",
            obj=certificate,
            changes={
                "asn": [asn.number, asn.number],
                "filename": [certificate.filename, None],
                "kind": [certificate.kind, None],
                "sha256": [certificate.sha256, None],
                "line": [line, None],
                "lot_name": [certificate.lot_name or None, None],
            },
        )
        name = certificate.file.name
        storage = certificate.file.storage
        certificate.delete()
        # The file goes once the removal is committed (a rollback keeps both).
        transaction.on_commit(lambda: storage.delete(name) if name else None)
