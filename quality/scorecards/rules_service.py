"""Saving a tenant's scorecard rules and standings (tenant admins only; audited; one transaction).

What the rules mean is ``quality.models.scorecards`` (the on-time window, quantity tolerances, the
acknowledgement target, the standing window, the Odoo switches) and ``quality.scorecards.catalogue``
(each measure's weight and target). Saving never recomputes while the admin waits: once the transaction
commits, ``quality.tasks.scorecards_rescore_task`` re-scores the stored periods with the new rules
(``engine.scorecards_rescore``: no source is read again), after computing the periods again when a rule
the sources read changed (the on-time window, the quantity tolerances, the acknowledgement hours).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import l10n
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import ScorecardRules, Standing

from . import catalogue

RULE_FIELDS = (
    "on_time_days_early",
    "on_time_days_late",
    "quantity_over_pct",
    "quantity_under_pct",
    "ack_target_hours",
    "standing_months",
    "push_purchase_warning",
    "allow_block",
)
# Whole-number rules and their bounds (the window of 12 months and its trend need the 24 kept months).
INT_LIMITS = {
    "on_time_days_early": (0, 90),
    "on_time_days_late": (0, 90),
    "ack_target_hours": (1, 720),
    "standing_months": (1, 12),
}
PCT_FIELDS = ("quantity_over_pct", "quantity_under_pct")
# Rules the measures' sources read: a change makes new inputs, so the periods are computed again.
INPUT_RULES = frozenset({"on_time_days_early", "on_time_days_late", *PCT_FIELDS, "ack_target_hours"})
# What a partner's score or standing depends on; the Odoo switches act on the next change of standing only.
RESCORING = INPUT_RULES | {"standing_months", "measures", "standings"}
MAX_WEIGHT = 100
# The largest target each unit takes (a target of 0 PPM or 0 NCRs is a real one).
MAX_TARGET = {"%": Decimal(100), "PPM": Decimal(1_000_000), "count": Decimal(10_000)}
MAX_STANDINGS = 10
NAME_MAX = 60
CENT = Decimal("0.01")

SCORED = tuple(key for key, m in catalogue.MEASURES.items() if m.scored)


def _decimal(value) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _two_places(value, low: Decimal, high: Decimal) -> Decimal | None:
    """``value`` as a Decimal within ``[low, high]`` with at most 2 decimals, else None."""
    number = _decimal(value)
    if number is None or not low <= number <= high or number != number.quantize(CENT):
        return None
    return number


def rules_errors(values: dict) -> dict[str, str]:
    """What is wrong with the rules' values (``RULE_FIELDS`` plus ``measures``), keyed by field
    (a measure's as ``measures.otd.weight``); empty when nothing is."""
    errors: dict[str, str] = {}
    for name, (low, high) in INT_LIMITS.items():
        n = values[name]
        if not isinstance(n, int) or isinstance(n, bool) or not low <= n <= high:
            errors[name] = _("Give a whole number from %(low)s to %(high)s (got %(value)s).") % {
                "low": low,
                "high": high,
                "value": n,
            }
    for name in PCT_FIELDS:
        if _two_places(values[name], Decimal(0), Decimal(100)) is None:
            errors[name] = _("Give a percentage from 0 to 100 with at most 2 decimals (got %(value)s).") % {
                "value": values[name]
            }
    if values["allow_block"] and not values["push_purchase_warning"]:
        errors["allow_block"] = _("Blocking is a kind of purchase warning: turn on the warnings in Odoo first.")
    measures = values["measures"]
    if set(measures) != set(SCORED):
        errors["measures"] = _("Give a weight and a target for each of %(measures)s.") % {"measures": ", ".join(SCORED)}
        return errors
    for key, own in measures.items():
        weight, unit = own.get("weight"), catalogue.MEASURES[key].unit
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
            errors[f"measures.{key}.weight"] = _("Give a whole number from %(low)s to %(high)s (got %(value)s).") % {
                "low": 0,
                "high": MAX_WEIGHT,
                "value": weight,
            }
        if _two_places(own.get("target"), Decimal(0), MAX_TARGET[unit]) is None:
            errors[f"measures.{key}.target"] = _(
                "Give a target from 0 to %(max)s with at most 2 decimals (got %(value)s)."
            ) % {"max": l10n.num(MAX_TARGET[unit]), "value": own.get("target")}
    if not any(f"measures.{k}.weight" in errors for k in SCORED) and not any(m["weight"] for m in measures.values()):
        errors["measures"] = _("Give at least one measure a weight above 0, or no partner ever gets a score.")
    return errors


def standings_errors(standings: list[dict], known_ids: set[int]) -> dict[str, str]:
    """What is wrong with the standings, best first: names given and unique, minimum scores from 0 to
    100 strictly decreasing with the last one 0 (so every score has a standing), blocking only where the
    standing warns, ids of the tenant's own standings. Keys ``standings`` or ``standings.<i>.<field>``."""
    errors: dict[str, str] = {}
    if not standings:
        return {"standings": _("Keep at least one standing: every partner with a score needs one.")}
    if len(standings) > MAX_STANDINGS:
        return {
            "standings": _("Keep at most %(max)s standings (got %(count)s).")
            % {"max": MAX_STANDINGS, "count": len(standings)}
        }
    seen: dict[str, int] = {}
    ids: set[int] = set()
    previous: Decimal | None = None
    for i, row in enumerate(standings):
        name = (row.get("name") or "").strip()
        if not name or len(name) > NAME_MAX or not name.isprintable():
            errors[f"standings.{i}.name"] = _("Give a name of 1 to %(max)s characters (letters, digits, spaces).") % {
                "max": NAME_MAX
            }
        elif name.casefold() in seen:
            errors[f"standings.{i}.name"] = _("%(name)s is the name of standing %(number)s already.") % {
                "name": name,
                "number": seen[name.casefold()] + 1,
            }
        else:
            seen[name.casefold()] = i
        if row.get("id") is not None and (row["id"] not in known_ids or row["id"] in ids):
            # Not the tenant's (or no longer there), or a second row posted with one standing's id.
            errors[f"standings.{i}.name"] = _("This standing is no longer there: reload the page.")
        if row.get("id") is not None:
            ids.add(row["id"])
        minimum = _two_places(row.get("min_score"), Decimal(0), Decimal(100))
        if minimum is None:
            errors[f"standings.{i}.min_score"] = _(
                "Give a score from 0 to 100 with at most 2 decimals (got %(value)s)."
            ) % {"value": row.get("min_score")}
        elif previous is not None and minimum >= previous:
            errors[f"standings.{i}.min_score"] = _(
                "Give less than %(minimum)s, the minimum of the standing above (better standings come first)."
            ) % {"minimum": l10n.num(previous)}
        previous = minimum if minimum is not None else previous
        if row.get("blocks") and not row.get("warns"):
            errors[f"standings.{i}.blocks"] = _("Only a standing that warns can block.")
    last = len(standings) - 1
    if f"standings.{last}.min_score" not in errors and _decimal(standings[-1].get("min_score")) != 0:
        errors[f"standings.{last}.min_score"] = _("Give 0 to the last standing, so that every score has a standing.")
    return errors


def _standings_text(rows) -> str:
    def one(r) -> str:
        marks = [word for word, on in (("warns", r["warns"]), ("blocks", r["blocks"])) if on]
        return f"{r['name']} >= {Decimal(r['min_score']).normalize():f}" + (f" ({', '.join(marks)})" if marks else "")

    return "; ".join(one(r) for r in rows)


def _standings_save(tenant: Tenant, rows: list[dict]) -> None:
    """Make the tenant's standings exactly ``rows`` (best first), keeping the ids of those kept so that
    partners stay in a renamed or moved standing. Kept rows first take free ranks and names, then their
    own: (tenant, rank) and (tenant, name) are unique at every statement."""
    existing = {s.pk: s for s in Standing.objects.select_for_update().filter(tenant=tenant).order_by("pk")}
    kept = {row["id"] for row in rows if row.get("id") is not None}
    Standing.objects.filter(tenant=tenant).exclude(pk__in=kept).delete()
    offset = MAX_STANDINGS + len(existing) + 1
    for n, pk in enumerate(sorted(kept)):
        Standing.objects.filter(pk=pk).update(rank=offset + n, name=f"\x1f{pk}")
    for rank, row in enumerate(rows, start=1):
        fields = {
            "name": row["name"].strip(),
            "rank": rank,
            "min_score": Decimal(str(row["min_score"])),
            "warns": bool(row["warns"]),
            "blocks": bool(row["blocks"]) and bool(row["warns"]),
        }
        if row.get("id") is not None:
            Standing.objects.filter(pk=row["id"]).update(**fields)
        else:
            Standing.objects.create(tenant=tenant, **fields)


def effective_measures(rules: ScorecardRules) -> dict[str, dict]:
    """``{key: {"weight": int, "target": "95"}}`` of each scored measure: the tenant's own, else the catalogue's."""
    pairs = catalogue.weights_targets(rules.measures or {})
    return {key: {"weight": int(pairs[key][0]), "target": catalogue.plain(pairs[key][1])} for key in sorted(SCORED)}


def _rescore_on_commit(tenant_id: int, recompute: bool) -> None:
    def queue() -> None:
        from quality.tasks import scorecards_rescore_task

        scorecards_rescore_task.delay(tenant_id, recompute=recompute)

    transaction.on_commit(queue)


@transaction.atomic
def scorecard_rules_save(*, membership: Membership, values: dict, standings: list[dict]) -> ScorecardRules:
    """Save the tenant's scorecard rules and its standings in one transaction.

    ``values``: every name of ``RULE_FIELDS`` (ints for days, hours and months; Decimal percentages;
    bools) and ``measures`` ``{key: {"weight": int, "target": Decimal}}`` for each scored measure.
    ``standings``: best first, ``{"id": int | None, "name", "min_score": Decimal, "warns", "blocks"}``;
    an id left out removes that standing, a row without id adds one. Tenant admins only (``NotInScope``);
    ``ValidationError`` keyed as ``rules_errors`` and ``standings_errors`` say, nothing saved.
    Unchanged values write nothing; a change is one audit entry and, when it moves scores, queues the
    re-scoring (``quality.tasks.scorecards_rescore_task``, on commit). The rules answered carry
    ``saved_changes``: the names changed (``RULE_FIELDS``, "measures", "standings"; empty when nothing was),
    which ``rules_saved_message`` puts in words.
    """
    if membership is None or not membership.has_access or membership.role != Role.TENANT_ADMIN:
        raise NotInScope()
    tenant = Tenant.objects.select_for_update().get(pk=membership.tenant_id)
    known = set(Standing.objects.filter(tenant=tenant).values_list("pk", flat=True))
    errors = {**rules_errors(values), **standings_errors(standings, known)}
    if errors:
        raise ValidationError(errors)
    ScorecardRules.objects.get_or_create(tenant=tenant)  # the tenant's lock keeps it to one row
    rules = ScorecardRules.objects.select_for_update().get(tenant=tenant)
    after = {name: values[name] for name in RULE_FIELDS}
    after["measures"] = {
        k: {"weight": m["weight"], "target": catalogue.plain(Decimal(m["target"]))}
        for k, m in sorted(values["measures"].items())
    }
    before = {name: getattr(rules, name) for name in RULE_FIELDS}
    before["measures"] = effective_measures(rules)
    changes = field_changes(before, after)
    old_rows = list(
        Standing.objects.filter(tenant=tenant).order_by("rank").values("id", "name", "min_score", "warns", "blocks")
    )
    new_rows = [{**r, "name": r["name"].strip(), "blocks": bool(r["blocks"]) and bool(r["warns"])} for r in standings]
    same_ids = [r["id"] for r in old_rows] == [r.get("id") for r in new_rows]
    if not same_ids or _standings_text(old_rows) != _standings_text(new_rows):
        changes["standings"] = [_standings_text(old_rows), _standings_text(new_rows)]
        _standings_save(tenant, standings)
    if changes:
        for name in RULE_FIELDS:
            setattr(rules, name, after[name])
        rules.measures = after["measures"]
        rules.save()
        audit_record(
            tenant=tenant, actor=membership.user, action="quality.scorecard_rules_saved", obj=tenant, changes=changes
        )
        if set(changes) & RESCORING:
            _rescore_on_commit(tenant.pk, recompute=bool(set(changes) & INPUT_RULES))
    rules.saved_changes = frozenset(changes)
    return rules


# The figures each rule the sources read changes (what ``scorecards_rescore_task(recompute=True)`` redoes).
RECOMPUTED_FIGURES = {
    "on_time_days_early": gettext_lazy("on-time delivery"),
    "on_time_days_late": gettext_lazy("on-time delivery"),
    "quantity_over_pct": gettext_lazy("quantity accuracy"),
    "quantity_under_pct": gettext_lazy("quantity accuracy"),
    "ack_target_hours": gettext_lazy("acknowledgement on time"),
}


def rules_saved_message(changed: frozenset[str] | set[str]) -> str:
    """What saving did, in words, for the admin's confirmation: nothing; the figures a changed on-time
    window, tolerance or acknowledgement target makes the run compute again from the records (then every
    score and standing); only scores and standings worked out again (weights, targets, the standing window,
    the standings: the monthly figures stay); or only the Odoo switches, which act from the next change of
    standing. ``changed``: ``saved_changes`` of ``scorecard_rules_save``'s answer."""
    if not changed:
        return _("Nothing changed: the scorecard rules are as they were.")
    figures = sorted({str(RECOMPUTED_FIGURES[name]) for name in changed if name in INPUT_RULES})
    if figures:
        named = figures[0]
        if len(figures) > 1:
            named = _("%(first)s and %(last)s") % {"first": ", ".join(figures[:-1]), "last": figures[-1]}
        return _(
            "Scorecard rules saved. Within a few minutes the %(figures)s figures of every month are computed again "
            "from the records with the new rules, and every supplier's score and standing with them."
        ) % {"figures": named}
    if set(changed) & RESCORING:
        return _(
            "Scorecard rules saved. Every supplier's score and standing is worked out again with them within a "
            "few minutes; the monthly figures stay as they are."
        )
    return _(
        "Scorecard rules saved. The Odoo settings apply from the next change of standing; scores, standings "
        "and figures stay as they are."
    )
