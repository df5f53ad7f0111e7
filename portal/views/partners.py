"""Supplier (partner) pages: the list for staff, a partner's page with its people, and its
deactivation by a tenant admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView

from portal import l10n
from portal.forms import InvitationForm, PartnerLanguageForm
from portal.models import STAFF_ROLES, Invitation, Membership, Partner, Role
from portal.services.errors import error_messages
from portal.services.invitations import invitable_roles, invitation_create
from portal.services.partners import partner_deactivate, partner_language_set, partner_reach, partner_reactivate

from .mixins import TenantViewMixin

# People, not the API clients that act for a partner's tokens (managed on the tokens page).
PEOPLE = Q(memberships__user__is_api_client=False)


class PartnerListView(TenantViewMixin, ListView):
    template_name = "portal/partner_list.html"
    allowed_roles = STAFF_ROLES
    paginate_by = 25
    nav_key = "partners"

    def get_queryset(self):
        qs = Partner.objects.visible_to(self.membership).annotate(
            user_count=Count("memberships", filter=Q(memberships__is_active=True) & PEOPLE),
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
        # Whoever may see the partner sees its people (the same count as the list); managing them
        # stays with a tenant admin or the partner's own admin.
        context["members"] = (
            Membership.objects.filter(tenant_id=partner.tenant_id, partner=partner, user__is_api_client=False)
            .select_related("user")
            .order_by("-is_active", "user__email")
        )
        context["invitations"] = (
            Invitation.objects.visible_to(self.membership)
            .filter(partner=partner)
            .pending()
            .select_related("invited_by")
        )
        context["can_invite"] = partner.is_active and bool(invitable_roles(self.membership, partner))
        context["can_manage_members"] = bool(invitable_roles(self.membership, partner))
        context["can_deactivate"] = self.membership.role == Role.TENANT_ADMIN
        tenant_language = l10n.tenant_language(self.membership.tenant)
        context["tenant_language_name"] = dict(settings.LANGUAGES).get(tenant_language, tenant_language)
        if self.membership.role == Role.TENANT_ADMIN:
            context["language_form"] = kwargs.get("language_form") or PartnerLanguageForm(
                tenant=self.membership.tenant, initial={"language": partner.language}
            )
        return context


class PartnerActivationView(PartnerDetailView):
    """GET asks once, with what will happen; POST deactivates or reactivates (tenant admins only)."""

    template_name = "portal/partner_activation.html"
    allowed_roles = {Role.TENANT_ADMIN}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reach"] = partner_reach(self.object)
        context["errors"] = kwargs.get("errors") or {}
        context["form_error"] = context["errors"].get("__all__")
        context["reason"] = kwargs.get("reason", "")
        return context

    def post(self, request, *args, **kwargs):
        self.object = partner = self.get_object()
        reason = request.POST.get("reason", "")
        try:
            if partner.deactivated_at is None:
                partner = partner_deactivate(actor=self.membership, partner_id=partner.pk, reason=reason)
                messages.success(
                    request,
                    _(
                        "%(partner)s is deactivated: its people and API tokens can no longer reach %(tenant)s's "
                        "portal. Its orders and shipments stay visible to your staff."
                    )
                    % {"partner": partner.name, "tenant": self.membership.tenant.name},
                )
            else:
                partner = partner_reactivate(actor=self.membership, partner_id=partner.pk)
                if partner.is_active:
                    messages.success(
                        request,
                        _("%(partner)s is active again, with the access it had before.") % {"partner": partner.name},
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "%(partner)s is no longer deactivated in the portal, but it is archived in Odoo: "
                            "its people get access once it is active there."
                        )
                        % {"partner": partner.name},
                    )
        except ValidationError as exc:
            errors = error_messages(exc)
            return self.render_to_response(self.get_context_data(errors=errors, reason=reason), status=400)
        return redirect("partner_detail", self.membership.tenant.slug, partner.pk)


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

    def get(self, request, *args, **kwargs):
        partner = self.get_partner()
        if not partner.is_active:
            messages.error(
                request,
                _("%(partner)s is not active; reactivate it before inviting its people.") % {"partner": partner.name},
            )
            return redirect("partner_detail", self.membership.tenant.slug, partner.pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roles"] = invitable_roles(self.membership, self.get_partner())
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partner"] = self.get_partner()
        context["title"] = _("Invite a user for %(partner)s") % {"partner": self.get_partner().name}
        return context

    def form_valid(self, form):
        partner = self.get_partner()
        try:
            invitation, _token = invitation_create(
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
            _(
                "Invitation sent to %(email)s as %(role)s. The link works until %(day)s; "
                "until then it is listed as pending."
            )
            % {
                "email": invitation.email,
                "role": invitation.get_role_display(),
                "day": l10n.day(invitation.expires_at),
            },
        )
        return redirect("partner_detail", self.membership.tenant.slug, partner.pk)


class PartnerLanguageView(PartnerDetailView):
    """POST sets the partner's language (tenant admins only); with errors, the partner's page again."""

    allowed_roles = {Role.TENANT_ADMIN}
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = partner = self.get_object()
        form = PartnerLanguageForm(request.POST, tenant=self.membership.tenant)
        if form.is_valid():
            try:
                partner = partner_language_set(
                    actor=self.membership, partner_id=partner.pk, language=form.cleaned_data["language"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
        if form.errors:
            return self.render_to_response(self.get_context_data(language_form=form), status=400)
        shown = partner.get_language_display() if partner.language else _("the tenant's language")
        messages.success(
            request,
            _("%(partner)s's documents and API answers are now in %(language)s.")
            % {"partner": partner.name, "language": shown},
        )
        return redirect("partner_detail", self.membership.tenant.slug, partner.pk)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
