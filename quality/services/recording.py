"""Recording an inspection at the dock: start it, record results and photos, compute the verdict, sign it,
and open a correction of a signed one.

Who: inspectors and quality engineers of the tenant who see the inspection's partner
(``RECORDER_ROLES``); anyone else gets ``NotInScope`` (404), suppliers included. Refusals of the
record's state (signed, not started, incomplete, wrong password) are ``ValidationError``.

The verdict is computed, never typed (ISO 2859-1 single sampling, counting defective items per
defect class): a unit is defective in a class when any of that class's characteristics is out of
tolerance or failed on it. Each class with a sampling plan reads units 1..n of its own sample (a
smaller sample is the first items of the largest one). A class rejects when its defective units
reach Re, which can be known before the sample is complete: the inspection may then be signed
rejected at once (further units cannot undo it). It accepts only when every unit x characteristic
of every class is recorded and no class reached Re.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Context, Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal import l10n
from portal.models import Membership, Role
from portal.services.errors import NotInScope
from quality.models import (
    Characteristic,
    DefectClass,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionSampling,
)
from quality.models.results import PHOTO_MAX_BYTES
from quality.services.pictures import image_type
from quality.services.switching import switching_after_sign

RECORDER_ROLES = frozenset({Role.INSPECTOR, Role.QUALITY_ENGINEER})
RECORDABLE = (Inspection.Status.WAITING, Inspection.Status.IN_PROGRESS)


# --- scope --------------------------------------------------------------------------------------


def check_recorder(membership: Membership, inspection: Inspection) -> None:
    """404 unless ``membership`` is an inspector or engineer who sees ``inspection``."""
    if membership is None or membership.role not in RECORDER_ROLES:
        raise NotInScope()
    if not Inspection.objects.visible_to(membership).filter(pk=inspection.pk).exists():
        raise NotInScope()


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)


def _check_open(inspection: Inspection) -> None:
    if inspection.status == Inspection.Status.SIGNED:
        raise ValidationError(_("This inspection is signed: it is read-only. Open a correction to change it."))
    if inspection.status not in RECORDABLE:
        raise ValidationError(
            _("This inspection is “%(status)s”: nothing to record.") % {"status": inspection.get_status_display()}
        )


def characteristics_of(inspection: Inspection) -> list[Characteristic]:
    """The characteristics the inspection's plan version checks, in plan order (empty without a plan)."""
    if inspection.plan_version_id is None:
        return []
    return list(Characteristic.objects.filter(version_id=inspection.plan_version_id).order_by("position", "id"))


def units_for(inspection: Inspection, characteristic: Characteristic, samplings=None) -> int:
    """How many units (1..n) ``characteristic`` is checked on: its class's sample size, else the largest."""
    samplings = list(inspection.samplings.all()) if samplings is None else samplings
    sizes = {s.defect_class: s.sample_size for s in samplings}
    return sizes.get(characteristic.defect_class) or max(sizes.values(), default=0)


# --- start and record ---------------------------------------------------------------------------


@transaction.atomic
def inspection_start(*, membership: Membership, inspection: Inspection) -> Inspection:
    """Waiting -> in progress (audited); an inspection already in progress is answered as it is."""
    check_recorder(membership, inspection)
    inspection = _locked(inspection)
    _check_open(inspection)
    if inspection.status == Inspection.Status.WAITING:
        Inspection.lifecycle.move(inspection, "start", actor=membership.user)
        inspection.save(update_fields=["status"])
    return inspection


# What ``InspectionResult.value`` holds (max_digits 18, decimal_places 6): beyond it PostgreSQL refuses
# the row and SQLite stores one it cannot read back, so the bound is checked before anything is written.
VALUE_PLACES = InspectionResult._meta.get_field("value").decimal_places
VALUE_MAX = Decimal(10) ** (InspectionResult._meta.get_field("value").max_digits - VALUE_PLACES) - Decimal(1).scaleb(
    -VALUE_PLACES
)
_STEP = Decimal(1).scaleb(-VALUE_PLACES)
_WIDE = Context(prec=60)  # rounding a 28+ digit value must not trip the default 28-digit context
_SQLITE_DIGITS = Context(prec=15)


def measurement_stored(value) -> Decimal:
    """``value`` as a result stores it: rounded to ``VALUE_PLACES`` (6) decimals, at most
    ``VALUE_MAX`` (999,999,999,999.999999) either side of 0. Raises ``ValidationError`` (keyed
    ``value``) past the bound or for a value that is not finite."""
    value = Decimal(value)
    too_big = ValidationError(
        {
            "value": _("A measurement lies within ±%(max)s (at most %(places)s decimals are kept).")
            % {"max": l10n.num(VALUE_MAX, VALUE_PLACES), "places": VALUE_PLACES}
        }
    )
    if not value.is_finite() or abs(value) > VALUE_MAX:
        raise too_big
    value = value.quantize(_STEP, context=_WIDE)
    # 999,999,999,999.9999996 rounds up past the bound; and SQLite keeps 15 significant digits (a
    # float), so a value within 0.0005 of it would read back as 10^12, which the field cannot hold.
    if abs(value) > VALUE_MAX or abs(_SQLITE_DIGITS.create_decimal(value)) > VALUE_MAX:
        raise too_big
    return value


def _no_nul(**texts: str) -> None:
    """PostgreSQL text cannot hold NUL: refused here (400) rather than failing in the database (500)."""
    errors = {name: _("Text may not hold NUL characters.") for name, text in texts.items() if "\x00" in (text or "")}
    if errors:
        raise ValidationError(errors)


def is_defect(characteristic: Characteristic, *, value: Decimal | None, passed: bool | None) -> bool:
    """Whether a measurement lies outside the tolerance limits (inclusive limits are good), or a check failed."""
    if characteristic.kind == Characteristic.Kind.MEASURED:
        low, high = characteristic.lower_limit, characteristic.upper_limit
        return (low is not None and value < low) or (high is not None and value > high)
    return not passed


def _result_saved(
    membership: Membership,
    inspection: Inspection,
    unit: int,
    characteristic: Characteristic,
    *,
    value: Decimal | None,
    passed: bool | None,
    note: str,
    client_key: str,
) -> tuple[InspectionResult, bool]:
    """The new row for the cell (superseding the one before) and True, or the raced-in row and False."""
    InspectionResult.objects.filter(
        inspection=inspection, unit=unit, characteristic=characteristic, superseded=False
    ).update(superseded=True)
    try:
        with transaction.atomic():
            result = InspectionResult.objects.create(
                tenant_id=inspection.tenant_id,
                inspection=inspection,
                unit=unit,
                characteristic=characteristic,
                value=value,
                passed=passed,
                defect=is_defect(characteristic, value=value, passed=passed),
                note=(note or "").strip()[:2000],
                client_key=client_key,
                recorded_by=membership.user,
            )
    except IntegrityError:
        # The same key raced in from a second request: the row it made is the answer.
        return InspectionResult.objects.get(inspection=inspection, client_key=client_key), False
    return result, True


def _entry_key(client_key: str) -> str:
    """The tablet's idempotency key, stripped; raises ``ValidationError`` unless 1-64 characters."""
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > 64:
        raise ValidationError({"client_key": _("Give each entry a key of 1 to 64 characters.")})
    return client_key


def _check_cell(inspection: Inspection, unit: int, characteristic: Characteristic) -> None:
    """Whether unit x characteristic is a cell of this inspection; raises ``ValidationError`` if not."""
    if characteristic.version_id != inspection.plan_version_id or characteristic.tenant_id != inspection.tenant_id:
        raise ValidationError({"characteristic": _("This characteristic is not part of the inspection's plan.")})
    n = units_for(inspection, characteristic)
    if not 1 <= unit <= n:
        raise ValidationError({"unit": _("Units of this characteristic are numbered 1 to %(n)s.") % {"n": n}})


def _reading(
    characteristic: Characteristic, value: Decimal | None, passed: bool | None
) -> tuple[Decimal | None, bool | None]:
    """The (value, passed) pair to store for this characteristic's kind; the other one is None."""
    if characteristic.kind == Characteristic.Kind.MEASURED:
        if value is None:
            raise ValidationError({"value": _("Enter the measured value.")})
        return measurement_stored(value), None
    if passed is None:
        raise ValidationError({"passed": _("Choose pass or fail.")})
    return None, passed


@transaction.atomic
def result_record(
    *,
    membership: Membership,
    inspection: Inspection,
    unit: int,
    characteristic: Characteristic,
    client_key: str,
    value: Decimal | None = None,
    passed: bool | None = None,
    note: str = "",
) -> tuple[InspectionResult, bool]:
    """Record one unit x characteristic; answers (the result, whether it was created now).

    ``value`` (a Decimal in the characteristic's unit) for a measured characteristic, ``passed``
    for an attribute or visual one. ``client_key`` (1-64 characters) is the tablet's idempotency
    key: a resend of a key already recorded answers that row, created=False, and changes nothing,
    even after sign-off. A new key for a cell already recorded supersedes the row before. The
    first result starts a waiting inspection. ``defect`` is set at once from the tolerance limits.
    Raises ``ValidationError`` (signed, not recordable, unit out of 1..n, characteristic not of
    the plan, missing value, value past ``measurement_stored``'s bound, NUL in the key or note) and
    ``NotInScope``.
    """
    check_recorder(membership, inspection)
    _no_nul(client_key=client_key, note=note)
    client_key = _entry_key(client_key)
    inspection = _locked(inspection)
    sent_before = InspectionResult.objects.filter(inspection=inspection, client_key=client_key).first()
    if sent_before is not None:
        return sent_before, False
    _check_open(inspection)
    _check_cell(inspection, unit, characteristic)
    value, passed = _reading(characteristic, value, passed)
    if inspection.status == Inspection.Status.WAITING:
        Inspection.lifecycle.move(inspection, "start", actor=membership.user)
        inspection.save(update_fields=["status"])
    return _result_saved(
        membership, inspection, unit, characteristic, value=value, passed=passed, note=note, client_key=client_key
    )


# --- verdict ------------------------------------------------------------------------------------


@dataclass
class ClassTally:
    """One defect class: its plan, the defective units found so far, and how much is recorded."""

    defect_class: str
    label: str
    sampling: InspectionSampling | None
    defective: int = 0
    recorded: int = 0
    expected: int = 0

    @property
    def rejected(self) -> bool:
        return self.sampling is not None and self.defective >= self.sampling.reject

    @property
    def complete(self) -> bool:
        return self.recorded >= self.expected


@dataclass
class VerdictState:
    """The computed verdict: ``outcome`` accept/reject, or "" while it cannot be decided yet."""

    classes: list[ClassTally] = field(default_factory=list)
    recorded: int = 0
    expected: int = 0
    outcome: str = ""

    @property
    def complete(self) -> bool:
        return self.recorded >= self.expected

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.recorded)

    @property
    def label(self) -> str:
        return Inspection.Verdict(self.outcome).label if self.outcome else _("Not complete")


@dataclass
class _Tallied:
    """The fields of a result the verdict reads."""

    unit: int
    characteristic_id: int
    defect: bool


def inspection_verdict(inspection: Inspection, *, results: list[InspectionResult] | None = None) -> VerdictState:
    """Tally the current results per defect class against Ac/Re (see the module docstring)."""
    samplings = list(inspection.samplings.all())
    characteristics = characteristics_of(inspection)
    if results is None:
        # Only what the tally reads, in one query: a 100 % sample of a big lot is tens of thousands of rows.
        rows = InspectionResult.objects.filter(inspection=inspection, superseded=False)
        results = [
            _Tallied(unit, characteristic_id, defect)
            for unit, characteristic_id, defect in rows.values_list("unit", "characteristic_id", "defect")
        ]
    by_class = {s.defect_class: s for s in samplings}
    tallies = {
        c: ClassTally(c, label, by_class.get(c))
        for c, label in DefectClass.choices
        if c in by_class or any(ch.defect_class == c for ch in characteristics)
    }
    of_class = {ch.pk: ch.defect_class for ch in characteristics}
    state = VerdictState(classes=list(tallies.values()))
    for ch in characteristics:
        n = units_for(inspection, ch, samplings)
        tallies[ch.defect_class].expected += n
        state.expected += n
    defective_units: dict[str, set[int]] = {c: set() for c in tallies}
    for result in results:
        c = of_class.get(result.characteristic_id)
        if c is None:
            continue
        tallies[c].recorded += 1
        state.recorded += 1
        if result.defect:
            defective_units[c].add(result.unit)
    for c, tally in tallies.items():
        tally.defective = len(defective_units[c])
    if any(t.rejected for t in tallies.values()):
        state.outcome = Inspection.Verdict.REJECT
    elif state.expected and state.complete:
        state.outcome = Inspection.Verdict.ACCEPT
    return state


# --- sign-off and correction --------------------------------------------------------------------

#: What a signature of each verdict means, one whole sentence each (stored on the inspection).
SIGNATURE_MEANINGS = {
    Inspection.Verdict.ACCEPT: gettext_lazy("Inspected and found accepted"),
    Inspection.Verdict.REJECT: gettext_lazy("Inspected and found rejected"),
}


def signature_meaning(tenant, outcome: str) -> str:
    """The meaning a signature of ``outcome`` records, in the tenant's language: the signature is a record
    of the tenant, read by all its people (and its audit trail), whatever language the signer reads."""
    with translation.override(l10n.tenant_language(tenant)):
        return str(SIGNATURE_MEANINGS[outcome])


def sign_note(tenant, outcome: str) -> str:
    """What signing records, for the sign-off form (updated by recording.js as the verdict changes)."""
    if not outcome:
        return _(
            "Once the verdict is decided, signing records it with your name and the time; the inspection "
            "becomes read-only."
        )
    return _("Signing records “%(meaning)s” with your name and the time; the inspection becomes read-only.") % {
        "meaning": signature_meaning(tenant, outcome)
    }


@transaction.atomic
def inspection_sign(*, membership: Membership, inspection: Inspection, password: str) -> Inspection:
    """Sign the computed verdict: the signer re-enters their password (an electronic signature).

    Records who, when, the verdict and the meaning "Inspected and found <verdict>"; the inspection
    is read-only afterwards. Raises ``ValidationError`` for a wrong password (keyed ``password``),
    an inspection not in progress, or a verdict not decided yet; ``NotInScope``.
    """
    check_recorder(membership, inspection)
    inspection = _locked(inspection)
    _check_open(inspection)
    user = membership.user
    if not password or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password: the signature was not recorded.")})
    verdict = inspection_verdict(inspection)
    if not verdict.outcome:
        raise ValidationError(
            ngettext(
                "The verdict is not decided yet: %(count)s result still to record.",
                "The verdict is not decided yet: %(count)s results still to record.",
                verdict.missing,
            )
            % {"count": verdict.missing}
        )
    if inspection.status == Inspection.Status.WAITING:
        Inspection.lifecycle.move(inspection, "start", actor=user)
    inspection.verdict = verdict.outcome
    inspection.signed_by = user
    inspection.signed_at = timezone.now()
    inspection.signature_meaning = signature_meaning(inspection.tenant, verdict.outcome)
    Inspection.lifecycle.move(
        inspection,
        "sign",
        actor=user,
        changes={
            "verdict": ["", inspection.verdict],
            "signature_meaning": ["", inspection.signature_meaning],
            "defects": [None, {t.defect_class: t.defective for t in verdict.classes}],
        },
    )
    inspection.save(update_fields=["status", "verdict", "signed_by", "signed_at", "signature_meaning"])
    # ISO 2859-1 switching counts the original inspection's verdict (re-inspections and corrections aside).
    switching_after_sign(inspection=inspection, verdict=verdict)
    if inspection.verdict == Inspection.Verdict.REJECT:
        # A rejected lot opens its NCR, whichever inspection of it rejects it (original, re-inspection): once
        # per lot, so a correction signed rejected, or a re-inspection of a lot its NCR claims, finds it.
        from quality.services.ncrs import ncr_open_from_inspection

        ncr_open_from_inspection(inspection=inspection)
    return inspection


@transaction.atomic
def inspection_correct(*, membership: Membership, inspection: Inspection) -> Inspection:
    """Open a correction of a signed inspection: a new inspection of the same lot and sampling,
    ``corrects`` pointing at the signed one, with its current results copied to be changed and
    signed again. The signed one stays as it was. Raises ``ValidationError`` unless signed and not
    already corrected; ``NotInScope``."""
    check_recorder(membership, inspection)
    original = _locked(inspection)
    if original.status != Inspection.Status.SIGNED:
        if original.status in RECORDABLE:
            text = _("Only a signed inspection is corrected; this one is “%(status)s”: it can still be recorded.")
        else:
            text = _("Only a signed inspection is corrected; this one is “%(status)s”: there is nothing to correct.")
        raise ValidationError(text % {"status": original.get_status_display()})
    if Inspection.objects.filter(corrects=original).exists():
        raise ValidationError(_("This inspection already has a correction: correct the newest one."))
    from quality.services.dispositions import newest_of_lot

    newest = newest_of_lot(original)
    if newest is not None and newest.pk != original.pk:
        # A correction of an older inspection would speak for the lot beside the re-inspection: two
        # current inspections of one lot, counted twice and decidable from neither.
        raise ValidationError(
            _("This lot was inspected again since (#%(sequence)s, %(status)s): correct that inspection instead.")
            % {"sequence": newest.sequence, "status": newest.get_status_display()}
        )
    keep = {
        f.name: getattr(original, f.name)
        for f in Inspection._meta.concrete_fields
        if f.name
        not in {"id", "status", "verdict", "signed_by", "signed_at", "signature_meaning", "revision", "corrects"}
    }
    keep.pop("created_at")
    correction = Inspection.objects.create(
        **keep, status=Inspection.Status.IN_PROGRESS, revision=original.revision + 1, corrects=original
    )
    for sampling in original.samplings.all():
        sampling.pk = None
        sampling.inspection = correction
        sampling.save()
    for result in original.results.filter(superseded=False):
        # Derived from (correction, original row), never from the key: "copy-" + a 64-character key
        # cut to 64 collided after a few corrections of corrections.
        digest = hashlib.sha256(f"{correction.pk}:{result.pk}".encode()).hexdigest()[:40]
        result.pk = None
        result.inspection = correction
        result.client_key = f"copy-{digest}"
        result.save()
    Inspection.lifecycle.start(
        correction,
        actor=membership.user,
        action="inspection.correction_opened",
        changes={"corrects": [None, original.pk], "revision": [None, correction.revision]},
    )
    return correction


# --- photos -------------------------------------------------------------------------------------


@transaction.atomic
def photo_add(
    *,
    membership: Membership,
    inspection: Inspection,
    upload: UploadedFile,
    unit: int | None = None,
    characteristic: Characteristic | None = None,
    note: str = "",
) -> InspectionPhoto:
    """Attach a photo (JPEG or PNG, at most ``PHOTO_MAX_BYTES``) to the inspection or one of its units.

    Raises ``ValidationError`` (signed, too large, not an image, unit out of range) and ``NotInScope``.
    """
    check_recorder(membership, inspection)
    inspection = _locked(inspection)
    _check_open(inspection)
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {"photo": _("A photo may be at most %(mb)s MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}}
        )
    if characteristic is not None and characteristic.version_id != inspection.plan_version_id:
        raise ValidationError({"characteristic": _("This characteristic is not part of the inspection's plan.")})
    if unit is not None and not 1 <= unit <= (inspection.sample_size or 0):
        raise ValidationError({"unit": _("No such sample unit.")})
    content_type = image_type(upload)
    photo = InspectionPhoto(
        tenant_id=inspection.tenant_id,
        inspection=inspection,
        unit=unit,
        characteristic=characteristic,
        content_type=content_type,
        size=upload.size,
        note=(note or "").strip()[:200],
        uploaded_by=membership.user,
    )
    photo.file.save("photo", upload, save=False)
    photo.save()
    return photo
