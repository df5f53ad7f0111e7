"""factory_boy factories for the quality half: inspection plans, their versions, characteristics and sampling rules.

``InspectionPlanVersionFactory(rules=[{...}, ...])`` adds a sampling rule per dict
(``SamplingRuleFactory``'s fields); by default a version samples majors at level II, AQL 1.0.
Inspections themselves come from receipts through ``quality.services.inspections``.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from quality.models import Characteristic, DefectClass, InspectionPlan, InspectionPlanVersion, SamplingRule

from .suppliers import ProductFactory


class InspectionPlanFactory(factory.django.DjangoModelFactory):
    """An active plan for a product of any partner (give ``partner`` for a partner + product plan)."""

    class Meta:
        model = InspectionPlan

    product = factory.SubFactory(ProductFactory)
    tenant = factory.LazyAttribute(lambda plan: plan.product.tenant)
    partner = None
    is_active = True


class InspectionPlanVersionFactory(factory.django.DjangoModelFactory):
    """The next version of a plan, with one sampling rule per dict of ``rules`` (majors at II / 1.0 if none)."""

    class Meta:
        model = InspectionPlanVersion
        skip_postgeneration_save = True

    plan = factory.SubFactory(InspectionPlanFactory)
    tenant = factory.LazyAttribute(lambda version: version.plan.tenant)
    number = factory.LazyAttribute(lambda version: version.plan.versions.count() + 1)

    @factory.post_generation
    def rules(version, create, extracted, **kwargs):
        if not create:
            return
        for fields in extracted if extracted is not None else [{}]:
            SamplingRuleFactory(version=version, **fields)


class SamplingRuleFactory(factory.django.DjangoModelFactory):
    """Major defects at inspection level II, AQL 1.0 (ISO 2859-1 tables)."""

    class Meta:
        model = SamplingRule

    version = factory.SubFactory(InspectionPlanVersionFactory, rules=[])
    tenant = factory.LazyAttribute(lambda rule: rule.version.tenant)
    defect_class = DefectClass.MAJOR
    mode = SamplingRule.Mode.AQL
    level = "II"
    aql = Decimal("1.0")


class CharacteristicFactory(factory.django.DjangoModelFactory):
    """A measured length of 10.00 mm, -0.10/+0.20, a major defect when outside."""

    class Meta:
        model = Characteristic

    version = factory.SubFactory(InspectionPlanVersionFactory)
    tenant = factory.LazyAttribute(lambda c: c.version.tenant)
    kind = Characteristic.Kind.MEASURED
    name = factory.Sequence(lambda n: f"Length {n}")
    defect_class = DefectClass.MAJOR
    nominal = Decimal("10.00")
    lower_tolerance = Decimal("-0.10")
    upper_tolerance = Decimal("0.20")
    unit = "mm"
    decimals = 2
    gauge = "Caliper"
