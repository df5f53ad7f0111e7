"""The demo's warehouse: it receives the rest of Nordic Fasteners' PO NF-SO-5531 in the simulated Odoo.

The simulated Odoo's demo data (``integrations.odoo_sim.seed``) has the PO partly received: its backorder
receipt still expects 100 x ALU-BRKT-7, a lot-tracked bracket. Once the portal has pulled the demo tenant
a first time, ``demo_delivery_receive`` plays the dock's part in Odoo, with the calls of reference flow 3
only: the lot name and quantity written on the receipt's move line, ``button_validate``, and the backorder
wizard if Odoo asks. The next pull then finds the receipt done (not backlog: the tenant was pulled before)
and quality opens the lot's inspection, sampled from the plan the demo steps created.
``integrations.tasks.demo_warehouse_task`` runs it, queued by ``manage.py seed_demo --check-odoo``.

It is also where the demo's seeding first acts in the simulated Odoo, so it first gives the demo tenant's
integration user the contact rights (``demo_contact_rights_grant``): the SCAR notes and scorecard warnings of
the walk-through land on partners, which Odoo allows only with them. ``seed_demo`` itself cannot: ``make run``
seeds before ``run_portal`` starts the simulator.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from integrations.models import PullCursor
from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.odoo.client import gateway_for
from portal.demo import DEMO_STEPS
from portal.models import Tenant

log = logging.getLogger(__name__)

DEMO_PO_REF = "NF-SO-5531"  # the vendor's reference of the partly received PO
DEMO_PRODUCT = "ALU-BRKT-7"
# What the inspector types or scans at the dock (the first delivery brought NF-LOT-2611-A).
DEMO_LOT = "NF-LOT-2612-B"
# The simulated Odoo's contact rights (integrations.odoo_sim.orm.CONTACT_CREATION: 18's "Extra Rights/Contact
# Creation", 19's "Contact/Creation"): a real tenant's integration user needs them for notes, activities and
# purchase warnings on partners; the simulator's seeded users hold none, as recorded.
CONTACT_CREATION = "base.group_partner_manager"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class NotPulledYet(Exception):
    """The tenant's receipts were never pulled: a receipt validated now would be pulled as backlog."""


def demo_delivery_receive(*, tenant: Tenant, gateway: OdooGateway | None = None) -> int | None:
    """Receive the demo PO's open backorder in Odoo, all of it, as lot ``DEMO_LOT``; answers the receipt's
    Odoo id, or None when there is nothing left to receive (it was received before: seeding again is safe).

    First gives the integration user the contact rights in the simulated Odoo (``demo_contact_rights_grant``),
    then runs the demo steps (``portal.demo.DEMO_STEPS``): the products are there now, so quality's plan
    for the bracket exists before the receipt reaches the portal. Raises ``NotPulledYet`` before the
    tenant's first pull, ``OdooPermanentError`` when Odoo answers something flow 3 does not show, and the
    gateway's ``OdooTransientError``.
    """
    if not PullCursor.objects.filter(tenant=tenant, model="stock.picking").exclude(write_date="").exists():
        raise NotPulledYet(f"tenant {tenant.slug} has not been pulled yet")
    demo_contact_rights_grant(tenant=tenant)
    for step in DEMO_STEPS:
        step(tenant)
    gw = gateway or gateway_for(tenant.odoo_config())
    receipt = _open_backorder(gw)
    if receipt is None:
        return None
    lines = gw.search_read("stock.move.line", [["picking_id", "=", receipt["id"]]], ["product_id", "quantity"])
    products = {p["id"]: p for p in gw.read("product.product", [ln["product_id"][0] for ln in lines], ["default_code"])}
    for line in lines:
        values = {"quantity": line["quantity"]}
        if products[line["product_id"][0]]["default_code"] == DEMO_PRODUCT:
            values.update(_lot_of(gw, line["product_id"][0]))
        gw.write("stock.move.line", [line["id"]], values)
    _validate(gw, receipt["id"])
    log.info("demo warehouse: received %s (%s) in Odoo as lot %s", receipt["name"], DEMO_PO_REF, DEMO_LOT)
    return receipt["id"]


def demo_contact_rights_grant(*, tenant: Tenant) -> bool:
    """Give the tenant's integration user (``odoo_login``) the contact rights in the simulated Odoo, through
    its ``/sim/control`` "grant" (kept until the simulator is reset); answers whether it did. Only on a
    loopback URL, where ``run_portal`` starts the simulator: against any other server nothing is sent (a
    real Odoo's administrator gives the group, README). Never raises: a refusal or a simulator not up is
    logged, and the walk-through's partner notes then fail saying which group is missing."""
    if urlsplit(tenant.odoo_url).hostname not in LOOPBACK:
        return False
    command = {"action": "grant", "login": tenant.odoo_login, "group": CONTACT_CREATION}
    try:
        httpx.post(f"{tenant.odoo_url.rstrip('/')}/sim/control", json=command, timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("demo: the simulated Odoo did not grant the contact rights to %s: %s", tenant.odoo_login, exc)
        return False
    return True


def _open_backorder(gw: OdooGateway) -> dict | None:
    """The demo PO's receipt still waiting for goods (flow 3: the backorder of the first receipt), if any."""
    orders = gw.search_read("purchase.order", [["partner_ref", "=", DEMO_PO_REF]], ["picking_ids"], limit=1)
    if not orders or not orders[0]["picking_ids"]:
        return None
    pickings = gw.read("stock.picking", orders[0]["picking_ids"], ["name", "state", "backorder_id"])
    waiting = [p for p in pickings if p["backorder_id"] and p["state"] not in ("done", "cancel")]
    return waiting[0] if waiting else None


def _lot_of(gw: OdooGateway, product_id: int) -> dict:
    """The lot on the move line: by name while Odoo does not know it, by id once it does (flow 3: a
    ``lot_name`` Odoo already has for the product is refused)."""
    known = gw.search("stock.lot", [["name", "=", DEMO_LOT], ["product_id", "=", product_id]], limit=1)
    return {"lot_id": known[0]} if known else {"lot_name": DEMO_LOT}


def _validate(gw: OdooGateway, picking_id: int) -> None:
    """``button_validate``; a backorder wizard (less received than expected) is answered with ``process``."""
    action = gw.call("stock.picking", "button_validate", [picking_id])
    if action is True:
        return
    if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
        wizard = gw.create("stock.backorder.confirmation", {}, context=action["context"])
        gw.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
        return
    raise OdooPermanentError(
        f"validating the demo receipt answered {action!r}, which flow 3 does not show",
        name="portal.UnexpectedResult",
        model="stock.picking",
    )
