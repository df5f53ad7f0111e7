"""Members of a tenant: list, staff invitations, scopes, deactivation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView
from guardian.models import UserObjectPermission

from portal.forms import InvitationForm, ScopeForm
from portal.models import Invitation, Membership, Partner, Role
from portal.services.invitations import invitable_roles, invitation_create, invitation_revoke
from portal.services.memberships import membership_deactivate, membership_reactivate, membership_scope_set

from .mixins import TenantViewMixin
from .partners import _add_errors


class MemberListView(TenantViewMixin, ListView):
    template_name = "portal/member_list.html"
    context_object_name = "member_list"
    allowed_roles = {Role.TENANT_ADMIN}
    paginate_by = 50
    nav_key = "members"

    def get_queryset(self):
        qs = Membership.objects.visible_to(self.membership).select_related("user", "partner")
        if q := self.request.GET.get("q", "").strip():
            qs = qs.filter(
                Q(user__email__icontains=q) | Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q)
            )
        if role := self.request.GET.get("role"):
            qs = qs.filter(role=role)
        return qs.order_by("-is_active", "role", "user__email")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = Role.choices
        context["invitations"] = (
            Invitation.objects.visible_to(self.membership).pending().select_related("partner", "invited_by")
        )
        return context


class MemberInviteView(TenantViewMixin, FormView):
    """Invite a staff member (buyer, engineer, inspector, admin)."""

    template_name = "portal/invite_form.html"
    form_class = InvitationForm
    allowed_roles = {Role.TENANT_ADMIN}
    nav_key = "members"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roles"] = invitable_roles(self.membership, None)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Invite a staff member to %(tenant)s") % {"tenant": self.membership.tenant.name}
        return context

    def form_valid(self, form):
        try:
            invitation, _token = invitation_create(
                actor=self.membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"], partner=None
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to %(email)s as %(role)s.")
            % {"email": invitation.email, "role": invitation.get_role_display()},
        )
        return redirect("member_list", self.membership.tenant.slug)


class MemberDetailView(TenantViewMixin, DetailView):
    template_name = "portal/member_detail.html"
    context_object_name = "member"
    nav_key = "members"

    def get_queryset(self):
        return Membership.objects.visible_to(self.membership).select_related("user", "partner", "tenant")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.object
        can_manage = self.membership.role == Role.TENANT_ADMIN or (
            self.membership.role == Role.SUPPLIER_ADMIN and member.partner_id == self.membership.partner_id
        )
        context["can_manage"] = can_manage and member.pk != self.membership.pk
        if member.is_staff_role and self.membership.role == Role.TENANT_ADMIN:
            granted = UserObjectPermission.objects.filter(
                user=member.user, permission__codename="access_partner"
            ).values_list("object_pk", flat=True)
            partners = Partner.objects.filter(tenant=self.membership.tenant, pk__in=[int(p) for p in granted])
            context["scope_form"] = kwargs.get("scope_form") or ScopeForm(
                tenant=self.membership.tenant,
                initial={"all_partners": member.all_partners, "partners": partners},
            )
        return context


class MemberScopeView(MemberDetailView):
    allowed_roles = {Role.TENANT_ADMIN}
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = ScopeForm(request.POST, tenant=self.membership.tenant)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(scope_form=form))
        try:
            membership_scope_set(
                actor=self.membership,
                membership=self.object,
                all_partners=form.cleaned_data["all_partners"],
                partners=form.cleaned_data["partners"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_to_response(self.get_context_data(scope_form=form))
        messages.success(request, _("Suppliers of %(email)s updated.") % {"email": self.object.user.email})
        return redirect("member_detail", self.membership.tenant.slug, self.object.pk)


class MemberActivationView(MemberDetailView):
    """GET asks once what will happen; POST deactivates or reactivates."""

    template_name = "portal/member_activation.html"

    def get_object(self, queryset=None):
        member = super().get_object(queryset)
        manages = self.membership.role == Role.TENANT_ADMIN or (
            self.membership.role == Role.SUPPLIER_ADMIN and member.partner_id == self.membership.partner_id
        )
        if not manages or member.pk == self.membership.pk:
            raise Http404()
        return member

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        try:
            if member.is_active:
                membership_deactivate(actor=self.membership, membership=member)
                messages.success(
                    request,
                    _("%(email)s can no longer sign in to %(tenant)s.")
                    % {"email": member.user.email, "tenant": member.tenant.name},
                )
            else:
                membership_reactivate(actor=self.membership, membership=member)
                messages.success(
                    request,
                    _("%(email)s has access to %(tenant)s again.")
                    % {"email": member.user.email, "tenant": member.tenant.name},
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if member.partner_id and self.membership.role == Role.SUPPLIER_ADMIN:
            return redirect("partner_detail", self.membership.tenant.slug, member.partner_id)
        return redirect("member_detail", self.membership.tenant.slug, member.pk)


class InvitationRevokeView(TenantViewMixin, FormView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = get_object_or_404(Invitation.objects.visible_to(self.membership), pk=kwargs["pk"])
        try:
            invitation_revoke(actor=self.membership, invitation=invitation)
            messages.success(
                request, _("Invitation of %(email)s withdrawn; its link no longer works.") % {"email": invitation.email}
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if invitation.partner_id:
            return redirect("partner_detail", self.membership.tenant.slug, invitation.partner_id)
        return redirect("member_list", self.membership.tenant.slug)
