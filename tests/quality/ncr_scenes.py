"""NCRs for the page and PDF tests, opened through the services (``quality.services.ncrs``)."""

from __future__ import annotations

from decimal import Decimal

from portal.models import Role
from quality.models import DefectClass, DefectCode, QualityRules
from quality.services.ncr_dispositions import ncr_disposition_propose
from quality.services.ncrs import containment_add, containment_done, ncr_contain, ncr_open
from tests.factories import ProductFactory, member


def defect_code(tenant, code="BURR", description="Burr on the cut edge") -> DefectCode:
    return DefectCode.objects.get_or_create(
        tenant=tenant, code=code, defaults={"description": description, "defect_class": DefectClass.MAJOR}
    )[0]


def open_ncr(engineer, partner, *, lot="LOT-NCR-4411", title="Burrs on the brackets", affected="40", product=None):
    """An open NCR of ``partner`` by ``engineer`` with one lot and the BURR code."""
    product = product or ProductFactory(tenant=engineer.tenant, name="Alu bracket 7")
    return ncr_open(
        membership=engineer,
        partner=partner,
        product=product,
        source="production",
        title=title,
        description="Found at assembly station 3.",
        defect_codes=[defect_code(engineer.tenant)],
        lots=[{"lot_name": lot, "affected": Decimal(affected), "suspect": Decimal("10"), "inspection": None}],
    )


def contained(engineer, ncr):
    item = containment_add(membership=engineer, ncr=ncr, action="Quarantine the lot in WH/Stock", owner="Dock team")
    containment_done(membership=engineer, containment=item)
    return ncr_contain(membership=engineer, ncr=ncr)


def review_always(tenant) -> None:
    """Every disposition needs a material review (severity minor and up)."""
    QualityRules.objects.update_or_create(tenant=tenant, defaults={"approval_severity": DefectClass.MINOR})


def awaiting(engineer, ncr, *, quantity="40"):
    """A scrap of the whole lot, awaiting a second signature."""
    review_always(engineer.tenant)
    lot = ncr.lots.get()
    return ncr_disposition_propose(membership=engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(quantity))


def second_engineer(tenant):
    return member(tenant, Role.QUALITY_ENGINEER)
