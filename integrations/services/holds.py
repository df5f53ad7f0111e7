"""The hold check: held stock (``integrations.holds``) found in Odoo's usable locations is drift.

Goods the apps hold (a lot quality has not released, or has rejected) must not be usable stock in
Odoo: in a warehouse's stock location (``lot_stock_id``, WH/Stock) or below it. A warehouse user
who validates the quality-control and storage transfers by hand puts them there; the check finds
them and files a ``HoldDrift`` (one open per held record), which emits ``stock.hold_breached``:
a To-Do activity for the warehouse on the receipt (``integrations.handlers.holds``). The check
itself is that topic's reconciliation: a drift whose stock left the usable locations, or whose
record is no longer held, is resolved by the next run.

Reads, per batch of ``BATCH`` lot names, one ``stock.quant`` ``search_read`` as reference flow 4
call 39 does (``lot_id.name in [...]``, ``quantity != 0``), plus one ``stock.warehouse`` read per
run (flow 1 call 4). A location is usable when it is a warehouse's ``lot_stock_id`` or its display
name (the complete name Odoo answers for a many2one, ``WH/Stock/Shelf 1``) lies below that one's:
no ``child_of`` domain, which no recording shows. Untracked products are not checked: their stock
cannot be told apart from other receipts'.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import topics
from integrations.holds import HeldLot, held_lots
from integrations.models import HoldDrift
from integrations.odoo import OdooGateway
from integrations.odoo.client import gateway_for
from integrations.services.outbox import outbox_emit
from portal.context import bound
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record
from portal.services.errors import NotInScope

log = logging.getLogger("integrations.holds")
BATCH = 200
ACCEPTED = "Accepted by "
QUANT_FIELDS = ["product_id", "location_id", "lot_id", "quantity"]


@dataclass(frozen=True)
class HoldCheck:
    """One run's figures: lots ``checked`` in Odoo, ``unchecked`` (untracked), drifts ``filed`` and
    ``resolved`` by this run, and ``open`` after it."""

    checked: int
    unchecked: int
    filed: int
    resolved: int
    open: int


def holds_check(*, tenant: Tenant, gateway: OdooGateway | None = None) -> HoldCheck:
    """Look for ``tenant``'s held lots in Odoo's usable locations; file and resolve ``HoldDrift`` rows.

    Raises what the gateway raises (``OdooTransientError``, ``OdooPermanentError``) before changing
    anything: drifts are resolved only after every batch was read.
    """
    gw = gateway or gateway_for(tenant.odoo_config())
    held = held_lots(tenant)
    groups: dict[tuple[int, str], list[HeldLot]] = defaultdict(list)
    for lot in held:
        if lot.lot_name:
            groups[(lot.product_odoo_id, lot.lot_name)].append(lot)
    with bound(source="sync"):
        usable = _usable_quantities(gw, list(groups)) if groups else {}
    drifting: dict[tuple[str, str], tuple[HeldLot, Decimal, dict[str, float]]] = {}
    for key, lots in groups.items():
        found = usable.get(key, {})
        excess = sum((Decimal(str(qty)) for qty in found.values()), Decimal(0)) - lots[0].usable_allowed
        if excess > 0:
            first = lots[0]
            drifting[(first.source, first.record_id)] = (first, excess, found)
    filed = sum(_file(tenant, lot, excess, found) for lot, excess, found in drifting.values())
    still_held = {(lot.source, lot.record_id) for lot in held}
    resolved = _resolve(tenant, drifting, still_held)
    open_count = HoldDrift.objects.filter(tenant=tenant, resolved_at__isnull=True).count()
    log.info("holds tenant=%s checked=%d filed=%d resolved=%d", tenant.slug, len(groups), filed, resolved)
    return HoldCheck(len(groups), len(held) - sum(map(len, groups.values())), filed, resolved, open_count)


def _usable_locations(gw: OdooGateway) -> tuple[set[int], list[str]]:
    """Every warehouse's stock location: their ids, and their names as prefixes of the locations below."""
    warehouses = gw.search_read("stock.warehouse", [], ["lot_stock_id"])
    roots = [w["lot_stock_id"] for w in warehouses if w.get("lot_stock_id")]
    return {root[0] for root in roots}, [f"{root[1]}/" for root in roots]


def _usable_quantities(gw: OdooGateway, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, float]]:
    """Quantities of each (product, lot name) in usable locations, by location name."""
    ids, prefixes = _usable_locations(gw)
    wanted = set(keys)
    found: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        domain = [
            ["product_id", "in", sorted({product for product, _lot in batch})],
            ["lot_id.name", "in", sorted({lot for _product, lot in batch})],
            ["quantity", "!=", 0],
        ]
        for quant in gw.search_read("stock.quant", domain, QUANT_FIELDS):
            location, lot = quant.get("location_id"), quant.get("lot_id")
            if not location or not lot:
                continue
            key = (quant["product_id"][0], lot[1])
            if key in wanted and (location[0] in ids or location[1].startswith(tuple(prefixes))):
                found[key][location[1]] = found[key].get(location[1], 0.0) + quant["quantity"]
    return found


def _message(lot: HeldLot, excess: Decimal, found: dict[str, float]) -> str:
    where = ", ".join(f"{qty:g} in {name}" for name, qty in sorted(found.items()))
    why = "not released by quality" if lot.what == "undecided" else "rejected by quality"
    return (
        f"Lot {lot.lot_name}: {excess.normalize():f} usable in Odoo ({where}) but {why} "
        f"({lot.label}); move it back and do not use it."
    )


def _file(tenant: Tenant, lot: HeldLot, excess: Decimal, found: dict[str, float]) -> int:
    """File (1) or refresh (0) the open drift of ``lot``'s record. A person's accept covers the quantity
    found usable when they accepted it: the same or less is not filed again, more is."""
    message = _message(lot, excess, found)
    mine = HoldDrift.objects.filter(tenant=tenant, source=lot.source, record_id=lot.record_id)
    if mine.filter(resolved_at__isnull=True).update(message=message, found=found):
        return 0
    accepted = mine.filter(resolution__startswith=ACCEPTED).order_by("-resolved_at").first()
    if accepted is not None and sum(found.values()) <= sum(accepted.found.values()) + 1e-9:
        return 0  # what a person accepted, or less; more than that is drift again
    try:
        with transaction.atomic():
            drift = HoldDrift.objects.create(
                tenant=tenant,
                source=lot.source,
                record_id=lot.record_id,
                lot_name=lot.lot_name,
                product_odoo_id=lot.product_odoo_id,
                message=message,
                found=found,
            )
            outbox_emit(tenant=tenant, topic=topics.STOCK_HOLD_BREACHED, aggregate=drift, payload=_payload(drift, lot))
    except IntegrityError:  # another run filed it first
        return 0
    return 1


def _payload(drift: HoldDrift, lot: HeldLot) -> dict:
    """``stock.hold_breached``: ``{"hold_drift_id", "receipt_odoo_id", "receipt_name", "product_odoo_id",
    "lot_name", "what", "label", "found": {location name: quantity}, "quantity"}`` (floats, product's unit)."""
    return {
        "hold_drift_id": drift.pk,
        "receipt_odoo_id": lot.receipt_odoo_id,
        "receipt_name": lot.receipt_name,
        "product_odoo_id": lot.product_odoo_id,
        "lot_name": lot.lot_name,
        "what": lot.what,
        "label": lot.label,
        "found": drift.found,
        "quantity": sum(drift.found.values()) - float(lot.usable_allowed),
    }


def _resolve(tenant: Tenant, drifting: dict, still_held: set[tuple[str, str]]) -> int:
    resolved = 0
    now = timezone.now()
    for drift in HoldDrift.objects.filter(tenant=tenant, resolved_at__isnull=True):
        key = (drift.source, drift.record_id)
        if key in drifting:
            continue
        why = "Back out of usable stock in Odoo." if key in still_held else "No longer held: released."
        resolved += HoldDrift.objects.filter(pk=drift.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolution=why
        )
    return resolved


@transaction.atomic
def hold_drift_accept(*, membership: Membership, drift_id: int, reason: str) -> HoldDrift:
    """A tenant admin accepts held stock found usable (e.g. quality agreed by other means); audited.

    The drift is resolved, and the check files none again for its record while no more than the
    quantity found then is usable. Raises ``NotInScope`` for
    anyone else or another tenant's drift, ``ValidationError`` (``reason``) without a reason, or
    unkeyed for a drift already resolved.
    """
    if membership.role != Role.TENANT_ADMIN:
        raise NotInScope()
    drift = HoldDrift.objects.select_for_update().filter(pk=drift_id, tenant_id=membership.tenant_id).first()
    if drift is None:
        raise NotInScope()
    reason = (reason or "").strip()
    name = membership.user.get_full_name() or membership.user.get_username()
    room = HoldDrift._meta.get_field("resolution").max_length - len(f"{ACCEPTED}{name}: ")
    if not reason or "\x00" in reason:
        raise ValidationError({"reason": _("Say why this stock may stay usable; the audit trail keeps it.")})
    if len(reason) > room:
        raise ValidationError(
            {
                "reason": _("Say it in at most %(room)d characters (%(given)d given).")
                % {"room": room, "given": len(reason)}
            }
        )
    if drift.resolved_at is not None:
        raise ValidationError(_("This drift is resolved already."))
    drift.resolved_at, drift.resolution = timezone.now(), f"{ACCEPTED}{name}: {reason}"
    drift.save(update_fields=["resolved_at", "resolution"])
    audit_record(
        tenant=drift.tenant,
        actor=membership.user,
        action="hold_drift.accepted",
        obj=drift,
        changes={"resolution": ["", drift.resolution]},
    )
    return drift
