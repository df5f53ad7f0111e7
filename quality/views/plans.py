"""Inspection plan pages for the quality engineer (and the tenant admin): list, create, the plan page with
its versions, characteristics, sampling rules, a preview as the inspector will see it, and the OC curve.

Thin: reads here, every change through ``quality.services.plan_editing``. Anyone else gets 404, and so
does a plan outside the member's partner scope (every read goes through ``plan_editing.plans_visible``).
A plan the member may read but not change (a plan for every supplier, for an engineer limited to some
suppliers) shows without its forms; a change posted anyway is a 404 from the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from portal.services.errors import NotInScope, error_messages
from portal.views.mixins import TenantViewMixin
from quality.models import InspectionPlan, InspectionPlanVersion, Severity
from quality.plan_forms import CharacteristicForm, PlanForm, PreviewForm, SamplingRuleForm, VersionForm
from quality.sampling.oc import acceptance_probability, chart_points, chart_scale, fraction_at
from quality.sampling.plans import SamplingInputError, SamplingPlan, code_letter, normalize_aql
from quality.services import plan_editing
from quality.services.plans import sampling_for

SEVERITIES = (Severity.NORMAL, Severity.TIGHTENED, Severity.REDUCED)
DEFAULT_LOT = 500


class PlanPageMixin(TenantViewMixin):
    allowed_roles = plan_editing.PLAN_EDITORS
    nav_key = "plans"

    def plan(self, plan_id: int) -> InspectionPlan:
        plan = (
            plan_editing.plans_visible(self.membership).filter(pk=plan_id).select_related("product", "partner").first()
        )
        if plan is None:
            raise NotInScope()
        return plan

    def version(self, version_id: int) -> InspectionPlanVersion:
        version = (
            InspectionPlanVersion.objects.filter(plan__in=plan_editing.plans_visible(self.membership), pk=version_id)
            .select_related("plan", "plan__product", "plan__partner")
            .first()
        )
        if version is None:
            raise NotInScope()
        return version

    def editable_version(self, version_id: int) -> InspectionPlanVersion:
        """The version, if the member may change its plan (else 404, as the service would answer)."""
        version = self.version(version_id)
        if not plan_editing.may_edit(self.membership, version.plan):
            raise NotInScope()
        return version

    def back_to(self, version: InspectionPlanVersion, anchor: str = ""):
        url = redirect("plan_detail", self.membership.tenant.slug, version.plan_id).url
        return redirect(f"{url}?version={version.number}{anchor}")


class PlanListView(PlanPageMixin, ListView):
    """The plans the member may read: product, supplier, newest version, draft or in use."""

    template_name = "quality/plans/plan_list.html"
    context_object_name = "plans"
    paginate_by = 50

    def get_queryset(self):
        return (
            plan_editing.plans_visible(self.membership)
            .select_related("product", "partner")
            .annotate(newest=Max("versions__number"))
            .prefetch_related(Prefetch("versions", queryset=InspectionPlanVersion.objects.order_by("-number")))
            .order_by("product__name", "partner__name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for plan in context["plans"]:
            versions = list(plan.versions.all())
            plan.current = versions[0] if versions else None
        return context


class PlanCreateView(PlanPageMixin, FormView):
    template_name = "quality/plans/plan_new.html"
    form_class = PlanForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            plan = plan_editing.plan_create(
                membership=self.membership,
                product_id=data["product"].pk,
                partner_id=data["partner"].pk if data["partner"] else None,
                name=data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(plan)s created with a draft version 1: add its characteristics and sampling rules.") % {"plan": plan},
        )
        return redirect("plan_detail", self.membership.tenant.slug, plan.pk)


class PlanDetailView(PlanPageMixin, TemplateView):
    """One plan: its versions, the chosen one's characteristics and rules, the preview and OC curves."""

    template_name = "quality/plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan(self.kwargs["pk"])
        versions = list(plan.versions.order_by("-number").select_related("created_by"))
        chosen = versions[0] if versions else None
        wanted = self.request.GET.get("version", "")
        if wanted.isdigit():
            chosen = next((v for v in versions if v.number == int(wanted)), chosen)
        preview_form = PreviewForm(self.request.GET if "lot_size" in self.request.GET else None)
        lot_size = (
            preview_form.cleaned_data["lot_size"] if preview_form.is_bound and preview_form.is_valid() else DEFAULT_LOT
        )
        can_edit = plan_editing.may_edit(self.membership, plan)
        context.update(
            plan=plan,
            versions=versions,
            version=chosen,
            preview_form=preview_form,
            lot_size=lot_size,
            can_edit=can_edit,
        )
        if chosen is None:
            return context
        characteristics = list(chosen.characteristics.select_related("defect_code"))
        rules = list(chosen.sampling_rules.all())
        for rule in rules:
            rule.aql_text = aql_text(rule.aql) if rule.aql is not None else ""
        context.update(
            characteristics=characteristics,
            rules=rules,
            is_newest=chosen == versions[0],
            preview=preview(chosen, lot_size),
        )
        if can_edit and not chosen.is_frozen:
            context.update(
                version_form=VersionForm(
                    initial={
                        "note": chosen.note,
                        "first_article_lots": chosen.first_article_lots,
                        "first_article_mode": chosen.first_article_mode,
                    }
                ),
                characteristic_form=CharacteristicForm(auto_id="id_new_char_%s"),
                rule_form=SamplingRuleForm(auto_id="id_new_rule_%s"),
            )
        return context


class VersionCreateView(PlanPageMixin, View):
    """POST: a new draft version copying the newest one."""

    http_method_names = ["post"]

    def post(self, request, tenant_slug, pk):
        plan = self.plan(pk)
        try:
            version = plan_editing.version_create(
                membership=self.membership, plan_id=plan.pk, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc).values()))
            return redirect("plan_detail", tenant_slug, plan.pk)
        messages.success(
            request,
            _(
                "Version %(number)s of %(plan)s created as a copy of the one before: change it here; "
                "inspections already made keep their version."
            )
            % {"number": version.number, "plan": plan},
        )
        return self.back_to(version)


class VersionUpdateView(PlanPageMixin, View):
    """POST: a draft version's note and first-article rule."""

    http_method_names = ["post"]

    def post(self, request, tenant_slug, version_id):
        version = self.editable_version(version_id)
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                plan_editing.version_update(membership=self.membership, version_id=version.pk, fields=form.cleaned_data)
            except plan_editing.VersionFrozen as exc:
                return _frozen_page(request, version, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
        if not form.is_valid():
            return _item_page(
                request,
                version,
                form,
                title=_("Version %(number)s: first articles and note") % {"number": version.number},
            )
        messages.success(
            request, _("Version %(number)s of %(plan)s saved.") % {"number": version.number, "plan": version.plan}
        )
        return self.back_to(version)


class _ItemView(PlanPageMixin, View):
    """Add (no ``item_id``) or change one characteristic or sampling rule of a draft version."""

    form_class: type = CharacteristicForm
    what = "characteristic"
    anchor = "#characteristics"

    def item(self, version, item_id):
        raise NotImplementedError

    def save(self, version, fields, item_id):
        raise NotImplementedError

    def get(self, request, tenant_slug, version_id, item_id=None):
        version = self.editable_version(version_id)
        form = self.form_class.of(self.item(version, item_id)) if item_id else self.form_class()
        return _item_page(request, version, form, title=self.title(version, item_id))

    def post(self, request, tenant_slug, version_id, item_id=None):
        version = self.editable_version(version_id)
        if item_id:
            self.item(version, item_id)  # 404 before anything else
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                saved = self.save(version, form.cleaned_data, item_id)
            except plan_editing.VersionFrozen as exc:
                return _frozen_page(request, version, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if item_id:
                    text = _("%(item)s changed on version %(number)s of %(plan)s.")
                else:
                    text = _("%(item)s added on version %(number)s of %(plan)s.")
                messages.success(request, text % {"item": saved, "number": version.number, "plan": version.plan})
                return self.back_to(version, self.anchor)
        return _item_page(request, version, form, title=self.title(version, item_id), status=422)

    def title(self, version, item_id):
        titles = {
            ("characteristic", True): _("Change a characteristic (version %(number)s)"),
            ("characteristic", False): _("Add a characteristic (version %(number)s)"),
            ("sampling rule", True): _("Change a sampling rule (version %(number)s)"),
            ("sampling rule", False): _("Add a sampling rule (version %(number)s)"),
        }
        return titles[(self.what, bool(item_id))] % {"number": version.number}


class CharacteristicView(_ItemView):
    def item(self, version, item_id):
        return _found(version.characteristics, item_id)

    def save(self, version, fields, item_id):
        return plan_editing.characteristic_save(
            membership=self.membership, version_id=version.pk, fields=fields, characteristic_id=item_id
        )


class SamplingRuleView(_ItemView):
    form_class = SamplingRuleForm
    what = "sampling rule"
    anchor = "#sampling"

    def item(self, version, item_id):
        return _found(version.sampling_rules, item_id)

    def save(self, version, fields, item_id):
        return plan_editing.sampling_rule_save(
            membership=self.membership, version_id=version.pk, fields=fields, rule_id=item_id
        )


class ItemDeleteView(PlanPageMixin, View):
    """POST: remove a characteristic or a sampling rule from a draft version."""

    http_method_names = ["post"]
    kind = "characteristic"

    def post(self, request, tenant_slug, version_id, item_id):
        version = self.editable_version(version_id)
        try:
            if self.kind == "characteristic":
                plan_editing.characteristic_delete(
                    membership=self.membership, version_id=version.pk, characteristic_id=item_id
                )
            else:
                plan_editing.sampling_rule_delete(membership=self.membership, version_id=version.pk, rule_id=item_id)
        except plan_editing.VersionFrozen as exc:
            return _frozen_page(request, version, exc)
        else:
            if self.kind == "characteristic":
                text = _("The characteristic was removed from version %(number)s.")
            else:
                text = _("The sampling rule was removed from version %(number)s.")
            messages.success(request, text % {"number": version.number})
        return self.back_to(version, "#characteristics" if self.kind == "characteristic" else "#sampling")


def _found(related, pk):
    found = related.filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def _frozen_page(request, version, exc: plan_editing.VersionFrozen):
    """409: the version was frozen (an inspection used it) before the change arrived; nothing was written.
    A conflict with the version's state, not bad input, hence not 422."""
    return render(
        request,
        "quality/plans/frozen.html",
        {"version": version, "plan": version.plan, "message": " ".join(exc.messages), "nav_key": "plans"},
        status=409,
    )


def _item_page(request, version, form, *, title: str, status: int = 200):
    return render(
        request,
        "quality/plans/item_form.html",
        {"version": version, "plan": version.plan, "form": form, "title": title, "nav_key": "plans"},
        status=status,
    )


# ---- The preview and the OC curves ----------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One defect class's sampling for the lot at one severity (``plan`` None: ``problem`` says why)."""

    severity: str
    plan: SamplingPlan | None
    problem: str = ""


def preview(version: InspectionPlanVersion, lot_size: int) -> dict:
    """What the inspector will be asked for a lot of ``lot_size`` items: per rule, the lot's code letter and
    the plan (n, Ac, Re) at normal, tightened and reduced severity; and an OC chart per rule."""
    by_rule: dict[int, dict] = {}
    for severity in SEVERITIES:
        try:
            _used, samplings = sampling_for(version=version, lot_items=lot_size, severity=severity, first_article=False)
        except SamplingInputError as exc:
            return {"problem": str(exc), "classes": []}
        for found in samplings:
            entry = by_rule.setdefault(found.rule.pk, {"rule": found.rule, "rows": []})
            entry["rows"].append(PreviewRow(severity=severity, plan=found.plan))
    classes = []
    for entry in by_rule.values():
        rule = entry["rule"]
        entry["lot_letter"] = code_letter(lot_size, rule.level) if rule.mode == rule.Mode.AQL else None
        entry["aql_text"] = aql_text(rule.aql) if rule.aql is not None else ""
        entry["chart"] = oc_chart(entry["rows"], rule=rule, key=f"{version.pk}-{rule.pk}")
        classes.append(entry)
    return {"problem": "", "classes": classes}


# Drawing area of the chart, in SVG user units.
WIDTH, HEIGHT = 600, 330
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56
CURVE_STYLE = {
    Severity.NORMAL: ("#1f6feb", ""),
    Severity.TIGHTENED: ("#b42318", "7 4"),
    Severity.REDUCED: ("#067647", "2 3"),
}


def oc_chart(rows: list[PreviewRow], *, rule, key: str) -> dict | None:
    """The geometry of an OC chart (drawn by ``quality/plans/_oc_chart.html`` as inline SVG): one curve per
    severity whose plan samples (a 100 % plan has no sampling risk and no curve), ticks, the AQL mark, and a
    few Pa values per severity for the table screen readers read. None when no severity samples.

    A lot is accepted below Re: for the reduced plans whose Re exceeds Ac + 1 a count in between accepts
    the lot (and reinstates normal inspection), so each curve is P(X <= Re - 1), binomial in ``p``.
    """
    sampled = [row for row in rows if row.plan is not None and not row.plan.hundred_percent]
    if not sampled:
        return None
    plans = {row.severity: (row.plan.sample_size, row.plan.reject - 1) for row in sampled}
    end, step = chart_scale(list(plans.values()))
    ticks = [round(step * i, 12) for i in range(round(end / step) + 1)]
    curves = _oc_curves(plans, end)
    return {
        "key": key,
        **_oc_frame(end, ticks),
        "legend": [
            # Stacked in the plot's top right corner, which the falling curves leave empty.
            {**curve, "x": WIDTH - RIGHT - 256, "y": TOP + 22 + i * 20, "text_x": WIDTH - RIGHT - 226}
            for i, curve in enumerate(curves)
        ],
        "curves": curves,
        "aql": _oc_aql_mark(rule, end),
        "table": [
            {"percent": p * 100, "pa": [acceptance_probability(n, accept, p) * 100 for n, accept in plans.values()]}
            for p in ticks
        ],
        "legend_box": {"x": WIDTH - RIGHT - 264, "y": TOP + 6, "width": 256, "height": 12 + 20 * len(curves)},
        "count": len(curves),
    }


def _oc_x(p: float, end: float) -> float:
    """Where a fraction defective ``p`` (0..end) lies on the chart, in SVG units from the left."""
    return round(LEFT + (WIDTH - LEFT - RIGHT) * p / end, 2)


def _oc_y(pa: float) -> float:
    """Where a probability of acceptance ``pa`` (0..1) lies on the chart, in SVG units from the top."""
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - pa), 2)


def _oc_frame(end: float, ticks: list[float]) -> dict:
    """The chart's box, axis ticks and axis label positions, in SVG units."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "x_ticks": [{"x": _oc_x(p, end), "label": _percent(p * 100)} for p in ticks],
        "y_ticks": [{"y": _oc_y(pa / 100), "label": f"{pa}"} for pa in (0, 25, 50, 75, 100)],
        "x_label": {"x": LEFT + plot_w / 2, "y": HEIGHT - BOTTOM + 40},
        "y_label": {"x": 14, "y": TOP + plot_h / 2},
    }


def _oc_curves(plans: dict[str, tuple[int, int]], end: float) -> list[dict]:
    """One curve per severity: its SVG points, style, and the defect percents at Pa 95 % and 10 %."""
    curves = []
    for severity, (n, accept) in plans.items():
        colour, dash = CURVE_STYLE[severity]
        points = " ".join(f"{_oc_x(p, end)},{_oc_y(acceptance_probability(n, accept, p))}" for p in chart_points(end))
        curves.append(
            {
                "severity": Severity(severity).label,
                "n": n,
                "accept": accept,
                "points": points,
                "colour": colour,
                "dash": dash,
                "p95": fraction_at(n, accept, 0.95) * 100,
                "p10": fraction_at(n, accept, 0.10) * 100,
            }
        )
    return curves


def _oc_aql_mark(rule, end: float) -> dict | None:
    """The AQL's mark on the x axis, or None when the rule has no AQL or it lies off the chart."""
    if rule.aql is not None and 0 < rule.aql / 100 <= end:
        return {"x": _oc_x(float(rule.aql) / 100, end), "label": f"AQL {aql_text(rule.aql)} %"}
    return None


def aql_text(aql) -> str:
    """An AQL as the tables print it (1.0, 0.065, 10), not as the column stores it (1.000)."""
    try:
        return str(normalize_aql(aql))
    except SamplingInputError:
        return str(aql)


def _percent(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"
