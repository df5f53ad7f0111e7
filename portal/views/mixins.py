"""What every tenant page shares: the membership the middleware resolved, and role gates."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponseNotAllowed

from portal.models import Membership


class TenantViewMixin(LoginRequiredMixin):
    """A page under /t/<tenant_slug>/; ``allowed_roles`` limits it, others get 404."""

    allowed_roles: Collection[str] | None = None
    nav_key = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership: Membership = request.membership
        if self.membership is None:
            raise Http404()
        if self.allowed_roles is not None and self.membership.role not in self.allowed_roles:
            raise Http404()
        if request.method == "OPTIONS":
            # Django's default OPTIONS answers 200 without the object's scope check (that lives in get/post):
            # pages need no OPTIONS, so every page answers it the same way, seen or not.
            return HttpResponseNotAllowed([m.upper() for m in self.http_method_names if hasattr(self, m)])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_key"] = self.nav_key
        return context
