"""Accepting an invitation: sign in and join, or create the account and join."""

from __future__ import annotations

from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.forms import InvitationSignupForm
from portal.models import User
from portal.services.invitations import (
    invitation_accept,
    invitation_get_by_token,
    invitation_on_hold,
    invitation_signup,
)


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_by_token(token)
    if invitation is None or not invitation.is_pending:
        status = invitation.status if invitation else "unknown"
        return render(request, "portal/invitation_invalid.html", {"status": status}, status=404)
    if on_hold := invitation_on_hold(invitation):
        return render(request, "portal/invitation_invalid.html", {"status": "on_hold", "reason": on_hold}, status=403)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "existing": existing}

    if existing is not None:
        if not request.user.is_authenticated:
            messages.info(
                request,
                _("Sign in as %(email)s to join %(tenant)s.")
                % {"email": invitation.email, "tenant": invitation.tenant.name},
            )
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if request.user.pk != existing.pk:
            context["wrong_user"] = True
            return render(request, "portal/invitation_accept.html", context, status=403)
        if request.method == "POST":
            try:
                membership = invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("home")
            messages.success(
                request,
                _("You joined %(tenant)s as %(role)s.")
                % {"tenant": membership.tenant.name, "role": membership.get_role_display()},
            )
            return redirect("dashboard", membership.tenant.slug)
        return render(request, "portal/invitation_accept.html", context)

    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_signup(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            perform_login(request, membership.user, email_verification="none")
            messages.success(request, _("Welcome to %(tenant)s's portal.") % {"tenant": membership.tenant.name})
            return redirect("dashboard", membership.tenant.slug)
    context["form"] = form
    return render(request, "portal/invitation_accept.html", context)
