"""Emails about SCARs: to the partner's people (issued, a step sent back, reopened, closed, cancelled)
and the escalation digests of overdue steps.

Sent by a worker after the change commits (``quality.tasks``), so a slow mail server never holds
a page or the beat run. People only: API clients get no email. Each email links to the SCAR or
its step on the reader's own pages (the supplier's "Corrective actions", or the staff's SCAR pages, which
the buyers of level 2 read too: ``quality.views.scar_list.SCAR_READERS``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from portal.models import SUPPLIER_ROLES, Membership, Partner, Role
from portal.services.mail import readers, send_localized
from quality.models import Scar, ScarReminder, ScarStep

# Rendered in each reader's language when the email is (portal.services.mail.send_localized).
SUBJECTS = {
    "issued": gettext_lazy("%(scar)s: corrective action (8D) requested by %(tenant)s"),
    "step_sent_back": gettext_lazy("%(scar)s %(step)s: sent back by %(tenant)s"),
    "reopened": gettext_lazy("%(scar)s reopened: the defect came back"),
    "closed": gettext_lazy("%(scar)s closed: the corrective action is effective"),
    "cancelled": gettext_lazy("%(scar)s cancelled"),
}
# The pages' URL names, newest first: a link goes to the first the URL conf holds (the step's page
# when there is a step), so an email is never lost to a page renamed or still to come.
SUPPLIER_PAGES = ("supplier_scar_step", "supplier_scar_detail", "supplier_scar_list")
STAFF_PAGES = ("scar_step", "scar_detail", "scar_list")


def scar_notify_on_commit(kind: str, scar_id: int, *, step_id: int | None = None) -> None:
    """Send the ``kind`` email about a SCAR once the caller's transaction commits."""
    from quality.tasks import scar_notify_task

    transaction.on_commit(lambda: scar_notify_task.delay(kind, scar_id, step_id))


def digest_on_commit(tenant_id: int, email: str, reminder_ids: list[int]) -> None:
    """Send one digest of overdue steps to ``email`` once the escalation's transaction commits."""
    from quality.tasks import scar_digest_task

    transaction.on_commit(lambda: scar_digest_task.delay(tenant_id, email, reminder_ids))


def _emails(memberships) -> list[str]:
    return sorted(set(memberships.exclude(user__is_api_client=True).values_list("user__email", flat=True)))


def supplier_recipients(partner: Partner, *, admins_only: bool = False) -> list[str]:
    """The partner's active people (supplier admins only when ``admins_only``)."""
    roles = [Role.SUPPLIER_ADMIN] if admins_only else sorted(SUPPLIER_ROLES)
    return _emails(Membership.objects.active().filter(tenant_id=partner.tenant_id, partner=partner, role__in=roles))


def buyer_recipients(partner: Partner) -> list[str]:
    """The tenant's active buyers who see ``partner`` (all partners, or granted this one)."""
    buyers = Membership.objects.active().filter(tenant_id=partner.tenant_id, role=Role.BUYER).select_related("user")
    return sorted(
        {
            m.user.email
            for m in buyers
            if not m.user.is_api_client and Partner.objects.visible_to(m).filter(pk=partner.pk)
        }
    )


def page_url(scar: Scar, *, supplier: bool, step: ScarStep | None = None) -> str:
    """The absolute link to the SCAR (its step, when given) on the supplier's or the staff's pages."""
    slug = scar.tenant.slug
    for name in SUPPLIER_PAGES if supplier else STAFF_PAGES:
        for args in ([slug, scar.pk, step.code], [slug, scar.pk], [slug]) if step else ([slug, scar.pk], [slug]):
            try:
                return settings.PORTAL_BASE_URL + reverse(name, args=args)
            except NoReverseMatch:
                continue
    return settings.PORTAL_BASE_URL + reverse("dashboard", args=[slug])


def send(kind: str, scar_id: int, step_id: int | None = None) -> int:
    """Render and send one SCAR email to the partner's people; answers how many it went to."""
    scar = Scar.objects.select_related("tenant", "partner", "product").filter(pk=scar_id).first()
    if scar is None:
        return 0
    step = scar.steps.filter(pk=step_id).first() if step_id else None
    to = supplier_recipients(scar.partner)
    if not to:
        return 0
    steps = list(scar.steps.all())
    context = {
        "kind": kind,
        "scar": scar,
        "step": step,
        "steps": steps,
        "tenant": scar.tenant,
        "url": page_url(scar, supplier=True, step=step),
    }
    names = {"scar": scar.number, "step": step.code if step else "", "tenant": scar.tenant.name}
    return send_localized(
        readers(to, scar.tenant),
        subject=lambda: str(SUBJECTS[kind]) % names,
        template="emails/scar_notification.txt",
        context=context,
    )


def send_digest(tenant_id: int, email: str, reminder_ids: Iterable[int]) -> int:
    """One email to ``email`` listing its overdue steps (the highest level reached per step);
    answers 1 when sent, 0 when nothing is left to say."""
    reminders = (
        ScarReminder.objects.filter(tenant_id=tenant_id, pk__in=list(reminder_ids))
        .select_related("step__scar__partner", "step__scar__tenant")
        .order_by("step__due_date", "step__scar__number", "step__code", "-level")
    )
    per_step: dict[int, ScarReminder] = {}
    for reminder in reminders:
        per_step.setdefault(reminder.step_id, reminder)
    if not per_step:
        return 0
    # Only a membership that may act now decides the links: a former supplier login (deactivated) of a buyer's
    # email must not send the buyer to the supplier pages, where it would get 404s.
    supplier = (
        Membership.objects.active().filter(tenant_id=tenant_id, user__email=email, role__in=SUPPLIER_ROLES).exists()
    )
    items = [
        {
            "scar": r.step.scar,
            "step": r.step,
            "level": r.level,
            "url": page_url(r.step.scar, supplier=supplier, step=r.step),
        }
        for r in per_step.values()
    ]
    tenant = items[0]["scar"].tenant
    count = len(items)
    first = {"scar": items[0]["scar"].number, "step": items[0]["step"].code, "count": count}
    return send_localized(
        readers([email], tenant),
        # One step names itself; several are counted (two msgids: a plural form may not drop placeholders).
        subject=lambda: (
            gettext("%(scar)s %(step)s is overdue") % first
            if count == 1
            else ngettext(
                "%(count)s corrective action step is overdue", "%(count)s corrective action steps are overdue", count
            )
            % first
        ),
        template="emails/scar_digest.txt",
        context={"items": items, "tenant": tenant, "supplier": supplier, "count": count},
    )
