"""API tokens of a supplier: its admin creates, rotates and revokes them; a secret is shown once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from portal.api.scopes import api_scopes
from portal.models import ApiToken, Role
from portal.services.tokens import MAX_DAYS, token_create, token_revoke, token_rotate
from portal.views.mixins import TenantViewMixin

EXPIRY_CHOICES = [
    (30, gettext_lazy("30 days")),
    (90, gettext_lazy("90 days")),
    (180, gettext_lazy("180 days")),
    (365, gettext_lazy("1 year")),
]


def _token_id(request) -> int:
    value = request.POST.get("token", "")
    if not value.isdigit() or len(value) > 18:
        raise Http404()
    return int(value)


def _expiry(posted) -> int:
    """The expiry chosen in a form sent back with errors, else 90 days."""
    value = posted.get("expires_in_days", "") if posted is not None else ""
    return int(value) if value in {str(days) for days, _label in EXPIRY_CHOICES} else 90


class ApiTokenListView(TenantViewMixin, TemplateView):
    template_name = "portal/api_tokens.html"
    allowed_roles = {Role.SUPPLIER_ADMIN}
    nav_key = "api"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posted = kwargs.get("posted")
        context.update(
            tokens=ApiToken.objects.filter(tenant=self.membership.tenant, partner=self.membership.partner),
            # A new token starts with no scope ticked: its admin gives it only what the system needs.
            posted_scopes=posted.getlist("scopes") if posted is not None else [],
            posted_expiry=_expiry(posted),
            scopes=api_scopes().items(),
            expiry_choices=EXPIRY_CHOICES,
            max_days=MAX_DAYS,
            errors=kwargs.get("errors") or {},
            form_error=(kwargs.get("errors") or {}).get("__all__"),
            posted=kwargs.get("posted"),
            secret=kwargs.get("secret"),
            shown=kwargs.get("shown"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "create")
        try:
            if action == "create":
                token, secret = token_create(
                    actor=self.membership,
                    name=request.POST.get("name", ""),
                    scopes=request.POST.getlist("scopes"),
                    expires_in_days=request.POST.get("expires_in_days", "90"),
                )
            elif action == "rotate":
                token, secret = token_rotate(actor=self.membership, token_id=_token_id(request))
            elif action == "revoke":
                token = token_revoke(actor=self.membership, token_id=_token_id(request))
                messages.success(
                    request,
                    _("Token “%(name)s” revoked; systems using it are refused from now on.") % {"name": token.name},
                )
                return redirect("api_tokens", self.membership.tenant.slug)
            else:
                raise ValidationError({"__all__": _("Unknown action.")})
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            return self.render_to_response(self.get_context_data(errors=errors, posted=request.POST), status=400)
        # The secret is in this one answer only: it is stored hashed and cannot be shown again.
        response = self.render_to_response(self.get_context_data(secret=secret, shown=token))
        response["Cache-Control"] = "no-store"
        return response
