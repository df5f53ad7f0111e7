"""Inspections from receipts done in Odoo: one per lot received (one per receipt line for an untracked
or serial-tracked product), sampled from the plan and the partner + product's switching state.

The pull hands a done receipt over as ``receipt.done`` (``integrations.handoffs``);
``receipt_done_react`` is registered for it from ``QualityConfig.ready()``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.models import Partner, Tenant
from quality.models import Inspection, InspectionSampling, Severity, SwitchingState
from quality.services.plans import plan_for, sampling_for
from quality.services.switching import skip_lot_skips, skipped_lot_release
from suppliers.models import Product, Receipt, ReceiptMove
from suppliers.quantities import quantity_from_odoo

# Until quality has tenant settings of its own: an inspection is due one day after the goods
# were received (the dock's usual promise to production), shown with the waiting list.
DUE_AFTER = timedelta(hours=24)


@transaction.atomic
def inspections_from_receipt(*, receipt: Receipt) -> list[Inspection]:
    """Create the original inspections of a done receipt's lots; answers those created (oldest move first).

    One per lot of each move (``ReceiptMove.lots``, quantities of one lot name added up), or one
    per move for an untracked product, a serial-tracked one (its serial numbers are the units of
    one lot, not lots) or a move without lots; the lot size is the quantity received. Moves with
    no product or nothing received are skipped. Idempotent: a lot that already has its original
    inspection on that move gets nothing more, so a redelivered hand-off creates nothing twice;
    the same lot on another receipt is another inspection. A receipt not done gets none.
    """
    if receipt.state != Receipt.State.DONE:
        return []
    created = []
    moves = ReceiptMove.objects.filter(receipt=receipt).select_related("product").order_by("id")
    for move in moves:
        if move.product is None:
            continue
        for lot_name, quantity in _lots_of(move):
            if quantity <= 0:
                continue
            if Inspection.objects.filter(receipt_move=move, lot_name=lot_name, sequence=1).exists():
                continue
            created.append(_inspection_create(receipt=receipt, move=move, lot_name=lot_name, quantity=quantity))
    return created


def _lots_of(move: ReceiptMove) -> list[tuple[str, Decimal]]:
    if move.product.tracking != move.product.Tracking.LOT or not move.lots:
        return [("", move.quantity_done)]
    totals: dict[str, Decimal] = {}
    for entry in move.lots:
        name = str(entry.get("lot") or "")
        totals[name] = totals.get(name, Decimal(0)) + quantity_from_odoo(entry.get("quantity"))
    return list(totals.items())


def _inspection_create(*, receipt: Receipt, move: ReceiptMove, lot_name: str, quantity: Decimal) -> Inspection:
    """A new inspection of one received lot, with its samplings; freezes the plan version it uses."""
    tenant, partner, product = receipt.tenant, receipt.partner, move.product
    state = switching_state_locked(tenant=tenant, partner=partner, product=product)
    version = plan_for(tenant=tenant, partner=partner, product=product)
    inspection = Inspection(
        tenant=tenant,
        partner=partner,
        product=product,
        receipt=receipt,
        receipt_move=move,
        lot_name=lot_name,
        lot_size=quantity,
        sequence=1,
        plan_version=version,
        severity=state.severity,
        due_at=(receipt.date_done or timezone.now()) + DUE_AFTER,
    )
    # Skip-lot (quality.services.switching): a lot not drawn is released at once; a lot without a plan is held.
    if version is not None and skip_lot_skips(state):
        return skipped_lot_release(inspection=inspection, state=state)
    samplings = _sampling_decided(inspection, severity=state.severity, version=version, quantity=quantity)
    inspection.save()
    samplings_save(inspection, samplings)
    version_freeze(version)
    Inspection.lifecycle.start(
        inspection,
        actor=None,
        action="inspection.created",
        changes={
            "lot_name": [None, lot_name],
            "lot_size": [None, str(quantity)],
            "severity": [None, inspection.severity],
        },
    )
    return inspection


def _sampling_decided(inspection: Inspection, *, severity: str, version, quantity: Decimal) -> list:
    """The sampling plans the unsaved inspection takes (sets its status, first article and severity to match)."""
    if severity == Severity.DISCONTINUED:
        # ISO 2859-1 9.4: nothing is sampled until the engineer reinstates inspection; the lot is held.
        inspection.status = Inspection.Status.DISCONTINUED
        return []
    if version is None or not version.sampling_rules.exists():
        inspection.status = Inspection.Status.NO_PLAN
        return []
    inspection.first_article = _first_article(version=version, partner=inspection.partner, product=inspection.product)
    # The tables count items: a quantity with a fraction (kg, m) counts as the next whole item.
    lot_items = max(1, math.ceil(quantity))
    inspection.severity, samplings = sampling_for(
        version=version, lot_items=lot_items, severity=severity, first_article=inspection.first_article
    )
    inspection.status = Inspection.Status.WAITING
    return samplings


def version_freeze(version) -> None:
    """Freeze a plan version once an inspection uses it: it is what that inspection was measured
    against and never changes after (a change is a new version). Nothing for None or a frozen one."""
    if version is not None and version.frozen_at is None:
        type(version).objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())


def samplings_save(inspection: Inspection, samplings: list) -> None:
    """Stores one ``InspectionSampling`` row per sampling plan found for the inspection."""
    InspectionSampling.objects.bulk_create(
        InspectionSampling(
            tenant=inspection.tenant,
            inspection=inspection,
            defect_class=found.rule.defect_class,
            mode=found.rule.mode,
            level=found.rule.level if found.plan.severity else "",
            aql=found.plan.aql,
            code_letter=found.plan.code_letter or "",
            sample_size=found.plan.sample_size,
            accept=found.plan.accept,
            reject=found.plan.reject,
            hundred_percent=found.plan.hundred_percent,
            source=found.plan.source,
        )
        for found in samplings
    )


def switching_state_locked(*, tenant: Tenant, partner: Partner, product: Product) -> SwitchingState:
    """The partner + product's switching state, locked for the transaction (normal inspection at first)."""
    state, _ = SwitchingState.objects.select_for_update(of=("self",)).get_or_create(
        tenant=tenant, partner=partner, product=product
    )
    return state


def _first_article(*, version, partner: Partner, product: Product) -> bool:
    """Whether the lot is one of the first N of the partner + product (original inspections, any plan)."""
    if not version.first_article_lots:
        return False
    before = Inspection.objects.filter(
        tenant_id=version.tenant_id, partner=partner, product=product, sequence=1, revision=1
    ).count()
    return before < version.first_article_lots


# --- reaction to what the pull found in Odoo (integrations.handoffs) -------------------------------


def receipt_done_react(*, handoff) -> None:
    """``receipt.done``: the receipt's lots wait for inspection (idempotent, see inspections_from_receipt).

    Receipts of the backlog (done before the portal first pulled the tenant) are history, not goods at
    the dock: their stock left quality control long ago, so no inspection is opened for them.

    Raises ``LookupError`` when the receipt is gone (the reaction is retried, then failed)."""
    if handoff.data.get("backlog"):
        return
    receipt = Receipt.objects.filter(tenant_id=handoff.tenant_id, pk=handoff.aggregate_id).first()
    if receipt is None:
        # Not done quietly: retried, then failed and shown on the sync monitor, where someone looks.
        raise LookupError(
            f"receipt #{handoff.aggregate_id} of tenant #{handoff.tenant_id} is gone: no inspection opened for it"
        )
    inspections_from_receipt(receipt=receipt)


def register_reactions() -> None:
    """Sign quality up for the pull's hand-offs (from ``QualityConfig.ready``)."""
    from integrations import handoffs

    handoffs.register_reaction(handoffs.RECEIPT_DONE, "quality.inspections", receipt_done_react)
