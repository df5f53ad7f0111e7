"""The supplier's side of a SCAR: answering an 8D step, and attaching evidence to it.

Who: the supplier admins and users of the SCAR's partner (``check_responder``); anyone else,
staff included, gets ``NotInScope`` (404). Every answer is a new ``ScarAnswer`` version (1, 2,
...) with its content (``quality.scar_content``), author and channel (``via``: portal or api);
the audit entry names the version and the fields that changed against the version before.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from portal.models import SUPPLIER_ROLES, Membership
from portal.services.audit import audit_record
from portal.services.errors import NotInScope
from quality.models import Scar, ScarAnswer, ScarEvidence, ScarStep
from quality.scar_content import EVIDENCE_REQUIRED, content_changes, content_clean
from quality.services.scars import locked_scar
from suppliers.models import Asn

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_PER_STEP = 20  # files per step: an 8D's evidence, not a file share (and a bounded PDF and page)
CHUNK = 64 * 1024
VIA = ("portal", "api")
ANSWERABLE = (ScarStep.Status.OPEN, ScarStep.Status.RETURNED, ScarStep.Status.ANSWERED)


def check_responder(membership: Membership | None, step: ScarStep) -> None:
    """404 unless ``membership`` is a supplier admin or user of the step's partner."""
    if membership is None or membership.role not in SUPPLIER_ROLES:
        raise NotInScope()
    if not ScarStep.objects.visible_to(membership).filter(pk=step.pk).exists():
        raise NotInScope()


def step_content_errors(code: str, content: Any) -> dict[str, str]:
    """The errors of an answer to step ``code``, keyed by field path (``actions.0.due``); empty: valid."""
    return content_clean(code, content)[1]


def _locked(step: ScarStep) -> tuple[Scar, ScarStep]:
    scar = locked_scar(step.scar_id)
    return scar, ScarStep.objects.select_for_update().get(pk=step.pk)


def _check_open(scar: Scar, step: ScarStep) -> None:
    if scar.status in (Scar.Status.CLOSED, Scar.Status.CANCELLED):
        message = _("%(scar)s is “%(status)s”: it is read-only.")
        raise ValidationError({"__all__": message % {"scar": scar.number, "status": scar.get_status_display()}})
    if step.status == ScarStep.Status.ACCEPTED:
        message = _("%(code)s %(title)s is accepted: nothing more to answer.")
        raise ValidationError({"__all__": message % {"code": step.code, "title": step.title}})


def _check_order(step: ScarStep) -> None:
    """D8 closes the 8D: it comes after D1..D7 are accepted; the others go in any order."""
    if step.code != "D8":
        return
    pending = list(
        ScarStep.objects.filter(scar_id=step.scar_id)
        .exclude(code="D8")
        .exclude(status=ScarStep.Status.ACCEPTED)
        .values_list("code", flat=True)
    )
    if pending:
        raise ValidationError(
            {
                "__all__": _("D8 Closure is answered once D1 to D7 are accepted; not yet: %(steps)s.")
                % {"steps": ", ".join(pending)}
            }
        )


def _check_context(scar: Scar, step: ScarStep, content: dict) -> dict[str, str]:
    """What the content says that only the SCAR can check: D3's shipments are the partner's, D6 has evidence."""
    errors = {}
    if step.code == "D3":
        numbers = [row.get("asn", "") for row in content.get("stock_in_transit", [])]
        known = set(
            Asn.objects.filter(tenant_id=scar.tenant_id, partner_id=scar.partner_id, number__in=numbers).values_list(
                "number", flat=True
            )
        )
        for i, number in enumerate(numbers):
            if number not in known:
                errors[f"stock_in_transit.{i}.asn"] = f"{number} is none of your shipments."
    if step.code in EVIDENCE_REQUIRED and not step.evidence.exists():
        errors["evidence"] = f"{step.code} needs evidence: attach at least one file (a photo, a report, a document)."
    return errors


@transaction.atomic
def scar_step_answer(*, membership: Membership, step: ScarStep, content: dict, via: str = "portal") -> ScarAnswer:
    """Answer a step waiting for the supplier (open or sent back), or change an answer not yet
    reviewed: a new version, the step ``answered``. Content the same as the latest version of an
    answered step is that version (nothing new is written). The answer's ``is_new`` says which
    (False: the version that was there already).

    Raises ``ValidationError``: field paths of ``content`` (``members.0.name``), ``evidence`` (D6
    without a file), ``__all__`` (SCAR closed or cancelled, step accepted, D8 before D1..D7 are
    accepted); ``NotInScope``.
    """
    check_responder(membership, step)
    if via not in VIA:
        raise ValueError(f"via is one of {VIA}")
    scar, step = _locked(step)
    _check_open(scar, step)
    _check_order(step)
    cleaned, errors = content_clean(step.code, content)
    errors.update(_check_context(scar, step, cleaned))
    if errors:
        raise ValidationError(errors)
    latest = step.answers.order_by("-version").first()
    if latest is not None and step.status == ScarStep.Status.ANSWERED and latest.content == cleaned:
        latest.is_new = False
        return latest
    version = (step.answers.aggregate(m=Max("version"))["m"] or 0) + 1
    changed = content_changes(latest.content if latest else None, cleaned)
    ScarStep.lifecycle.move(
        step,
        "answer",
        actor=membership.user,
        changes={"version": [latest.version if latest else None, version], "changed": [None, ", ".join(changed)]},
    )
    step.save(update_fields=["status", "updated_at"])
    answer = ScarAnswer.objects.create(
        tenant_id=scar.tenant_id, step=step, version=version, content=cleaned, author=membership.user, via=via
    )
    answer.is_new = True
    return answer


# --- evidence -----------------------------------------------------------------------------------

SIMPLE_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
OFFICE_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED = "PDF, PNG, JPEG, XLSX, DOCX, TXT or CSV"


def _read_bounded(upload) -> bytes:
    """The upload's bytes, refused as soon as they pass ``EVIDENCE_MAX_BYTES`` while reading."""
    buffer = io.BytesIO()
    chunks = upload.chunks(CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(CHUNK), b"")
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > EVIDENCE_MAX_BYTES:
            message = _("A file may be at most %(size)s MB.")
            raise ValidationError({"file": message % {"size": EVIDENCE_MAX_BYTES // (1024 * 1024)}})
    return buffer.getvalue()


def evidence_type(data: bytes, name: str) -> str | None:
    """The content type from the file's bytes (the name only tells CSV from plain text); None: not allowed."""
    for magic, kind in SIMPLE_TYPES.items():
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()  # the directory only: nothing is decompressed
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            for prefix, kind in OFFICE_TYPES.items():
                if any(n.startswith(prefix) for n in names):
                    return kind
        return None
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def clean_name(name: str) -> str:
    """A file name safe to show and to send back: its last part, letters, digits and ``._- `` only."""
    kept = "".join(c for c in (name or "").replace("\\", "/").rsplit("/", 1)[-1] if c.isalnum() or c in "._- ")
    return kept.strip(" .")[:150] or "file"


def scar_evidence_add(*, membership: Membership, step: ScarStep, upload) -> ScarEvidence:
    """Attach a file (PDF, PNG, JPEG, XLSX, DOCX, TXT or CSV, at most 10 MB, its type read from its
    bytes) to a step not yet accepted of an open SCAR, at most ``EVIDENCE_PER_STEP`` per step.
    Raises ``ValidationError`` (``file``, ``__all__``: the SCAR's or step's state, a step full) and
    ``NotInScope``."""
    check_responder(membership, step)
    if upload is None:
        raise ValidationError({"file": _("Choose a file to attach.")})
    data = _read_bounded(upload)  # before the transaction: a slow upload holds no lock
    name = clean_name(getattr(upload, "name", ""))
    content_type = evidence_type(data, name)
    if not data or content_type is None:
        raise ValidationError({"file": _("%(name)s is not a %(allowed)s file.") % {"name": name, "allowed": ALLOWED}})
    with transaction.atomic():
        scar, step = _locked(step)
        _check_open(scar, step)
        if step.evidence.count() >= EVIDENCE_PER_STEP:
            raise ValidationError(
                {
                    "__all__": _(
                        "%(scar)s %(step)s holds %(count)s files already, the most a step takes: "
                        "put several pages in one PDF."
                    )
                    % {"scar": scar.number, "step": step.code, "count": EVIDENCE_PER_STEP}
                }
            )
        evidence = ScarEvidence(
            tenant_id=scar.tenant_id,
            step=step,
            name=name,
            content_type=content_type,
            size=len(data),
            uploaded_by=membership.user,
        )
        evidence.file.save(name, ContentFile(data), save=False)
        evidence.save()
        audit_record(
            tenant=scar.tenant,
            actor=membership.user,
            action="scar.evidence_added",
            obj=evidence,
            changes={
                "step": [None, f"{scar.number} {step.code}"],
                "name": [None, name],
                "sha256": [None, hashlib.sha256(data).hexdigest()],
                # ScarEvidence has no version column: the audit keeps which answer it came beside.
                "answer_version": [None, step.answers.aggregate(m=Max("version"))["m"]],
            },
        )
    return evidence
