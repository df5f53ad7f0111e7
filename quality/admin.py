"""Django admin for inspection plans, so a quality engineer can set one up before the plan pages exist.

A version that an inspection used is frozen (``frozen_at``): its characteristics and sampling rules
are shown read-only; a change is a new version.
"""

from django.contrib import admin

from quality.models import Characteristic, InspectionPlan, InspectionPlanVersion, SamplingRule


class _FrozenReadOnly:
    """Inlines of a version: editable until the version is frozen."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_frozen)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj is not None and obj.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_frozen)


class CharacteristicInline(_FrozenReadOnly, admin.TabularInline):
    model = Characteristic
    extra = 0
    exclude = ["tenant"]


class SamplingRuleInline(_FrozenReadOnly, admin.TabularInline):
    model = SamplingRule
    extra = 0
    exclude = ["tenant"]


class VersionInline(admin.TabularInline):
    model = InspectionPlanVersion
    extra = 0
    fields = ["number", "note", "first_article_lots", "first_article_mode", "frozen_at"]
    readonly_fields = ["frozen_at"]
    show_change_link = True


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tenant", "product", "partner", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["tenant", "product", "partner"]
    raw_id_fields = ["tenant", "product", "partner"]
    inlines = [VersionInline]

    def save_formset(self, request, form, formset, change):
        # Versions belong to the plan's tenant; the form does not ask for it again.
        for obj in formset.save(commit=False):
            obj.tenant_id = form.instance.tenant_id
            if obj.created_by_id is None:
                obj.created_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(InspectionPlanVersion)
class InspectionPlanVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number", "created_at", "frozen_at"]
    list_select_related = ["plan", "plan__product", "plan__partner"]
    raw_id_fields = ["plan", "created_by"]
    exclude = ["tenant"]
    readonly_fields = ["frozen_at"]
    inlines = [CharacteristicInline, SamplingRuleInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["plan", "number", "note", "first_article_lots", "first_article_mode", "frozen_at"]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        obj.tenant_id = obj.plan.tenant_id
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.tenant_id = form.instance.tenant_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()
