"""Supplier (partner) pages: the list for staff, a partner's page with its users."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView

from portal.forms import InvitationForm
from portal.models import STAFF_ROLES, Invitation, Membership, Partner
from portal.services.invitations import invitable_roles, invitation_create

from .mixins import TenantViewMixin


class PartnerListView(TenantViewMixin, ListView):
    template_name = "portal/partner_list.html"
    allowed_roles = STAFF_ROLES
    paginate_by = 25
    nav_key = "partners"

    def get_queryset(self):
        qs = Partner.objects.visible_to(self.membership).annotate(
            user_count=Count("memberships", filter=Q(memberships__is_active=True)),
        )
        if q := self.request.GET.get("q", "").strip():
            qs = qs.filter(Q(name__icontains=q) | Q(ref__icontains=q))
        return qs.order_by("-is_active", "name")


class PartnerDetailView(TenantViewMixin, DetailView):
    template_name = "portal/partner_detail.html"
    context_object_name = "partner"
    nav_key = "partners"

    def get_queryset(self):
        return Partner.objects.visible_to(self.membership)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = self.object
        context["members"] = (
            Membership.objects.visible_to(self.membership).filter(partner=partner).select_related("user")
        )
        context["invitations"] = (
            Invitation.objects.visible_to(self.membership)
            .filter(partner=partner)
            .pending()
            .select_related("invited_by")
        )
        context["can_invite"] = bool(invitable_roles(self.membership, partner))
        return context


class PartnerInviteView(TenantViewMixin, FormView):
    """Invite a supplier admin or user for this partner."""

    template_name = "portal/invite_form.html"
    form_class = InvitationForm
    nav_key = "partners"

    def get_partner(self) -> Partner:
        if not hasattr(self, "_partner"):
            self._partner = get_object_or_404(Partner.objects.visible_to(self.membership), pk=self.kwargs["pk"])
            if not invitable_roles(self.membership, self._partner):
                raise Http404()
        return self._partner

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roles"] = invitable_roles(self.membership, self.get_partner())
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partner"] = self.get_partner()
        context["title"] = f"Invite a user for {self.get_partner().name}"
        return context

    def form_valid(self, form):
        partner = self.get_partner()
        try:
            invitation, _ = invitation_create(
                actor=self.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                partner=partner,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation sent to {invitation.email} as {invitation.get_role_display()}. "
            f"The link works until {invitation.expires_at:%d %b %Y}; until then it is listed as pending.",
        )
        return redirect("partner_detail", self.membership.tenant.slug, partner.pk)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
