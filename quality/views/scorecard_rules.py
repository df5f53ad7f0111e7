"""The tenant's scorecard rules: the on-time window, quantity tolerances, the acknowledgement target, the
score's window, each measure's weight and target, the standings (names, thresholds, warning, blocking)
and what Odoo shows of a standing.

Tenant admins only (anyone else: 404, as the other rules pages). Saving is one transaction through
``quality.scorecards.rules_service.scorecard_rules_save``, which checks everything again and queues the
re-scoring; an error shows next to its field and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from portal.models import Role
from portal.views.mixins import TenantViewMixin
from quality.models import scorecard_rules_for
from quality.scorecard_forms import (
    ScorecardRulesForm,
    StandingFormSet,
    rules_initial,
    standings_initial,
)
from quality.scorecards.rules_service import effective_measures, rules_saved_message, scorecard_rules_save
from quality.scorecards.standings import standings_or_defaults

NAV_KEY = "quality_rules"  # reached from Quality rules: no entry of its own in the navigation
PREFIX = "standings"


class ScorecardRulesView(TenantViewMixin, TemplateView):
    template_name = "quality/scorecard_rules.html"
    allowed_roles = {Role.TENANT_ADMIN}
    nav_key = NAV_KEY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = self.membership.tenant
        form = kwargs.get("form")
        formset = kwargs.get("formset")
        if form is None:
            rules = scorecard_rules_for(tenant)
            form = ScorecardRulesForm(initial=rules_initial(rules, effective_measures(rules)))
        if formset is None:
            formset = StandingFormSet(prefix=PREFIX, initial=standings_initial(standings_or_defaults(tenant)))
        context.update(
            form=form,
            formset=formset,
            errors=kwargs.get("errors", []),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = ScorecardRulesForm(request.POST)
        formset = StandingFormSet(request.POST, prefix=PREFIX)
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if not (form_ok and formset_ok):
            left = list(formset.non_form_errors())
            return self._again(form, formset, left)
        rows = formset.rows()
        try:
            rules = scorecard_rules_save(
                membership=self.membership,
                values=form.values(),
                standings=[{k: v for k, v in row.items() if k != "form_index"} for row in rows],
            )
        except ValidationError as exc:
            errors = exc.message_dict
            left = form.place(errors) + formset.place(errors, rows)
            return self._again(form, formset, left)
        messages.success(request, rules_saved_message(rules.saved_changes))
        return redirect("scorecard_rules", self.membership.tenant.slug)

    def _again(self, form, formset, errors: list[str]):
        context = self.get_context_data(form=form, formset=formset, errors=errors)
        return self.render_to_response(context, status=400)
