"""The audit trail, for tenant admins."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.views.generic import DetailView, ListView

from portal.models import AuditEntry, Role

from .mixins import TenantViewMixin


class AuditListView(TenantViewMixin, ListView):
    template_name = "portal/audit_list.html"
    allowed_roles = {Role.TENANT_ADMIN}
    paginate_by = 50
    nav_key = "audit"

    def get_queryset(self):
        qs = AuditEntry.objects.visible_to(self.membership).select_related("content_type")
        params = self.request.GET
        if object_type := params.get("type"):
            app_label, _, model = object_type.partition(".")
            qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
        if object_id := params.get("object"):
            qs = qs.filter(object_id=object_id)
        if actor := params.get("actor", "").strip():
            qs = qs.filter(actor_label__icontains=actor)
        if action := params.get("action", "").strip():
            qs = qs.filter(action__startswith=action)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        type_ids = AuditEntry.objects.visible_to(self.membership).values_list("content_type", flat=True).distinct()
        context["object_types"] = [
            (f"{ct.app_label}.{ct.model}", ct.name) for ct in ContentType.objects.filter(pk__in=type_ids)
        ]
        context["filters"] = self.request.GET
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class AuditDetailView(TenantViewMixin, DetailView):
    template_name = "portal/audit_detail.html"
    allowed_roles = {Role.TENANT_ADMIN}
    context_object_name = "entry"
    nav_key = "audit"

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.membership).select_related("content_type", "actor")
