"""The supplier's certificate values beside the measured ones (quality.services.certificates): the
disagreement rule cell by cell, the matching by name, and the inspection page that shows both."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from quality.models import Characteristic
from quality.services.certificates import certificate_disagreement, certificate_values
from suppliers.models import Asn, AsnItemValue
from tests.conftest import login
from tests.factories import AsnItemFactory, AsnLineFactory
from tests.quality.test_recording import make_inspection, record

D = Decimal
# 10 mm -0.1/+0.2: the band is [9.9, 10.2], 0.3 wide.
LENGTH = Characteristic(
    kind=Characteristic.Kind.MEASURED, nominal=D("10"), lower_tolerance=D("-0.1"), upper_tolerance=D("0.2"), unit="mm"
)
UPPER_ONLY = Characteristic(
    kind=Characteristic.Kind.MEASURED, nominal=D("5"), lower_tolerance=None, upper_tolerance=D("0.5"), unit="HRC"
)


@pytest.mark.parametrize(
    ("characteristic", "value", "unit", "mean", "says"),
    [
        (LENGTH, "10.05", "mm", "10.02", ""),  # inside the band, near the sample
        (LENGTH, "10.2", "mm", "10.2", ""),  # on the upper limit: limits are good
        (LENGTH, "9.9", "", None, ""),  # on the lower limit, no unit written, nothing measured yet
        (LENGTH, "9.89", "mm", "9.95", "Below the lower limit 9.9."),
        (LENGTH, "10.21", "mm", None, "Above the upper limit 10.2."),
        (LENGTH, "10.15", "mm", "9.84", "by more than the band's width 0.3"),  # 0.31 off the sample's mean
        (LENGTH, "10.15", "mm", "9.85", ""),  # exactly the band's width off: not beyond it
        (LENGTH, "10.05", " m m ", "10.05", ""),  # units compared ignoring spaces
        (LENGTH, "10.05", "MM", "10.05", "In MM, the plan measures in mm: not comparable."),  # case is SI's
        (UPPER_ONLY, "4", "hrc", "5.4", "In hrc, the plan measures in HRC: not comparable."),
        (LENGTH, "0.4", "in", "10.05", "In in, the plan measures in mm: not comparable."),
        (UPPER_ONLY, "4", "HRC", "5.4", ""),  # one-sided band: no width, only the limit counts
        (UPPER_ONLY, "5.6", "HRC", "5.4", "Above the upper limit 5.5."),
    ],
)
def test_the_disagreement_rule(characteristic, value, unit, mean, says):
    found = certificate_disagreement(characteristic, D(value), unit, None if mean is None else D(mean))
    assert (says in found) if says else found == ""
    assert bool(found) == bool(says)


def certify(inspection, values: dict[str, tuple[str, str]], *, status=Asn.Status.SUBMITTED, lot=None):
    """A shipment of the inspection's partner carrying the lot, with certificate values ``{name: (value, unit)}``."""
    line = AsnLineFactory(asn__partner=inspection.partner, asn__status=status, order_line__product=inspection.product)
    Asn.objects.filter(pk=line.asn_id).update(submitted_at=timezone.now())
    item = AsnItemFactory(line=line, lot_name=lot or inspection.lot_name)
    for name, (value, unit) in values.items():
        AsnItemValue.objects.create(tenant=item.tenant, item=item, name=name, value=D(value), unit=unit)
    return item


@pytest.mark.django_db
def test_values_are_matched_by_name_to_measured_characteristics_of_this_lot(world):
    inspection, length, finish = make_inspection(world.p1, lot="LOT-C1")
    certify(inspection, {"LENGTH ": ("10.05", "mm"), "Finish": ("1", ""), "Hardness": ("40", "HRC")})
    certify(inspection, {"Length": ("12", "mm")}, lot="OTHER-LOT")  # another lot's certificate
    certify(inspection, {"Length": ("13", "mm")}, status=Asn.Status.DRAFT)  # a draft says nothing yet
    found = certificate_values(inspection, [length, finish])
    assert list(found) == [length.pk]  # the visual check takes no value; Hardness is not in the plan
    assert found[length.pk].value == D("10.05") and found[length.pk].value_text == "10.05"
    assert not found[length.pk].disagrees and found[length.pk].mean is None
    record(world.a_inspector, inspection, 1, length, "k1", value=D("9.7"))
    record(world.a_inspector, inspection, 2, length, "k2", value=D("9.7"))
    again = certificate_values(inspection, [length, finish])[length.pk]
    assert again.mean == D("9.7") and again.disagrees and "measured mean 9.7" in again.disagreement


@pytest.mark.django_db
def test_the_page_shows_the_certificate_value_and_flags_a_disagreement(client, world):
    inspection, _length, _finish = make_inspection(world.p1, lot="LOT-C2")
    login(client, world.a_inspector)
    url = reverse("inspection_detail", args=["alpha", inspection.pk])
    assert "Supplier's certificate" not in client.get(url).content.decode()  # no shipment carried values
    certify(inspection, {"length": ("10.25", "mm")})
    html = client.get(url).content.decode()
    assert "Supplier's certificate: 10.25 mm" in html
    assert "Disagrees: Above the upper limit 10.2." in html
    assert 'href="{}"'.format(reverse("inspection_report", args=["alpha", inspection.pk])) in html
