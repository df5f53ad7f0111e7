"""GS1 numbers: the mod-10 check digit and SSCC-18 serial shipping container codes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from portal.models import Tenant


def check_digit(digits: str) -> int:
    """GS1 mod 10: weights 3 and 1 alternate from the rightmost digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def sscc_valid(code: str) -> bool:
    return len(code) == 18 and code.isdigit() and check_digit(code[:17]) == int(code[17])


def sscc_build(company_prefix: str, serial: int, extension: int = 0) -> str:
    """Extension digit, company prefix, serial reference (padded to 17 digits together), check digit."""
    width = 16 - len(company_prefix)
    if serial >= 10**width:
        raise ValueError(gettext("Company prefix %(prefix)s has no SSCC serials left.") % {"prefix": company_prefix})
    body = f"{extension}{company_prefix}{serial:0{width}d}"
    return body + str(check_digit(body))


def next_number(tenant: Tenant, name: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of a per-tenant counter; answers the first."""
    from suppliers.models import TenantCounter

    with transaction.atomic():
        TenantCounter.objects.get_or_create(tenant=tenant, name=name)
        counter = TenantCounter.objects.select_for_update().get(tenant=tenant, name=name)
        first = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return first


def sscc_allocate(tenant: Tenant, count: int) -> list[str]:
    """``count`` new SSCCs under the tenant's GS1 company prefix (its collaboration rules); raises
    ``ValueError`` while it has none."""
    from suppliers.models import rules_for

    prefix = rules_for(tenant).gs1_company_prefix
    if not prefix:
        raise ValueError(
            gettext("%(tenant)s has not set its GS1 company prefix, so packages cannot be numbered yet.")
            % {"tenant": tenant.name}
        )
    first = next_number(tenant, "sscc", count)
    return [sscc_build(prefix, first + i) for i in range(count)]
