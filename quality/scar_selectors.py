"""Scoped reads of SCARs: lists, one SCAR, one step, its versions, and the counts for navigation.

Everything reads through ``visible_to``: staff see their tenant's SCARs (a buyer or engineer
limited to some partners, only theirs), a supplier's people only their partner's. A SCAR or step
outside the scope raises ``NotInScope`` (404).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Min, Prefetch, Q, QuerySet, Value, When

from portal.dates import tenant_today
from portal.models import Membership
from portal.services.errors import NotInScope
from quality.models import Scar, ScarAnswer, ScarStep
from quality.scar_content import content_changes

WAITING = Q(steps__status__in=ScarStep.WAITING_SUPPLIER)
# Open first, then verifying, then closed and cancelled.
STATUS_RANK = Case(
    When(status=Scar.Status.OPEN, then=Value(0)),
    When(status=Scar.Status.VERIFYING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _annotated(qs: QuerySet[Scar], today: dt.date) -> QuerySet[Scar]:
    """Adds ``to_review`` (answered steps), ``overdue`` (waiting steps past due) and ``next_due``
    (the earliest due date of a step waiting for the supplier)."""
    return qs.annotate(
        to_review=Count("steps", filter=Q(steps__status=ScarStep.Status.ANSWERED), distinct=True),
        overdue=Count("steps", filter=WAITING & Q(steps__due_date__lt=today, status=Scar.Status.OPEN), distinct=True),
        next_due=Min("steps__due_date", filter=WAITING),
    )


def scars_for(
    membership: Membership,
    *,
    partner=None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str = "",
) -> QuerySet[Scar]:
    """The SCARs ``membership`` sees, what needs action first (steps to review, overdue steps,
    then the nearest due date; closed and cancelled last). Filters: ``partner`` (a Partner or id),
    ``status``, ``overdue`` (True: with a step past due; False: without), ``q`` (number, title,
    partner name). Rows carry ``to_review``, ``overdue`` and ``next_due``."""
    today = tenant_today(membership.tenant)
    qs = Scar.objects.visible_to(membership).select_related("partner", "product")
    if partner is not None:
        qs = qs.filter(partner_id=getattr(partner, "pk", partner))
    if status:
        qs = qs.filter(status=status)
    if q:
        text = q.strip()[:100]
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(partner__name__icontains=text))
    qs = _annotated(qs, today)
    if overdue is True:
        qs = qs.filter(overdue__gt=0)
    elif overdue is False:
        qs = qs.filter(overdue=0)
    return qs.order_by(STATUS_RANK, "-to_review", "-overdue", F("next_due").asc(nulls_last=True), "-issued_at", "-id")


def supplier_scars(membership: Membership) -> QuerySet[Scar]:
    """A supplier's SCARs with the next step to answer and its due date first (then the rest,
    newest first); rows carry ``next_due``, ``overdue``, ``to_review`` and, prefetched,
    ``waiting_steps`` (the steps waiting for it, by due date)."""
    today = tenant_today(membership.tenant)
    waiting = ScarStep.objects.filter(status__in=ScarStep.WAITING_SUPPLIER).order_by("due_date", "code")
    return (
        _annotated(Scar.objects.visible_to(membership).select_related("product"), today)
        .prefetch_related(Prefetch("steps", queryset=waiting, to_attr="waiting_steps"))
        .order_by(STATUS_RANK, F("next_due").asc(nulls_last=True), "-issued_at", "-id")
    )


def scar_get(membership: Membership, pk: int) -> Scar:
    """One SCAR the member sees, with its partner, product, steps, NCRs and defect codes loaded."""
    scar = (
        Scar.objects.visible_to(membership)
        .select_related("partner", "product", "tenant", "issued_by", "inspection")
        .prefetch_related("steps", "ncrs", "defect_codes")
        .filter(pk=pk)
        .first()
    )
    if scar is None:
        raise NotInScope()
    return scar


def step_get(membership: Membership, scar_pk: int, code: str) -> ScarStep:
    """One step (``D1``..``D8``) of a SCAR the member sees, with its SCAR, answers and evidence loaded."""
    step = (
        ScarStep.objects.visible_to(membership)
        .select_related("scar__partner", "scar__product", "scar__tenant", "reviewed_by")
        .prefetch_related("evidence", Prefetch("answers", queryset=ScarAnswer.objects.select_related("author")))
        .filter(scar_id=scar_pk, code=str(code).upper()[:2])
        .first()
    )
    if step is None:
        raise NotInScope()
    return step


def step_versions(step: ScarStep) -> list[dict]:
    """The step's answers, newest first: ``{"answer", "version", "author", "created_at", "via",
    "changed": [field names changed against the version before]}``."""
    answers = sorted(step.answers.all(), key=lambda a: a.version)
    rows, before = [], None
    for answer in answers:
        rows.append(
            {
                "answer": answer,
                "version": answer.version,
                "author": answer.author,
                "created_at": answer.created_at,
                "via": answer.via,
                "changed": content_changes(before, answer.content),
            }
        )
        before = answer.content
    return rows[::-1]


def scar_counts(membership: Membership) -> dict[str, int]:
    """For navigation and the dashboard, in two queries at most.

    Staff: ``{"open": SCARs open or verifying, "to_review": answered steps, "overdue": steps
    waiting for the supplier past due}``. Supplier: ``{"open": steps waiting for it, "overdue":
    those past due}``; both only on open SCARs.
    """
    today = tenant_today(membership.tenant)
    steps = ScarStep.objects.visible_to(membership).filter(scar__status=Scar.Status.OPEN)
    waiting = Q(status__in=ScarStep.WAITING_SUPPLIER)
    found = steps.aggregate(
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(due_date__lt=today)),
        to_review=Count("pk", filter=Q(status=ScarStep.Status.ANSWERED)),
    )
    if membership.is_supplier_role:
        return {"open": found["waiting"], "overdue": found["overdue"]}
    open_scars = Scar.objects.visible_to(membership).filter(status__in=Scar.OPEN_STATUSES).count()
    return {"open": open_scars, "to_review": found["to_review"], "overdue": found["overdue"]}
