"""Where a signed-in person lands: their tenant's dashboard, or a choice of tenants."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from portal.dashboard import dashboard_for
from portal.models import Membership

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
    """What needs this person now, by role: the cards every app registers (``portal.dashboard``);
    empty states say what will appear."""

    template_name = "portal/dashboard.html"
    nav_key = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections, data = dashboard_for(self.membership)
        context.update(data)
        context["sections"] = sections
        return context
