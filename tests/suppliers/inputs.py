"""Typed input for the ASN services, written in tests as a partner's system sends it.

The services take decimals, days and aware moments (``suppliers.services.asn_inputs``); the pages'
forms and the API's serializers read text into those. Tests that call a service directly describe
the input as JSON-like dicts and turn it into typed input here, by the rules the API reads it with:
a moment without an offset is wall-clock time in the tenant's zone, a day alone is noon there.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from portal import dates
from suppliers.services.asn_inputs import AsnHeader, AsnItemInput, AsnLineInput, PackageInput


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def asn_header(who: Any, fields: dict[str, Any]) -> AsnHeader:
    """``{"ship_date": "2026-12-01", "eta": "2026-12-03 08:00", ...}`` for ``who``'s tenant (a
    membership or a tenant); empty text clears a date."""
    tenant = getattr(who, "tenant", who)
    header: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "ship_date":
            header[name] = dates.parse_day(value)
        elif name == "eta":
            header[name] = dates.parse_instant(value, wall_zone=dates.tenant_zone(tenant))
        else:
            header[name] = value
    return header  # type: ignore[return-value]


def asn_items(specs: Iterable[dict[str, Any]]) -> list[AsnItemInput]:
    return [
        AsnItemInput(
            quantity=_number(spec.get("quantity", "")),
            lot_name=spec.get("lot_name", ""),
            expiry_date=dates.parse_day(spec.get("expiry_date")),
            package=str(spec.get("package", "") or ""),
        )
        for spec in specs
    ]


def asn_lines(specs: Iterable[dict[str, Any]]) -> list[AsnLineInput]:
    """``[{"order_line": id, "quantity": "10", "uom": "kg", "items": [{"lot_name", "quantity", ...}]}]``."""
    return [
        AsnLineInput(
            order_line=spec["order_line"],
            quantity=_number(spec.get("quantity", 0)),
            uom=spec.get("uom", ""),
            items=asn_items(spec.get("items") or []),
        )
        for spec in specs
    ]


def asn_packages(specs: Iterable[dict[str, Any]]) -> list[PackageInput]:
    """``[{"kind": "pallet", "weight_kg": "310", "sscc": ""}]``."""
    return [
        PackageInput(
            kind=spec.get("kind", "carton"),
            weight_kg=_number(spec["weight_kg"]) if spec.get("weight_kg") not in (None, "") else None,
            sscc=spec.get("sscc", ""),
        )
        for spec in specs
    ]
