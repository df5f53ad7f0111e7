"""What differs between the Odoo series the portal supports: field names, methods, return shapes.

One ``Dialect`` per series, chosen from the server's version at connection
time (``OdooGateway.dialect``). Handlers, the pull, the reconcilers and the
connection check name fields through it instead of spelling 18's or 19's
names. Source: ``shared/odoo-reference/odoo19/DIFF.md`` (18 -> 19, model by
model) and the recorded flows of each series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields_used import FIELD_TYPES, METHODS_USED

SUPPORTED = (18, 19)


@dataclass(frozen=True)
class Dialect:
    series: int
    # purchase.order.line: the line's unit (18 ``product_uom``, 19 ``product_uom_id``).
    po_line_uom: str
    # purchase.order: Odoo's own "the vendor acknowledged" flag (18 ``mail_reminder_confirmed``,
    # set by ``confirm_reminder_mail(confirmed_date)``; 19 ``acknowledged``, set by ``action_acknowledge()``).
    po_acknowledged: str
    acknowledge_method: str
    acknowledge_takes_date: bool
    # res.partner: the purchase warning's level (18 ``purchase_warn``: no-message / warning / block); 19 has
    # none (odoo19/DIFF.md, res.partner "in 18, not in 19"): a non-empty ``purchase_warn_msg`` warns, and
    # nothing blocks.
    partner_warn_level: str
    field_types: dict[str, dict[str, str]] = field(repr=False)
    methods: dict[str, list[str]] = field(repr=False)

    def fields(self, model: str) -> list[str]:
        """Every field of ``model`` the portal uses on this series."""
        return list(self.field_types.get(model, {}))


DIALECTS = {
    18: Dialect(
        series=18,
        po_line_uom="product_uom",
        po_acknowledged="mail_reminder_confirmed",
        acknowledge_method="confirm_reminder_mail",
        acknowledge_takes_date=True,
        partner_warn_level="purchase_warn",
        field_types=FIELD_TYPES[18],
        methods=METHODS_USED[18],
    ),
    19: Dialect(
        series=19,
        po_line_uom="product_uom_id",
        po_acknowledged="acknowledged",
        acknowledge_method="action_acknowledge",
        acknowledge_takes_date=False,
        partner_warn_level="",
        field_types=FIELD_TYPES[19],
        methods=METHODS_USED[19],
    ),
}


def series_of(version: str) -> int:
    """``"18.0+e-20241005"`` -> 18, ``"saas~18.3"`` -> 18, ``"19.0"`` -> 19; ValueError otherwise."""
    match = re.search(r"(\d+)\.\d+", version if isinstance(version, str) else "")
    if not match:
        raise ValueError(f"not an Odoo version: {version!r}")
    return int(match.group(1))


def series_of_info(info: object) -> int:
    """The series from ``server_version_info`` (``[18, 0, 0, "final", 0, ""]``, ``["saas~18", 4, ...]``)."""
    first = info[0] if isinstance(info, list | tuple) and info else None
    if isinstance(first, int) and not isinstance(first, bool):
        return first
    match = re.search(r"(\d+)", first) if isinstance(first, str) else None
    if not match:
        raise ValueError(f"not an Odoo version: {info!r}")
    return int(match.group(1))


def dialect_for(version: str) -> Dialect:
    """The dialect of a server version: its own series, else the nearest supported one (the
    connection check then proves, field by field, whether the portal can work with it)."""
    series = series_of(version)
    if series in DIALECTS:
        return DIALECTS[series]
    return DIALECTS[min(SUPPORTED)] if series < min(SUPPORTED) else DIALECTS[max(SUPPORTED)]
