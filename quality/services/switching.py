"""The ISO 2859-1 switching state of each partner + product, fed by signed verdicts; reinstatement after
discontinuation; skip-lot (inspect 1 lot in N, the idea of ISO 2859-3).

The rules themselves are the pure functions of ``quality.sampling.switching``; this module decides what
they are fed, keeps the row (``quality.models.SwitchingState``, locked while it changes) and writes the
history (``SwitchingEvent``). Choices made here:

- Which lots count: original inspections only (sequence 1, revision 1), when signed (ISO 2859-1 9.3 counts
  lots on original inspection; re-inspections and corrections do not count), in the order they are signed.
- A correction that changes the verdict of a signed original is not replayed into the state (the lots
  after it were drawn at the severity it led to, and replaying would rewrite that history): the history
  notes it as an event without a severity change, and the engineer may reset the state (``switching_reset``).
- A lot signed while inspection is discontinued (it was waiting when inspection stopped) does not count:
  the scheme restarts at tightened inspection when reinstated.
- The plan fed to the rules is the sampling of the lot's major class when it has one, else the class with
  the largest sample (the more severe class on a tie): the AQL scheme is usually indexed by majors, and a
  critical class is often 100 % / zero, which is no ISO 2859-1 plan.
- ``tighter_aql_would_accept`` (switching score, Ac >= 2): that class's defective count against Ac of the
  normal-table plan one AQL step tighter on the same code letter (``one_step_tighter_accept``). A plan off
  the tables (fixed, 100 %) has no tighter step: it scores as not accepted (0), so such a plan never
  reaches reduced inspection. ``reduced_allowed`` is the tenant's ``QualityRules.reduced_allowed``.
- ``accepted_between_ac_and_re`` (reduced -> normal): the lot accepted with some class's count above its Ac.

Who changes a state by hand (reinstate, reset, skip-lot): quality engineers and tenant admins
(``SWITCHING_EDITORS``) who see the partner; anyone else gets ``NotInScope`` (404), suppliers included.
Refusals are ``ValidationError`` keyed by field (``reason``, ``every``, ``severity``) or unkeyed for the
state (not discontinued, discontinued).
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal import l10n
from portal.models import Membership
from portal.services.audit import audit_record
from portal.services.errors import NotInScope
from quality.models import (
    DefectClass,
    Inspection,
    InspectionSampling,
    Severity,
    SwitchingEvent,
    SwitchingState,
    quality_rules_for,
)
from quality.sampling import switching as rules
from quality.sampling.plans import SamplingPlan, one_step_tighter_accept
from quality.services.plan_editing import PLAN_EDITORS
from quality.services.plans import plan_for, sampling_for

SWITCHING_EDITORS = PLAN_EDITORS
#: Skip-lot: inspect 1 lot in N, N from 2 to 20 (0 is off).
SKIP_EVERY_MIN, SKIP_EVERY_MAX = 2, 20
#: Skip-lot qualification: this many consecutive accepted original lots under normal or reduced inspection.
QUALIFYING_LOTS = 10
REASON_MAX = 2000
SKIP_LOT_SEVERITIES = (Severity.NORMAL, Severity.REDUCED)
# The more severe class first, where the sampling fed to the rules is chosen (see the module docstring).
_CLASS_ORDER = {DefectClass.MAJOR: 0, DefectClass.CRITICAL: 1, DefectClass.MINOR: 2}
# The list shows where attention is needed first.
_SEVERITY_ORDER = {Severity.DISCONTINUED: 0, Severity.TIGHTENED: 1, Severity.REDUCED: 2, Severity.NORMAL: 3}


# --- scoped reads -------------------------------------------------------------------------------


def switching_states_visible(membership: Membership) -> QuerySet[SwitchingState]:
    """The states ``membership`` may read, discontinued first, then tightened, reduced and normal (then by
    supplier and product name); ``partner`` and ``product`` loaded. Empty for anyone but an editor."""
    if membership is None or not membership.has_access or membership.role not in SWITCHING_EDITORS:
        return SwitchingState.objects.none()
    rank = Case(
        *(When(severity=severity, then=Value(order)) for severity, order in _SEVERITY_ORDER.items()),
        output_field=IntegerField(),
    )
    return (
        SwitchingState.objects.visible_to(membership)
        .select_related("partner", "product")
        .annotate(rank=rank)
        .order_by("rank", "partner__name", "product__name", "pk")
    )


def switching_state_get(*, membership: Membership, partner_id: int, product_id: int) -> SwitchingState:
    """The partner + product's state if ``membership`` may read it; raises ``NotInScope`` otherwise (or when
    no lot of the pair was ever received, so there is no state yet)."""
    state = switching_states_visible(membership).filter(partner_id=partner_id, product_id=product_id).first()
    if state is None:
        raise NotInScope()
    return state


def _locked_visible(membership: Membership, partner_id: int, product_id: int) -> SwitchingState:
    state = switching_state_get(membership=membership, partner_id=partner_id, product_id=product_id)
    return SwitchingState.objects.select_for_update(of=("self",)).get(pk=state.pk)


def _tenant_language(tenant):
    """The history of a pair is the tenant's record, read by all its people: written in the tenant's language,
    whatever language the person whose action wrote it reads."""
    return translation.override(l10n.tenant_language(tenant))


def _event(state: SwitchingState, *, before: str, reason: str, inspection: Inspection | None = None):
    return SwitchingEvent.objects.create(
        tenant_id=state.tenant_id,
        state=state,
        partner_id=state.partner_id,
        from_severity=before,
        to_severity=state.severity,
        reason=reason,
        inspection=inspection,
        lot_name=inspection.lot_name if inspection is not None else "",
    )


# --- fed by signed verdicts ---------------------------------------------------------------------


def switching_sampling(samplings: list[InspectionSampling]) -> InspectionSampling | None:
    """The sampling whose plan the rules are fed: the major class's, else the largest sample (more severe
    class on a tie); None without samplings."""
    if not samplings:
        return None
    return min(
        samplings, key=lambda s: (s.defect_class != DefectClass.MAJOR, -s.sample_size, _CLASS_ORDER[s.defect_class])
    )


def _plan_of(sampling: InspectionSampling, severity: str) -> SamplingPlan:
    """The pure plan of a stored sampling (``aql`` None for a plan off the tables)."""
    return SamplingPlan(
        code_letter=sampling.code_letter or None,
        sample_size=sampling.sample_size,
        accept=sampling.accept,
        reject=sampling.reject,
        followed_arrow=False,
        hundred_percent=sampling.hundred_percent,
        source=sampling.source,
        severity=severity if sampling.aql is not None else None,
        aql=sampling.aql,  # 1.000 equals the tables' 1.0 (and hashes alike), so look-ups find it
    )


def _tighter_would_accept(plan: SamplingPlan, defective: int) -> bool:
    tighter_accept = one_step_tighter_accept(plan)
    return tighter_accept is not None and defective <= tighter_accept


def _pair_state(inspection: Inspection) -> SwitchingState:
    state, _created = SwitchingState.objects.select_for_update(of=("self",)).get_or_create(
        tenant_id=inspection.tenant_id, partner_id=inspection.partner_id, product_id=inspection.product_id
    )
    return state


def switching_after_sign(*, inspection: Inspection, verdict) -> list[SwitchingEvent]:
    """Feed a just-signed inspection to its partner + product's state (``inspection_sign`` calls it in its
    transaction); answers the events written (none when nothing changed).

    ``verdict`` is the ``recording.VerdictState`` that was signed (its class tallies give the defective
    counts). Re-inspections are ignored; a correction is noted when it changes the verdict (see the module
    docstring); an original moves the state with ``next_state``, writes an event when the severity changed,
    and turns skip-lot off on a lot not accepted or a move to tightened or discontinued.
    """
    if inspection.sequence != 1 or inspection.status != Inspection.Status.SIGNED:
        return []
    with _tenant_language(inspection.tenant):
        return _after_sign(inspection, verdict)


def _after_sign(inspection: Inspection, verdict) -> list[SwitchingEvent]:
    if inspection.revision > 1:
        return _correction_noted(inspection)
    state = _pair_state(inspection)
    if state.severity == Severity.DISCONTINUED:
        return []
    sampling = switching_sampling(list(inspection.samplings.all()))
    if sampling is None:
        return []
    accepted = inspection.verdict == Inspection.Verdict.ACCEPT
    plan = _plan_of(sampling, inspection.severity)
    defective = {t.defect_class: t.defective for t in verdict.classes}
    needs_tighter = accepted and state.severity == Severity.NORMAL and plan.accept >= 2
    pure, why = rules.next_state(
        state.as_state(),
        accepted,
        plan,
        tighter_aql_would_accept=(
            _tighter_would_accept(plan, defective.get(sampling.defect_class, 0)) if needs_tighter else None
        ),
        reduced_allowed=quality_rules_for(inspection.tenant).reduced_allowed,
        accepted_between_ac_and_re=accepted
        and any(t.sampling is not None and t.defective > t.sampling.accept for t in verdict.classes),
    )
    before = state.severity
    state.state_set(pure)
    events = []
    if why:
        reason = _("Lot %(lot)s: %(reason)s") % {"lot": _lot(inspection), "reason": why}
        events.append(_event(state, before=before, reason=reason, inspection=inspection))
    if state.skip_every and (not accepted or state.severity in (Severity.TIGHTENED, Severity.DISCONTINUED)):
        cause = SKIP_OFF_NOT_ACCEPTED if not accepted else SKIP_OFF_MOVED[state.severity]
        events.append(_skip_lot_off(state, cause, lot=_lot(inspection), inspection=inspection))
    state.save()
    return events


def _lot(inspection: Inspection) -> str:
    """The lot's name in the history's sentences ("Lot L3", "lot of receipt WH/IN/0007" for a lot without one)."""
    if inspection.lot_name:
        return inspection.lot_name
    return pgettext("a lot without a name, after the word lot", "of receipt %(receipt)s") % {
        "receipt": inspection.receipt.name
    }


# Why skip-lot was turned off: whole sentences (the severity is no lower-cased label in a frame).
SKIP_OFF_NOT_ACCEPTED = gettext_lazy(
    "Skip-lot (1 in %(every)s) turned off: lot %(lot)s was not accepted. Every lot is inspected again."
)
SKIP_OFF_MOVED = {
    Severity.TIGHTENED: gettext_lazy(
        "Skip-lot (1 in %(every)s) turned off: lot %(lot)s moved inspection to tightened. Every lot is inspected again."
    ),
    Severity.DISCONTINUED: gettext_lazy(
        "Skip-lot (1 in %(every)s) turned off: lot %(lot)s moved inspection to discontinued. Every lot is "
        "inspected again."
    ),
}
SKIP_OFF_RESTARTED = gettext_lazy(
    "Skip-lot (1 in %(every)s) turned off: inspection was restarted at tightened. Every lot is inspected again."
)


def _skip_lot_off(
    state: SwitchingState, cause, *, lot: str = "", inspection: Inspection | None = None
) -> SwitchingEvent:
    """``cause``: one of the ``SKIP_OFF_*`` sentences (``%(every)s``, ``%(lot)s``), in the tenant's language."""
    every = state.skip_every
    state.skip_every = 0
    state.skipped_since_inspected = 0
    with _tenant_language(state.tenant):
        reason = cause % {"every": every, "lot": lot}
    return _event(state, before=state.severity, reason=reason, inspection=inspection)


def _correction_noted(correction: Inspection) -> list[SwitchingEvent]:
    before = correction.corrects
    if before is None or before.verdict == correction.verdict:
        return []
    state = _pair_state(correction)
    values = {"revision": correction.revision, "lot": _lot(correction)}
    if correction.verdict == Inspection.Verdict.ACCEPT:
        reason = _(
            "Correction %(revision)s of lot %(lot)s changed the verdict from rejected to accepted. The switching "
            "state counted the original verdict and is not replayed; a quality engineer may reset it."
        )
    else:
        reason = _(
            "Correction %(revision)s of lot %(lot)s changed the verdict from accepted to rejected. The switching "
            "state counted the original verdict and is not replayed; a quality engineer may reset it."
        )
    reason %= values
    return [_event(state, before=state.severity, reason=reason, inspection=correction)]


# --- the engineer's actions ---------------------------------------------------------------------


def _check_editor(membership: Membership) -> None:
    if membership is None or not membership.has_access or membership.role not in SWITCHING_EDITORS:
        raise NotInScope()


def _reason_of(reason: str) -> str:
    reason = (reason or "").strip()
    if "\x00" in reason or len(reason) > REASON_MAX:
        message = _("Write the reason in at most %(max)s characters of text.")
        raise ValidationError({"reason": message % {"max": REASON_MAX}})
    if not reason:
        raise ValidationError({"reason": _("Say why (e.g. the supplier's corrective action that was verified).")})
    return reason


@transaction.atomic
def switching_reinstate(
    *, membership: Membership, partner_id: int, product_id: int, reason: str
) -> tuple[SwitchingState, list[Inspection]]:
    """Reinstate discontinued inspection of a partner + product (ISO 2859-1 9.4): it resumes at tightened
    inspection, and the pair's lots held ``discontinued`` wait for an inspector, sampled at tightened from
    the plan in force now (the corrective action may have come with a new plan version; first-article
    rules do not apply to them). A held lot with no plan now stays held.

    Answers the state and the inspections released. Audited, with an event in the history. Raises
    ``ValidationError`` (``reason`` missing or too long; unkeyed when inspection is not discontinued) and
    ``NotInScope``.
    """
    _check_editor(membership)
    reason = _reason_of(reason)
    state = _locked_visible(membership, partner_id, product_id)
    try:
        with _tenant_language(state.tenant):
            pure, why = rules.reinstate(state.as_state())
    except rules.SwitchingError:
        message = _("Inspection of %(product)s from %(partner)s is not discontinued: nothing to reinstate.")
        raise ValidationError(message % {"product": state.product, "partner": state.partner}) from None
    before = state.severity
    state.state_set(pure)
    state.save()
    with _tenant_language(state.tenant):
        text = _("%(why)s Reinstated by %(who)s: %(reason)s") % {
            "why": why,
            "who": membership.user.email,
            "reason": reason,
        }
    _event(state, before=before, reason=text)
    audit_record(
        tenant=state.tenant,
        actor=membership.user,
        action="switching.reinstated",
        obj=state,
        changes={"severity": [before, state.severity], "reason": [None, reason]},
    )
    return state, _held_lots_released(state, actor=membership.user)


def _held_lots_released(state: SwitchingState, *, actor) -> list[Inspection]:
    # Imported here: inspections.py asks this module about skip-lot when it creates an inspection.
    from quality.services.inspections import samplings_save, version_freeze

    held = Inspection.objects.select_for_update(of=("self",)).filter(
        tenant_id=state.tenant_id,
        partner_id=state.partner_id,
        product_id=state.product_id,
        status=Inspection.Status.DISCONTINUED,
    )
    version = plan_for(tenant=state.tenant, partner=state.partner, product=state.product)
    if version is None or not version.sampling_rules.exists():
        return []
    released = []
    for inspection in held.order_by("created_at", "id"):
        lot_items = max(1, math.ceil(inspection.lot_size))
        severity, samplings = sampling_for(
            version=version, lot_items=lot_items, severity=state.severity, first_article=False
        )
        changes = {
            "severity": [inspection.severity, severity],
            "plan_version": [inspection.plan_version_id, version.pk],
        }
        inspection.severity, inspection.plan_version = severity, version
        Inspection.lifecycle.move(inspection, "release_to_inspect", actor=actor, changes=changes)
        inspection.save(update_fields=["status", "severity", "plan_version"])
        samplings_save(inspection, samplings)
        released.append(inspection)
    if released:
        version_freeze(version)
    return released


RESET_SEVERITIES = (Severity.NORMAL, Severity.TIGHTENED)


@transaction.atomic
def switching_reset(
    *, membership: Membership, partner_id: int, product_id: int, severity: str, reason: str
) -> SwitchingState:
    """Restart a partner + product's scheme at normal or tightened inspection with fresh counters (e.g. after
    a correction changed a counted verdict). Tightened turns skip-lot off. Audited, with an event.

    Raises ``ValidationError`` (``severity`` not normal or tightened, ``reason``; unkeyed while inspection is
    discontinued: reinstate it instead) and ``NotInScope``.
    """
    _check_editor(membership)
    if severity not in RESET_SEVERITIES:
        raise ValidationError({"severity": _("Restart at normal or tightened inspection.")})
    reason = _reason_of(reason)
    state = _locked_visible(membership, partner_id, product_id)
    if state.severity == Severity.DISCONTINUED:
        raise ValidationError(_("Inspection is discontinued: reinstate it (it resumes at tightened inspection)."))
    before, every = state.severity, state.skip_every
    state.state_set(rules.SwitchingState(severity=severity))
    with _tenant_language(state.tenant):
        if severity == Severity.TIGHTENED:
            text = _("Restarted at tightened inspection by %(who)s: %(reason)s")
        else:
            text = _("Restarted at normal inspection by %(who)s: %(reason)s")
        text %= {"who": membership.user.email, "reason": reason}
    _event(state, before=before, reason=text)
    if every and severity == Severity.TIGHTENED:
        _skip_lot_off(state, SKIP_OFF_RESTARTED)
    state.save()
    audit_record(
        tenant=state.tenant,
        actor=membership.user,
        action="switching.reset",
        obj=state,
        changes={"severity": [before, severity], "skip_every": [every, state.skip_every], "reason": [None, reason]},
    )
    return state


# --- skip-lot -----------------------------------------------------------------------------------


def skip_lot_refusal(state: SwitchingState) -> str | None:
    """Why the pair does not qualify for skip-lot, or None when it does.

    Rule (the idea of ISO 2859-3's qualification, kept simple): inspection is normal or reduced now, and
    the last ``QUALIFYING_LOTS`` (10) signed original lots (sequence 1, revision 1, newest first) were all
    accepted under normal or reduced inspection, so none of them was rejected. Skipped lots are not
    inspected and do not count; corrections do not change the count (as for switching).
    """
    if state.severity not in SKIP_LOT_SEVERITIES:
        if state.severity == Severity.DISCONTINUED:
            return _("Inspection is discontinued: skip-lot needs normal or reduced inspection.")
        return _("Inspection is tightened: skip-lot needs normal or reduced inspection.")
    newest = (
        Inspection.objects.filter(
            tenant_id=state.tenant_id,
            partner_id=state.partner_id,
            product_id=state.product_id,
            sequence=1,
            revision=1,
            status=Inspection.Status.SIGNED,
        )
        .order_by("-signed_at", "-id")
        .values_list("verdict", "severity")[:QUALIFYING_LOTS]
    )
    run = 0
    for verdict, severity in newest:
        if verdict != Inspection.Verdict.ACCEPT or severity not in SKIP_LOT_SEVERITIES:
            break
        run += 1
    if run < QUALIFYING_LOTS:
        return _(
            "Skip-lot needs the last %(lots)s original lots accepted under normal or reduced "
            "inspection, with no rejection among them; the run is %(run)s."
        ) % {"lots": QUALIFYING_LOTS, "run": run}
    return None


@transaction.atomic
def skip_lot_set(*, membership: Membership, partner_id: int, product_id: int, every: int) -> SwitchingState:
    """Inspect 1 lot in ``every`` (2 to 20) of a qualifying partner + product, or none skipped (0).

    The count starts again: the next ``every - 1`` lots are released without inspection, then one is
    inspected. Audited, with an event. Raises ``ValidationError`` keyed ``every`` (out of range, or the
    pair does not qualify: ``skip_lot_refusal`` says why) and ``NotInScope``.
    """
    _check_editor(membership)
    if (
        isinstance(every, bool)
        or not isinstance(every, int)
        or not (every == 0 or SKIP_EVERY_MIN <= every <= SKIP_EVERY_MAX)
    ):
        raise ValidationError(
            {
                "every": _("Give N from %(low)s to %(high)s, or 0 to turn skip-lot off.")
                % {"low": SKIP_EVERY_MIN, "high": SKIP_EVERY_MAX}
            }
        )
    state = _locked_visible(membership, partner_id, product_id)
    before = state.skip_every
    if every == before:
        return state
    if every:
        refusal = skip_lot_refusal(state)
        if refusal:
            raise ValidationError({"every": refusal})
        with _tenant_language(state.tenant):
            reason = _(
                "Skip-lot set by %(who)s: 1 lot in %(every)s is inspected, the others are released without inspection."
            ) % {"who": membership.user.email, "every": every}
    else:
        with _tenant_language(state.tenant):
            reason = _("Skip-lot turned off by %(who)s: every lot is inspected.") % {"who": membership.user.email}
    state.skip_every, state.skipped_since_inspected = every, 0
    state.save()
    _event(state, before=state.severity, reason=reason)
    audit_record(
        tenant=state.tenant,
        actor=membership.user,
        action="switching.skip_lot_set",
        obj=state,
        changes={"skip_every": [before, every]},
    )
    return state


def skip_lot_skips(state: SwitchingState) -> bool:
    """Whether skip-lot releases a new lot of the pair without inspection; counts it either way.

    1 in N by count, so it is deterministic: with ``skipped_since_inspected`` lots skipped since the last
    one inspected, the lot is skipped while ``skipped_since_inspected + 1 < N``; otherwise it is inspected
    and the count starts again. Only under normal or reduced inspection. ``state`` is locked by the
    caller (``inspections.switching_state_locked``); saved here.
    """
    if state.skip_every < SKIP_EVERY_MIN or state.severity not in SKIP_LOT_SEVERITIES:
        return False
    skipped = state.skipped_since_inspected + 1 < state.skip_every
    state.skipped_since_inspected = state.skipped_since_inspected + 1 if skipped else 0
    state.save(update_fields=["skipped_since_inspected", "updated_at"])
    return skipped


def skipped_lot_release(*, inspection: Inspection, state: SwitchingState) -> Inspection:
    """Save a new, unsaved original inspection as ``skipped`` and release its lot at once
    (``disposition_release_skipped``, which emits ``inspection.disposed``); the history says so.
    In the caller's transaction."""
    # Imported here: dispositions imports recording, which calls this module at sign-off.
    from quality.services.dispositions import disposition_release_skipped

    inspection.status = Inspection.Status.SKIPPED
    inspection.severity = state.severity
    inspection.save()
    Inspection.lifecycle.start(
        inspection,
        actor=None,
        action="inspection.created",
        changes={
            "lot_name": [None, inspection.lot_name],
            "lot_size": [None, str(inspection.lot_size)],
            "skip_lot": [None, f"1 in {state.skip_every}"],
        },
    )
    disposition_release_skipped(inspection=inspection)
    with _tenant_language(state.tenant):
        reason = _("Released without inspection (skip-lot 1 in %(every)s): lot %(lot)s was not drawn.") % {
            "every": state.skip_every,
            "lot": _lot(inspection),
        }
    _event(state, before=state.severity, reason=reason, inspection=inspection)
    return inspection
