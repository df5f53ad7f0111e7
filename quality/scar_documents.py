"""The 8D report of a SCAR as PDF (WeasyPrint), rendered and stored as the other documents are
(``suppliers.services.documents.stored_pdf``: once per version of its HTML, then from storage).

One document for the supplier and for audits: it holds what both may read (the SCAR, D1..D8 with the
accepted answer, else the latest one, the evidence files by name, the review decisions and dates), and
nothing internal (no NCR costs, notes, approvals). What one report holds is bounded: every step has at
most the limits of ``quality.scar_content``, and at most ``MAX_EVIDENCE_LISTED`` files are named per step.
The reads are a fixed number of queries, whatever the SCAR holds.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from portal.models import AuditEntry
from quality.models import Scar, ScarAnswer, ScarEvidence, ScarStep
from quality.scar_display import answer_blocks
from suppliers.services.documents import in_language_of, stored_pdf

MAX_EVIDENCE_LISTED = 30


def scar_report_pdf(scar: Scar) -> bytes:
    """The 8D report of ``scar`` (any state; an open one says which steps are not accepted yet), as PDF
    bytes, in the supplier's language (``in_language_of``). The caller checks scope
    (``quality.scar_selectors.scar_get``)."""
    with in_language_of(scar.partner, scar.tenant):
        return stored_pdf(
            tenant_id=scar.tenant_id,
            folder=f"scars/{scar.pk}",
            name="8d-report",
            template="documents/scar_8d.html",
            context=report_context(scar),
        )


def report_context(scar: Scar) -> dict:
    """Everything the report prints: the SCAR, its steps each with the answer shown and its blocks."""
    scar = (
        Scar.objects.select_related("tenant", "partner", "product", "issued_by")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ScarStep.objects.select_related("reviewed_by").order_by("code"),
                to_attr="step_list",
            ),
            Prefetch(
                "steps__answers",
                queryset=ScarAnswer.objects.select_related("author").order_by("version"),
            ),
            Prefetch(
                "steps__evidence",
                queryset=ScarEvidence.objects.select_related("uploaded_by").order_by("uploaded_at", "id"),
            ),
            "defect_codes",
            "ncrs",
        )
        .get(pk=scar.pk)
    )
    sent_back = _sent_back(scar)
    steps = []
    for step in scar.step_list:
        answers = list(step.answers.all())
        shown = _shown_answer(step, answers)
        evidence = list(step.evidence.all())
        steps.append(
            {
                "step": step,
                "answer": shown,
                "versions": len(answers),
                "blocks": answer_blocks(step.code, shown.content) if shown else [],
                "evidence": evidence[:MAX_EVIDENCE_LISTED],
                "evidence_more": max(len(evidence) - MAX_EVIDENCE_LISTED, 0),
                "sent_back": sent_back.get(str(step.pk), []),
            }
        )
    return {
        "scar": scar,
        "tenant": scar.tenant,
        "steps": steps,
        "ncrs": sorted(scar.ncrs.all(), key=lambda n: n.number),
        "defect_codes": sorted(scar.defect_codes.all(), key=lambda c: c.code),
        "accepted": sum(1 for s in scar.step_list if s.status == ScarStep.Status.ACCEPTED),
    }


def _sent_back(scar: Scar) -> dict[str, list[AuditEntry]]:
    """Each step's earlier send-backs (who, when, the comment), oldest first: the step itself keeps only
    its latest review, the audit trail keeps them all. One query for the SCAR."""
    entries = (
        AuditEntry.objects.filter(
            tenant_id=scar.tenant_id,
            action="scar.step_sent_back",
            content_type=ContentType.objects.get_for_model(ScarStep),
            object_id__in=[str(s.pk) for s in scar.step_list],
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    found: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        entry.comment = (entry.changes.get("review_comment") or [None, ""])[-1] or ""
        found.setdefault(entry.object_id, []).append(entry)
    return found


def _shown_answer(step: ScarStep, answers: list[ScarAnswer]) -> ScarAnswer | None:
    """The version the step was accepted on (the last one before the review), else the latest one."""
    if not answers:
        return None
    if step.status == ScarStep.Status.ACCEPTED and step.reviewed_at is not None:
        before = [a for a in answers if a.created_at <= step.reviewed_at]
        if before:
            return before[-1]
    return answers[-1]
