"""Django admin for the order desk's own settings (the tenant's form in portal showed them before
they had a model of their own)."""

from django.contrib import admin

from suppliers.models import CollaborationRules


@admin.register(CollaborationRules)
class CollaborationRulesAdmin(admin.ModelAdmin):
    list_display = ["tenant", "ack_days_early", "ack_days_late", "asn_qty_over_pct", "gs1_company_prefix"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant"]
