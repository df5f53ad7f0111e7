"""Where a signed-in person lands: their tenant's dashboard, or a choice of tenants."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from portal.models import Invitation, Membership, Partner, Role

from .mixins import TenantViewMixin


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(Membership.objects.active().filter(user=request.user).select_related("tenant"))
    if len(memberships) == 1:
        return redirect("dashboard", memberships[0].tenant.slug)
    last = request.session.get("tenant_slug")
    if last and any(m.tenant.slug == last for m in memberships):
        return redirect("dashboard", last)
    return render(request, "portal/tenant_choose.html", {"memberships": memberships})


@login_required
def tenant_choose(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.active().filter(user=request.user).select_related("tenant", "partner")
    return render(request, "portal/tenant_choose.html", {"memberships": memberships})


class DashboardView(TenantViewMixin, TemplateView):
    """What needs this person now, by role; empty states say what will appear."""

    template_name = "portal/dashboard.html"
    nav_key = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        m = self.membership
        context["partners_in_scope"] = Partner.objects.visible_to(m).filter(is_active=True).count()
        if m.is_supplier_role or m.role in (Role.BUYER, Role.TENANT_ADMIN):
            from suppliers.selectors import po_counts, po_list, po_messages_to_answer

            context["po_counts"] = po_counts(membership=m)
            context["open_orders"] = list(po_list(membership=m, status="open")[:5])
            context["awaiting_buyer"] = list(po_list(membership=m, status="awaiting_buyer")[:5])
            context["late_orders"] = list(po_list(membership=m, status="late")[:5])
            # The other side's messages on orders: written in the portal (or over the API), read here,
            # not only in Odoo's chatter.
            context["messages_in"] = po_messages_to_answer(membership=m)
        if m.is_staff_role:
            from django.db.models import F

            from suppliers.selectors import asn_counts, asn_list

            # What the dock can expect, soonest first: announced shipments not received yet.
            context["asn_counts"] = asn_counts(membership=m)
            context["arriving"] = list(
                asn_list(membership=m, status="on_the_way").order_by(F("eta").asc(nulls_last=True), "id")[:5]
            )
        if m.is_supplier_role:
            from suppliers.selectors import asn_counts, asn_list

            context["asn_counts"] = asn_counts(membership=m)
            context["drafts"] = list(asn_list(membership=m, status="draft")[:3])
            context["on_the_way"] = list(asn_list(membership=m, status="on_the_way")[:3])
        if m.role in (Role.TENANT_ADMIN, Role.SUPPLIER_ADMIN):
            # People only: API clients are counted on the tokens page; a disabled account is no user.
            members = Membership.objects.visible_to(m).aggregate(
                active=Count("pk", filter=Q(is_active=True, user__is_active=True, user__is_api_client=False)),
            )
            context["active_members"] = members["active"]
            context["pending_invitations"] = Invitation.objects.visible_to(m).pending().count()
        return context
