"""Writing inspection plans: a plan, its versions, and the characteristics and sampling rules of a draft version.

Who: a quality engineer or a tenant admin of the plan's tenant (anyone else: ``NotInScope``, a 404), and
within their partner scope (``InspectionPlan.objects.visible_to``): a partner's plan is read and changed
only by those who see that partner. A plan for every supplier (no partner) is read by every plan editor
of the tenant, but changed only by those who see every partner (a tenant admin, or an engineer not
limited to some suppliers): it decides what is checked on every supplier's lots, so an engineer limited
to one supplier would otherwise change other suppliers' inspections. See ``may_edit``.
A version an inspection used is frozen (``frozen_at``): it is never edited; a change to a used plan is
a new version (``version_create``), which starts as a copy of the newest one. Every change is audited
on the version it touches. Bad input raises ``ValidationError`` keyed by field, in plain words that
name the value given and what is allowed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership, Partner, Role
from portal.models.scoping import visible_partner_ids
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import Characteristic, DefectClass, DefectCode, InspectionPlan, InspectionPlanVersion, SamplingRule
from quality.sampling.plans import SamplingInputError, normalize_aql
from quality.sampling.tables import LEVELS
from suppliers.models import Product

PLAN_EDITORS = frozenset({Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
MAX_DECIMALS = 6

CHARACTERISTIC_FIELDS = [
    "kind",
    "name",
    "defect_class",
    "position",
    "nominal",
    "lower_tolerance",
    "upper_tolerance",
    "unit",
    "decimals",
    "gauge",
    "photo_required_on_fail",
    "defect_code",
]
RULE_FIELDS = ["defect_class", "mode", "level", "aql", "sample_size", "accept"]
VERSION_FIELDS = ["note", "first_article_lots", "first_article_mode"]

# A version samples each class once: the refusal, one whole sentence per class (no lower-cased label).
ALREADY_SAMPLED = {
    DefectClass.CRITICAL: gettext_lazy("Version %(number)s already samples critical defects: change that rule."),
    DefectClass.MAJOR: gettext_lazy("Version %(number)s already samples major defects: change that rule."),
    DefectClass.MINOR: gettext_lazy("Version %(number)s already samples minor defects: change that rule."),
}


class VersionFrozen(ValidationError):
    """The version was used by an inspection: it cannot change; make a new version."""


def plan_editor_only(membership: Membership | None) -> None:
    """Raise NotInScope unless ``membership`` may write inspection plans (engineer or tenant admin)."""
    if membership is None or not membership.has_access or membership.role not in PLAN_EDITORS:
        raise NotInScope()


def plans_visible(membership: Membership):
    """The plans ``membership`` may read (QuerySet of InspectionPlan): its tenant's, within its partner
    scope; a plan for every supplier is read by all of them. Empty for anyone but a plan editor."""
    if membership is None or not membership.has_access or membership.role not in PLAN_EDITORS:
        return InspectionPlan.objects.none()
    return InspectionPlan.objects.visible_to(membership)


def may_edit(membership: Membership, plan: InspectionPlan) -> bool:
    """Whether ``membership`` may change ``plan`` (a plan it may read; see the module's docstring):
    a partner's plan when it sees that partner, a plan for every supplier when it sees every partner."""
    if membership is None or not membership.has_access or membership.role not in PLAN_EDITORS:
        return False
    if plan.tenant_id != membership.tenant_id:
        return False
    if plan.partner_id is None:
        return membership.sees_all_partners
    return membership.sees_all_partners or plan.partner_id in visible_partner_ids(membership)


def plan_create(
    *, membership: Membership, product_id: int, partner_id: int | None = None, name: str = ""
) -> InspectionPlan:
    """A plan for a product (``partner_id``: of that partner only) with an empty draft version 1.

    Raises ValidationError on ``product`` / ``partner`` when they are not the tenant's, when the partner
    is outside the member's scope (or, without a partner, when the member does not see every partner:
    a plan for every supplier is theirs to make), or when the tenant already has a plan for the same
    product (and partner).
    """
    plan_editor_only(membership)
    tenant = membership.tenant
    product = Product.objects.filter(tenant=tenant, pk=product_id).first()
    partner = Partner.objects.visible_to(membership).filter(pk=partner_id).first() if partner_id else None
    errors = {}
    if product is None:
        errors["product"] = _("No product of %(tenant)s has the id %(id)s.") % {"tenant": tenant.name, "id": product_id}
    if partner_id and partner is None:
        # Same words for another tenant's partner and one outside the scope: reveal nothing.
        errors["partner"] = _("No supplier of %(tenant)s you work with has the id %(id)s.") % {
            "tenant": tenant.name,
            "id": partner_id,
        }
    if not partner_id and not membership.sees_all_partners:
        errors["partner"] = _(
            "Choose the supplier: a plan for every supplier is made by those who see every supplier "
            "(a tenant admin, or an engineer not limited to some suppliers)."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The product's row serializes two engineers creating the same plan at once.
        Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
        existing = InspectionPlan.objects.filter(tenant=tenant, product=product, partner=partner).first()
        if existing is not None:
            if partner:
                text = _("There is already a plan for %(product)s from %(partner)s: %(plan)s. Edit that one.")
            else:
                text = _("There is already a plan for %(product)s (every supplier): %(plan)s. Edit that one.")
            raise ValidationError({"product": text % {"product": product, "partner": partner, "plan": existing}})
        plan = InspectionPlan.objects.create(tenant=tenant, product=product, partner=partner, name=name.strip())
        version = InspectionPlanVersion.objects.create(
            tenant=tenant, plan=plan, number=1, note="First version.", created_by=membership.user
        )
        audit_record(
            tenant=tenant,
            actor=membership.user,
            action="inspection_plan.created",
            obj=plan,
            changes={
                "product": [None, str(product)],
                "partner": [None, str(partner) if partner else "every supplier"],
                "version": [None, version.number],
            },
        )
    return plan


def version_create(*, membership: Membership, plan_id: int, note: str = "") -> InspectionPlanVersion:
    """The plan's next version, a draft copying the newest version's characteristics, sampling rules and
    first-article rule; new inspections use it from now on, inspections made keep theirs.

    Raises ValidationError when the newest version is still a draft (edit that one instead).
    """
    plan_editor_only(membership)
    with transaction.atomic():
        plan = _plan(membership, plan_id, lock=True)
        last = plan.versions.select_for_update(of=("self",)).order_by("-number").first()
        if last is not None and not last.is_frozen:
            raise ValidationError(
                {
                    "__all__": _("Version %(number)s is still a draft (no inspection used it): change it instead.")
                    % {"number": last.number}
                }
            )
        version = InspectionPlanVersion.objects.create(
            tenant=plan.tenant,
            plan=plan,
            number=(last.number if last else 0) + 1,
            note=note.strip(),
            first_article_lots=last.first_article_lots if last else 0,
            first_article_mode=last.first_article_mode if last else InspectionPlanVersion.FirstArticle.HUNDRED_PERCENT,
            created_by=membership.user,
        )
        if last is not None:
            for characteristic in last.characteristics.all():
                characteristic.pk = None
                characteristic.version = version
                characteristic.save(force_insert=True)
            for rule in last.sampling_rules.all():
                rule.pk = None
                rule.version = version
                rule.save(force_insert=True)
        audit_record(
            tenant=plan.tenant,
            actor=membership.user,
            action="inspection_plan.version_created",
            obj=version,
            changes={"version": [last.number if last else None, version.number], "note": [None, version.note]},
        )
    return version


def version_update(*, membership: Membership, version_id: int, fields: dict[str, Any]) -> InspectionPlanVersion:
    """Change a draft version's note and first-article rule (``VERSION_FIELDS``)."""
    plan_editor_only(membership)
    errors = {}
    lots = fields.get("first_article_lots") or 0
    if not isinstance(lots, int) or not 0 <= lots <= 1000:
        errors["first_article_lots"] = _("Give a number of lots from 0 (off) to 1000, not %(value)s.") % {
            "value": repr(lots)
        }
    mode = fields.get("first_article_mode") or InspectionPlanVersion.FirstArticle.HUNDRED_PERCENT
    if mode not in InspectionPlanVersion.FirstArticle.values:
        errors["first_article_mode"] = _not_one_of(mode, InspectionPlanVersion.FirstArticle.labels)
    if errors:
        raise ValidationError(errors)
    after = {"note": (fields.get("note") or "").strip(), "first_article_lots": lots, "first_article_mode": mode}
    with transaction.atomic():
        version = _draft(membership, version_id)
        changes = field_changes({name: getattr(version, name) for name in VERSION_FIELDS}, after)
        if changes:
            for name, value in after.items():
                setattr(version, name, value)
            version.save(update_fields=VERSION_FIELDS)
            _audit(membership, version, "inspection_plan.version_changed", changes)
    return version


def characteristic_save(
    *, membership: Membership, version_id: int, fields: dict[str, Any], characteristic_id: int | None = None
) -> Characteristic:
    """Add a characteristic to a draft version, or change one of its own (``characteristic_id``).

    ``fields`` holds ``CHARACTERISTIC_FIELDS``. Measured: a nominal, tolerances as deviations from it
    (lower <= 0 <= upper, so lower limit <= nominal <= upper limit), at least one of them, and a
    unit; ``decimals`` 0 to 6. Attribute and visual checks keep no measurement fields.
    """
    plan_editor_only(membership)
    clean = _characteristic_fields(fields)
    with transaction.atomic():
        version = _draft(membership, version_id)
        clean["defect_code"] = _defect_code(version.tenant, fields.get("defect_code"), characteristic_id)
        if characteristic_id is None:
            characteristic = Characteristic(tenant=version.tenant, version=version)
            if clean["position"] is None:
                clean["position"] = 1 + max((c.position for c in version.characteristics.all()), default=0)
            before: dict[str, Any] = {}
            action = "inspection_plan.characteristic_added"
        else:
            characteristic = _child(version.characteristics, characteristic_id, "characteristic")
            if clean["position"] is None:
                clean["position"] = characteristic.position
            before = {name: getattr(characteristic, name) for name in CHARACTERISTIC_FIELDS}
            action = "inspection_plan.characteristic_changed"
        changes = field_changes(before, clean)
        if changes:
            for name, value in clean.items():
                setattr(characteristic, name, value)
            characteristic.save()
            _audit(membership, version, action, {f"{clean['name']}: {key}": value for key, value in changes.items()})
    return characteristic


def characteristic_delete(*, membership: Membership, version_id: int, characteristic_id: int) -> None:
    """Remove a characteristic from a draft version."""
    plan_editor_only(membership)
    with transaction.atomic():
        version = _draft(membership, version_id)
        characteristic = _child(version.characteristics, characteristic_id, "characteristic")
        name = characteristic.name
        characteristic.delete()
        _audit(membership, version, "inspection_plan.characteristic_removed", {"characteristic": [name, None]})


def sampling_rule_save(
    *, membership: Membership, version_id: int, fields: dict[str, Any], rule_id: int | None = None
) -> SamplingRule:
    """Set how one defect class of a draft version is sampled (one rule per class): level + AQL from the
    ISO 2859-1 tables, a fixed sample size (>= 1) with its Ac (below n), or every item with its Ac.
    """
    plan_editor_only(membership)
    clean = _rule_fields(fields)
    with transaction.atomic():
        version = _draft(membership, version_id)
        rules = version.sampling_rules
        rule = _child(rules, rule_id, "rule") if rule_id is not None else None
        taken = rules.filter(defect_class=clean["defect_class"]).exclude(pk=rule.pk if rule else None).exists()
        if taken:
            raise ValidationError({"defect_class": ALREADY_SAMPLED[clean["defect_class"]] % {"number": version.number}})
        if rule is None:
            rule = SamplingRule(tenant=version.tenant, version=version)
            before: dict[str, Any] = {}
            action = "inspection_plan.sampling_rule_added"
        else:
            before = {name: getattr(rule, name) for name in RULE_FIELDS}
            action = "inspection_plan.sampling_rule_changed"
        changes = field_changes(before, clean)
        if changes:
            for name, value in clean.items():
                setattr(rule, name, value)
            rule.save()
            label = DefectClass(clean["defect_class"]).label
            _audit(membership, version, action, {f"{label}: {key}": value for key, value in changes.items()})
    return rule


def sampling_rule_delete(*, membership: Membership, version_id: int, rule_id: int) -> None:
    """Remove a defect class's sampling rule from a draft version."""
    plan_editor_only(membership)
    with transaction.atomic():
        version = _draft(membership, version_id)
        rule = _child(version.sampling_rules, rule_id, "rule")
        label = str(rule)
        rule.delete()
        _audit(membership, version, "inspection_plan.sampling_rule_removed", {"sampling rule": [label, None]})


def _plan(membership: Membership, plan_id: int, *, lock: bool = False) -> InspectionPlan:
    """The plan, if ``membership`` may change it (else NotInScope)."""
    plans = InspectionPlan.objects.visible_to(membership)
    plan = (plans.select_for_update(of=("self",)) if lock else plans).filter(pk=plan_id).first()
    if plan is None or not may_edit(membership, plan):
        raise NotInScope()
    return plan


def _draft(membership: Membership, version_id: int) -> InspectionPlanVersion:
    """The version, locked (an inspection freezing it waits for us, and we see its freeze), if still a draft."""
    version = (
        InspectionPlanVersion.objects.visible_to(membership)
        .select_for_update(of=("self",))
        .filter(pk=version_id)
        .select_related("plan", "tenant")
        .first()
    )
    if version is None or not may_edit(membership, version.plan):
        raise NotInScope()
    if version.is_frozen:
        raise VersionFrozen(
            _("Version %(number)s is in use by inspections and cannot change; make a new version to change the plan.")
            % {"number": version.number}
        )
    return version


def _child(related, pk: int, what: str):
    found = related.filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def _audit(membership: Membership, version: InspectionPlanVersion, action: str, changes: dict) -> None:
    audit_record(tenant=version.tenant, actor=membership.user, action=action, obj=version, changes=changes)


def _not_one_of(value: Any, allowed) -> str:
    return _("%(value)s is not one of: %(allowed)s.") % {
        "value": repr(value),
        "allowed": ", ".join(str(a) for a in allowed),
    }


def _defect_code(tenant, value, characteristic_id: int | None) -> DefectCode | None:
    """The catalogue entry named by ``value`` (a DefectCode, or its code in any case; empty: none). An inactive
    code is refused unless the characteristic already names it. Raises ``ValidationError`` keyed ``defect_code``."""
    if isinstance(value, DefectCode):
        value = value.code
    code = (value or "").strip()
    if not code:
        return None
    found = DefectCode.objects.filter(tenant=tenant, code__iexact=code).first()
    kept = (
        found is not None
        and characteristic_id is not None
        and found.characteristics.filter(pk=characteristic_id).exists()
    )
    if found is None or not (found.active or kept):
        raise ValidationError(
            {
                "defect_code": _("%(code)s is not an active code of the defect code catalogue: add it there first.")
                % {"code": code[:40]}
            }
        )
    return found


def _characteristic_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The cleaned fields of a characteristic; raises ``ValidationError`` naming every field at fault."""
    errors: dict[str, str] = {}
    clean = _characteristic_common(fields, errors)
    if clean["kind"] == Characteristic.Kind.MEASURED:
        clean.update(_measured_fields(fields, errors))
    if errors:
        raise ValidationError(errors)
    return clean


def _characteristic_common(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The fields every kind of characteristic has (the measured ones blank); adds its faults to ``errors``."""
    kind = fields.get("kind")
    if kind not in Characteristic.Kind.values:
        errors["kind"] = _("Choose the kind of check: %(why)s") % {"why": _not_one_of(kind, Characteristic.Kind.values)}
    name = (fields.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the characteristic a name the inspector recognises (e.g. Thread length).")
    defect_class = fields.get("defect_class")
    if defect_class not in DefectClass.values:
        errors["defect_class"] = _not_one_of(defect_class, DefectClass.values)
    decimals = fields.get("decimals")
    decimals = 2 if decimals is None else decimals
    if not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        errors["decimals"] = f"Give 0 to {MAX_DECIMALS} decimals, not {decimals!r}."
    return {
        "kind": kind,
        "name": name,
        "defect_class": defect_class,
        "position": fields.get("position"),
        "nominal": None,
        "lower_tolerance": None,
        "upper_tolerance": None,
        "unit": "",
        "decimals": decimals,
        "gauge": "",
        "photo_required_on_fail": kind == Characteristic.Kind.VISUAL and bool(fields.get("photo_required_on_fail")),
    }


def _measured_fields(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """A measured characteristic's nominal, tolerances, unit and gauge; adds their faults to ``errors``."""
    nominal, lower, upper = fields.get("nominal"), fields.get("lower_tolerance"), fields.get("upper_tolerance")
    errors.update(_tolerance_errors(nominal, lower, upper))
    unit = (fields.get("unit") or "").strip()
    if not unit:
        errors["unit"] = _("Give the unit measurements are in (e.g. mm).")
    return {
        "nominal": nominal,
        "lower_tolerance": lower,
        "upper_tolerance": upper,
        "unit": unit,
        "gauge": (fields.get("gauge") or "").strip(),
    }


def _tolerance_errors(nominal, lower, upper) -> dict[str, str]:
    """What is wrong with a nominal and its tolerances (deviations: lower <= 0 <= upper), by field."""
    errors: dict[str, str] = {}
    if nominal is None:
        errors["nominal"] = _("A measured characteristic needs a nominal value.")
    if lower is None and upper is None:
        errors["upper_tolerance"] = _("Give at least one tolerance: without one no measurement can fail.")
    if lower is not None and lower > 0:
        if nominal is not None:
            text = _(
                "The lower tolerance is a deviation below nominal: 0 or less, not %(value)s "
                "(the lower limit %(limit)s would be above nominal %(nominal)s)."
            )
        else:
            text = _("The lower tolerance is a deviation below nominal: 0 or less, not %(value)s.")
        limit = nominal + lower if nominal is not None else None
        errors["lower_tolerance"] = text % {"value": lower, "limit": limit, "nominal": nominal}
    if upper is not None and upper < 0:
        if nominal is not None:
            text = _(
                "The upper tolerance is a deviation above nominal: 0 or more, not %(value)s "
                "(the upper limit %(limit)s would be below nominal %(nominal)s)."
            )
        else:
            text = _("The upper tolerance is a deviation above nominal: 0 or more, not %(value)s.")
        limit = nominal + upper if nominal is not None else None
        errors["upper_tolerance"] = text % {"value": upper, "limit": limit, "nominal": nominal}
    return errors


def _rule_fields(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    defect_class = fields.get("defect_class")
    if defect_class not in DefectClass.values:
        errors["defect_class"] = _not_one_of(defect_class, DefectClass.values)
    mode = fields.get("mode")
    accept = fields.get("accept")
    accept = 0 if accept is None else accept
    clean: dict[str, Any] = {
        "defect_class": defect_class,
        "mode": mode,
        "level": "",
        "aql": None,
        "sample_size": None,
        "accept": 0,
    }
    if mode == SamplingRule.Mode.AQL:
        level = fields.get("level")
        if level not in LEVELS:
            errors["level"] = _("Inspection level %(level)s is not one of %(levels)s.") % {
                "level": repr(level),
                "levels": ", ".join(LEVELS),
            }
        aql: Decimal | None = None
        if fields.get("aql") in (None, ""):
            errors["aql"] = _("Choose an AQL (e.g. 1.0 for major defects).")
        else:
            try:
                aql = normalize_aql(fields["aql"])
            except SamplingInputError as exc:
                errors["aql"] = str(exc)
        clean.update(level=level, aql=aql)
    elif mode in (SamplingRule.Mode.FIXED, SamplingRule.Mode.HUNDRED_PERCENT):
        if not isinstance(accept, int) or accept < 0:
            errors["accept"] = _("The acceptance number Ac is a whole number of 0 or more, not %(value)s.") % {
                "value": repr(accept)
            }
        clean["accept"] = accept
        if mode == SamplingRule.Mode.FIXED:
            size = fields.get("sample_size")
            if not isinstance(size, int) or size < 1:
                errors["sample_size"] = _("A fixed sample is at least 1 item, not %(value)s.") % {"value": repr(size)}
            elif isinstance(accept, int) and accept >= size:
                errors["accept"] = _(
                    "Ac %(accept)s would accept every sample of %(size)s: give less than %(size)s."
                ) % {
                    "accept": accept,
                    "size": size,
                }
            clean["sample_size"] = size
    else:
        errors["mode"] = _not_one_of(mode, SamplingRule.Mode.values)
    if errors:
        raise ValidationError(errors)
    return clean
