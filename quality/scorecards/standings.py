"""A tenant's standings (its own names and thresholds) and which one a score earns.

A tenant that has not named its standings gets the defaults below the first time a run or a page asks
(the issue's example: preferred / approved / conditional / probation / disqualified); it renames them or
moves their thresholds on its scorecard rules page. A partner takes the best standing (lowest ``rank``)
whose ``min_score`` its score reaches; a partner without a score (no data) has no standing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from integrations import topics
from integrations.models import Lane
from integrations.services.outbox import outbox_emit
from portal import l10n
from portal.models import Partner, Tenant
from quality.models import ScorecardRules, Standing, StandingChange

from . import catalogue

if TYPE_CHECKING:
    from .engine import ScoreResult

# (name, min_score, warns, blocks), best first; the warning ones put a purchase warning on the partner in
# Odoo when the tenant pushes them, and only the last may block new POs (when the tenant allows blocking).
DEFAULTS: tuple[tuple[str, int, bool, bool], ...] = (
    ("Preferred", 90, False, False),
    ("Approved", 75, False, False),
    ("Conditional", 60, True, False),
    ("Probation", 40, True, False),
    ("Disqualified", 0, True, True),
)


def standings_for(tenant: Tenant) -> list[Standing]:
    """The tenant's standings, best first (``rank`` ascending); the defaults are created when it has none.

    Two runs creating the defaults at once: the unique (tenant, rank) constraint refuses the second one's
    rows, which then reads the first one's.
    """
    standings = list(Standing.objects.filter(tenant=tenant).order_by("rank"))
    if standings:
        return standings
    try:
        with transaction.atomic():
            Standing.objects.bulk_create(_defaults(tenant))
    except IntegrityError:
        pass
    return list(Standing.objects.filter(tenant=tenant).order_by("rank"))


def standings_or_defaults(tenant: Tenant) -> list[Standing]:
    """The tenant's standings, best first, or the defaults unsaved (``pk`` None) when it has none: what a page
    shows without writing (the rules form saves them as new rows; the scorecard run creates them)."""
    standings = list(Standing.objects.filter(tenant=tenant).order_by("rank"))
    if standings:
        return standings
    return _defaults(tenant)


def _defaults(tenant: Tenant) -> list[Standing]:
    """The default standings (``DEFAULTS``), unsaved."""
    return [
        Standing(tenant=tenant, name=name, rank=rank, min_score=Decimal(floor), warns=warns, blocks=blocks)
        for rank, (name, floor, warns, blocks) in enumerate(DEFAULTS, start=1)
    ]


def standing_of(standings: list[Standing], score: Decimal | None) -> Standing | None:
    """The best of ``standings`` (best first) whose ``min_score`` ``score`` (0-100) reaches; None without a
    score, or when the score is below every threshold (a tenant whose lowest standing starts above 0)."""
    if score is None:
        return None
    for standing in standings:
        if score >= standing.min_score:
            return standing
    return None


def standing_reasons(figures: dict[str, dict]) -> list[str]:
    """What pulls the score down, in words, as the scorecard page lists it: the measures losing most
    points first (``catalogue.points_lost``), at most ``catalogue.PULLING_DOWN_MAX``:
    ``"Defective parts per million 5,475 PPM (target 500 PPM)"``, ``"On-time delivery 81.5 % (target 95 %)"``
    (figures as ``catalogue.format_figure`` writes them: the emails and Odoo's purchase warning show these).
    ``figures``: ``PartnerScore.figures``."""
    out = []
    for key, _points in catalogue.points_lost(figures)[: catalogue.PULLING_DOWN_MAX]:
        d = figures[key]
        label = catalogue.MEASURES[key].label
        value, target = catalogue.format_measure(key, d["value"]), catalogue.format_measure(key, d["target"])
        out.append(
            _("%(measure)s %(value)s (target %(target)s)") % {"measure": label, "value": value, "target": target}
        )
    return out


def _reasons_of(tenant: Tenant, figures: dict[str, dict]) -> list[str]:
    # Stored with the change and pushed to Odoo's purchase warning: written once, in the tenant's language
    # (whoever's request or batch run recorded it).
    with translation.override(l10n.tenant_language(tenant)):
        return standing_reasons(figures)


def worth_telling(old: Standing | None, new: Standing | None) -> bool:
    """Whether a change is emailed and pushed to Odoo: a move between two standings, or to or from no
    standing (a partner's first score, or its data running out) only when that standing warns, so the
    warning it put on the partner in Odoo is set or cleared."""
    if old is not None and new is not None:
        return True
    return bool((new is not None and new.warns) or (old is not None and old.warns))


def standing_payload(*, partner: Partner, rules: ScorecardRules, change: StandingChange, new: Standing | None) -> dict:
    """The ``scorecard.standing_changed`` payload (contract 3): ``partner_odoo_id``, ``partner``, ``standing``,
    ``previous`` (names, "" for none), ``score`` (string or None), ``reasons``, ``warn``, ``block`` (the
    standing blocks and the tenant allows blocking), ``change_id``."""
    return {
        "partner_odoo_id": partner.odoo_id,
        "partner": partner.name,
        "standing": change.to_name,
        "previous": change.from_name,
        "score": None if change.score is None else catalogue.plain(change.score),
        "reasons": list(change.reasons),
        "warn": bool(new and new.warns),
        "block": bool(new and new.blocks and rules.allow_block),
        "change_id": change.pk,
    }


def standing_change_record(
    *,
    tenant: Tenant,
    partner: Partner,
    rules: ScorecardRules,
    old: Standing | None,
    new: Standing | None,
    result: ScoreResult,
    now: datetime,
) -> StandingChange:
    """Record that ``partner`` moved from ``old`` to ``new`` (either may be None); when ``worth_telling``,
    emit ``scorecard.standing_changed`` (lane batch; only when the tenant pushes purchase warnings and the
    partner is in Odoo) and email the buyers and the supplier admins once the transaction commits.
    The caller holds the partner's row lock (the outbox's aggregate)."""
    from .notifications import standing_notify_on_commit

    change = StandingChange.objects.create(
        tenant=tenant,
        partner=partner,
        from_name=old.name if old else "",
        to_name=new.name if new else "",
        score=result.score,
        reasons=_reasons_of(tenant, result.figures),
        changed_at=now,
    )
    if not worth_telling(old, new):
        return change
    if rules.push_purchase_warning and partner.odoo_id:
        change.outbox_event = outbox_emit(
            tenant=tenant,
            topic=topics.SCORECARD_STANDING_CHANGED,
            aggregate=partner,
            payload=standing_payload(partner=partner, rules=rules, change=change, new=new),
            lane=Lane.BATCH,
        )
        change.save(update_fields=["outbox_event"])
    standing_notify_on_commit(change.pk)
    return change
