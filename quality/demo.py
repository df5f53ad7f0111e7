"""Quality's part of the demo tenant: an inspection plan for the aluminium bracket that the demo receipt brings in.

Registered with ``portal.demo.demo_step_register`` from ``quality/entries.py``. The plan is written through the
plan services (``quality.services.plan_editing``), as the demo's quality engineer, so it is audited like one made
on the plan pages. Its sampling is small enough to walk through on a tablet: level S-3 gives a lot of 100 the code
letters C (major, AQL 2.5: n 5, Ac 0, Re 1) and B (minor, AQL 4.0: n 3, Ac 0, Re 1) of ISO 2859-1 Table II-A.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portal.models import Membership, Role, Tenant
from quality.models import Characteristic, DefectClass, InspectionPlan, SamplingRule
from quality.services.plan_editing import characteristic_save, plan_create, sampling_rule_save
from suppliers.models import Product

DEMO_PRODUCT = "ALU-BRKT-7"
DEMO_ENGINEER = "quality@acme.example"

CHARACTERISTICS = [
    {
        "kind": Characteristic.Kind.MEASURED,
        "name": "Hole spacing",
        "defect_class": DefectClass.MAJOR,
        "nominal": Decimal("50.00"),
        "lower_tolerance": Decimal("-0.20"),
        "upper_tolerance": Decimal("0.20"),
        "unit": "mm",
        "decimals": 2,
        "gauge": "caliper",
        "defect_code": "DIM-HOLE",
    },
    {
        "kind": Characteristic.Kind.VISUAL,
        "name": "Finish (anodised, no scratches)",
        "defect_class": DefectClass.MINOR,
        "photo_required_on_fail": True,
        "defect_code": "FIN-SCR",
    },
]
RULES = [
    {"defect_class": DefectClass.MAJOR, "mode": SamplingRule.Mode.AQL, "level": "S-3", "aql": "2.5"},
    {"defect_class": DefectClass.MINOR, "mode": SamplingRule.Mode.AQL, "level": "S-3", "aql": "4.0"},
]


def demo_bracket_plan(tenant: Tenant) -> InspectionPlan | None:
    """The bracket's plan (for every supplier), created once; None until the first pull brought the product
    from Odoo and the demo's engineer exists (seeding runs again after the pull, and the demo warehouse runs
    the demo steps too). A tenant that already has a plan for the bracket keeps it as it is."""
    product = Product.objects.filter(tenant=tenant, default_code=DEMO_PRODUCT).first()
    engineer = Membership.objects.filter(
        tenant=tenant, user__email=DEMO_ENGINEER, role=Role.QUALITY_ENGINEER, is_active=True
    ).first()
    if product is None or engineer is None:
        return None
    existing = InspectionPlan.objects.filter(tenant=tenant, product=product).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        plan = plan_create(membership=engineer, product_id=product.pk, name="Bracket: incoming inspection")
        version = plan.versions.get()
        for fields in CHARACTERISTICS:
            characteristic_save(membership=engineer, version_id=version.pk, fields=fields)
        for fields in RULES:
            sampling_rule_save(membership=engineer, version_id=version.pk, fields=fields)
    return plan
