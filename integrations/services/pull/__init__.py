"""Incremental pulls from Odoo into the portal's mirror: one puller per Odoo model.

- ``cursor``: the cursor and paging every puller shares (why it is not a plain ``write_date >``);
- ``partners``: suppliers (``res.partner``);
- ``products``: products and the suppliers' own codes (``product.supplierinfo``);
- ``orders``: purchase orders and lines; records the ``po.published`` / ``po.changed`` hand-offs;
- ``order_lines``: order lines by their own cursor (a line written alone leaves its order's
  ``write_date`` as it was), sending their orders through ``orders`` again;
- ``receipts``: incoming receipts, moves and lots; records the ``receipt.done`` hand-off.

The fields each one reads are ``integrations.odoo.fields_used.PULL_READS``, so the connection
check and the contract suite prove them on every Odoo series.
"""

from __future__ import annotations

import logging
from typing import Any

from integrations.models import PullCursor
from integrations.odoo import OdooGateway
from integrations.odoo.client import gateway_for
from portal.context import bound
from portal.models import Tenant
from suppliers.models import PurchaseOrder

from .cursor import PullResult, PullSpec, fingerprint, pull_model
from .order_lines import ORDER_LINES, order_lines_seed
from .orders import ORDERS
from .partners import PARTNERS
from .products import PRODUCTS
from .receipts import RECEIPTS

log = logging.getLogger("integrations.pull")

# In dependency order: orders point to partners and products, lines to their orders, receipts to orders.
SPECS = [PARTNERS, PRODUCTS, ORDERS, ORDER_LINES, RECEIPTS]


def tenant_pull(*, tenant: Tenant, gateway: OdooGateway | None = None, **options: Any) -> list[PullResult]:
    """Pull every mirrored model of one tenant, in dependency order; answers one ``PullResult`` per model.

    ``options`` go to ``pull_model`` (``page_size``, ``overlap_seconds``, ``full``). A model that fails
    keeps its error on its cursor (the sync monitor shows it) and the error is raised again.
    """
    gateway = gateway or gateway_for(tenant.odoo_config())
    results = []
    # The lines' cursor may start where the orders pull left it only when that pull read every order's lines:
    # a tenant with no order mirrored yet. A first pull retried after a failure skips the orders it holds
    # unchanged, so their lines' own changes must come through the lines' cursor.
    lines_seedable = not options.get("full") and not PurchaseOrder.objects.filter(tenant=tenant).exists()
    with bound(source="sync"):
        for spec in SPECS:
            seeded = order_lines_seed(tenant, results[-1]) if spec is ORDER_LINES and lines_seedable else None
            if seeded is not None:
                results.append(seeded)
                continue
            try:
                results.append(pull_model(tenant=tenant, gateway=gateway, spec=spec, **options))
            except Exception as exc:
                PullCursor.objects.update_or_create(
                    tenant=tenant, model=spec.model, defaults={"last_error": str(exc)[:2000]}
                )
                raise
    for r in results:
        log.info(
            "pull tenant=%s model=%s calls=%d seen=%d written=%d cursor=%s",
            tenant.slug,
            r.model,
            r.calls,
            r.rows_seen,
            r.rows_written,
            r.cursor,
        )
    return results


__all__ = ["SPECS", "PullResult", "PullSpec", "fingerprint", "pull_model", "tenant_pull"]
