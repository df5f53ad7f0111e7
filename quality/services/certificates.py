"""The supplier's certificate values beside the measured ones, and when the two disagree.

A supplier's ASN may carry, per lot, the values of its certificate ("Hardness 42.5 HRC";
``suppliers.selectors.certificate_values_for``). The inspection matches them to its plan's measured
characteristics by name, case-insensitively, and flags a disagreement "beyond the characteristic's
tolerance band" (issue 12) as ``certificate_disagreement`` states it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg
from django.utils.translation import gettext as _

from portal import l10n
from quality.models import Characteristic, Inspection, InspectionResult
from suppliers.selectors import certificate_values_for


@dataclass(frozen=True)
class CertificateValue:
    """One certificate value matched to a measured characteristic of the plan.

    ``value`` in ``unit`` as the supplier wrote it; ``mean`` the mean of the inspection's current
    measurements of the characteristic (None before the first); ``disagreement`` the reason in
    words, or "" when the values agree (see ``certificate_disagreement``).
    """

    characteristic_id: int
    name: str
    value: Decimal
    unit: str
    mean: Decimal | None
    disagreement: str

    @property
    def disagrees(self) -> bool:
        return bool(self.disagreement)

    @property
    def value_text(self) -> str:
        """The value as written on paper: no exponent, no trailing zeros (10, not 1E+1)."""
        return _plain(self.value)


def _unit_key(unit: str) -> str:
    """A unit as written, without spaces and with the two micro signs (U+00B5, U+03BC) made one. Case is
    kept: it is part of SI symbols (mPa is a thousandth of a pascal, MPa a million; ms and Ms)."""
    return unicodedata.normalize("NFKC", unit).replace(" ", "").replace("\u00b5", "\u03bc")


def _same_unit(certificate_unit: str, characteristic: Characteristic) -> bool:
    """Units compared as written (``_unit_key``); an empty unit on either side is taken as the plan's."""
    mine, theirs = _unit_key(characteristic.unit), _unit_key(certificate_unit)
    return not mine or not theirs or mine == theirs


def certificate_disagreement(
    characteristic: Characteristic, value: Decimal, unit: str = "", mean: Decimal | None = None
) -> str:
    """Why the certificate's ``value`` (in ``unit``) disagrees with the inspection, or "" when it does not.

    The rule (issue 12: "flags a disagreement beyond the characteristic's tolerance band"), in order:

    - a unit other than the characteristic's (both given, compared ignoring spaces, case kept): the
      value cannot be compared, which is flagged, never silently passed;
    - the value lies outside the tolerance band [nominal + lower, nominal + upper] (limits
      inclusive, as for a measurement: ``quality.services.recording.is_defect``);
    - the value differs from ``mean``, the mean of the measured values, by more than the band's
      width (upper - lower tolerance). The certificate and the sample describe the same lot, so a
      gap wider than the whole band means one of them is not telling what the other saw. Without a
      measurement yet, or with a one-sided band (no width), only the band is checked.
    """
    if not _same_unit(unit, characteristic):
        return _("In %(unit)s, the plan measures in %(plan_unit)s: not comparable.") % {
            "unit": unit.strip(),
            "plan_unit": characteristic.unit,
        }
    low, high = characteristic.lower_limit, characteristic.upper_limit
    if low is not None and value < low:
        return _("Below the lower limit %(limit)s.") % {"limit": l10n.qty(low)}
    if high is not None and value > high:
        return _("Above the upper limit %(limit)s.") % {"limit": l10n.qty(high)}
    if mean is None or characteristic.lower_tolerance is None or characteristic.upper_tolerance is None:
        return ""
    width = characteristic.upper_tolerance - characteristic.lower_tolerance
    if abs(value - mean) > width:
        return _("Differs from the measured mean %(mean)s by more than the band's width %(width)s.") % {
            "mean": _plain(mean),
            "width": l10n.qty(width),
        }
    return ""


def _plain(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


def measured_means(inspection: Inspection) -> dict[int, Decimal]:
    """The mean of each characteristic's current (not superseded) measurements: ``{characteristic id: mean}``.

    One query; the report, which reads every result anyway, computes the same in Python.
    """
    rows = (
        InspectionResult.objects.filter(inspection=inspection, superseded=False, value__isnull=False)
        .values("characteristic_id")
        .annotate(mean=Avg("value"))
        .values_list("characteristic_id", "mean")
    )
    return {pk: Decimal(mean) for pk, mean in rows if mean is not None}


def certificate_values(
    inspection: Inspection, characteristics: list[Characteristic], means: dict[int, Decimal] | None = None
) -> dict[int, CertificateValue]:
    """The certificate values of ``inspection``'s lot for its measured ``characteristics``:
    ``{characteristic id: CertificateValue}``, names matched case-insensitively (spaces at the ends
    ignored). ``means``: as ``measured_means`` answers (read when not given).

    Empty for an untracked receipt line (no lot: a value cannot be tied to this delivery) and when
    the partner's shipments gave none. One query, two when ``means`` is read here.
    """
    measured = {c.name.strip().casefold(): c for c in characteristics if c.kind == Characteristic.Kind.MEASURED}
    if not inspection.lot_name or not measured:
        return {}
    given = certificate_values_for(inspection.tenant_id, inspection.partner, inspection.product, inspection.lot_name)
    found = {}
    for name, (value, unit) in given.items():
        characteristic = measured.get(name.strip().casefold())
        if characteristic is None:
            continue
        if means is None:
            means = measured_means(inspection)
        mean = means.get(characteristic.pk)
        found[characteristic.pk] = CertificateValue(
            characteristic_id=characteristic.pk,
            name=name,
            value=value,
            unit=unit,
            mean=mean,
            disagreement=certificate_disagreement(characteristic, value, unit, mean),
        )
    return found
