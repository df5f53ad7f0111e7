"""The API's scope matrix: one case per route and method, which ``test_api_scope_matrix.py`` runs and
``test_route_scopes.py`` holds against every route the API serves (a new endpoint without a case
fails there).

Each case makes records of partner P1 (tenant A) and says how to reach one of them; the test then
knocks with a P1 token holding every scope but the one needed (403), with tokens of another partner
of tenant A and of another tenant (404 on an object, or a list without P1's records), and finally
with a P1 token holding only the needed scope (the success path).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from suppliers.models import Acknowledgement, Asn, AsnItem, Certificate

from .conftest import bearer

V1 = "/api/v1"


@dataclass
class Knock:
    """One request at one of P1's records: the URL, a body (made afresh for each request: an upload
    is read once), the owner's text (in the owner's answer, in no intruder's), and a check that the
    refused requests changed nothing."""

    url: str
    body: Callable[[], Any] | None = None
    format: str = "json"
    markers: list[str] = field(default_factory=list)
    unchanged: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Door:
    scope: str
    prepare: Callable[[Any], Knock]  # api_world -> Knock
    owner_status: int = 200
    # 404 for another partner's object; a list answers 200 without P1's records; a create that
    # names P1's order is a 400 (an order it cannot see), creating nothing.
    intruder_status: int = 404


def _owner(world):
    return bearer(world.p1_secret)


def _acknowledged(world) -> dict:
    url = f"{V1}/purchase-orders/{world.po.pk}/acknowledgements/"
    answer = _owner(world).post(url, {"accept_all": True, "supplier_ref": "SO-77"}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def _draft(world, *, packed: bool = False) -> dict:
    """A draft shipment of P1's order; ``packed``: dated, its line in a carton, with a lot (ready to submit)."""
    body: dict[str, Any] = {"orders": [world.po.pk]}
    if packed:
        line = world.po.lines.get()
        body["ship_date"] = (date.today() + timedelta(days=1)).isoformat()
        body["eta"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        body["packages"] = [{"kind": "carton"}]
        body["lines"] = [
            {"order_line": line.pk, "quantity": "10", "items": [{"lot_name": "L-1", "quantity": "10", "package": "1"}]}
        ]
    answer = _owner(world).post(f"{V1}/asns/", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def _status_is(asn: dict, status: str) -> Callable[[], bool]:
    return lambda: Asn.objects.get(pk=asn["id"]).status == status


def _pdf(name: str = "coc-matrix.pdf") -> dict:
    upload = io.BytesIO(b"%PDF-1.4\n% certificate of conformance\n")
    upload.name = name
    return {"file": upload, "kind": "coc"}


def _certificate(world) -> tuple[dict, int]:
    asn = _draft(world, packed=True)
    answer = _owner(world).post(f"{V1}/asns/{asn['id']}/certificates/", _pdf(), format="multipart")
    assert answer.status_code == 201, answer.content
    return asn, answer.json()["id"]


def _po_list(world) -> Knock:
    return Knock(f"{V1}/purchase-orders/", markers=["P20001"])


def _po(world) -> Knock:
    return Knock(f"{V1}/purchase-orders/{world.po.pk}/", markers=["P20001"])


def _po_lines(world) -> Knock:
    return Knock(f"{V1}/purchase-orders/{world.po.name}/lines/", markers=["LAB-LOT-001"])


def _po_acknowledgements(world) -> Knock:
    _acknowledged(world)
    return Knock(f"{V1}/purchase-orders/{world.po.pk}/acknowledgements/", markers=["SO-77"])


def _po_acknowledge(world) -> Knock:
    return Knock(
        f"{V1}/purchase-orders/{world.po.pk}/acknowledgements/",
        body=lambda: {"accept_all": True, "supplier_ref": "SO-78"},
        markers=["SO-78"],
        unchanged=lambda: not Acknowledgement.objects.exists(),
    )


def _acknowledgement(world) -> Knock:
    return Knock(f"{V1}/acknowledgements/{_acknowledged(world)['id']}/", markers=["SO-77"])


def _asn_list(world) -> Knock:
    return Knock(f"{V1}/asns/", markers=[_draft(world)["number"]])


def _asn_create(world) -> Knock:
    return Knock(
        f"{V1}/asns/",
        body=lambda: {"orders": [world.po.pk]},
        markers=["P20001"],
        unchanged=lambda: not Asn.objects.exists(),
    )


def _asn(world) -> Knock:
    asn = _draft(world)
    return Knock(f"{V1}/asns/{asn['id']}/", markers=[asn["number"]])


def _asn_change(world) -> Knock:
    asn = _draft(world)
    return Knock(
        f"{V1}/asns/{asn['id']}/",
        body=lambda: {"carrier": "Kuehne"},
        markers=["Kuehne"],
        unchanged=lambda: Asn.objects.get(pk=asn["id"]).carrier == "",
    )


def _asn_submit(world) -> Knock:
    asn = _draft(world, packed=True)
    return Knock(
        f"{V1}/asns/{asn['id']}/submit/", body=lambda: {}, markers=[asn["number"]], unchanged=_status_is(asn, "draft")
    )


def _asn_cancel(world) -> Knock:
    asn = _draft(world)
    return Knock(
        f"{V1}/asns/{asn['id']}/cancel/",
        body=lambda: {"reason": "Truck broke down"},
        markers=[asn["number"]],
        unchanged=_status_is(asn, "draft"),
    )


def _asn_import(world) -> Knock:
    asn = _draft(world)

    def csv():
        upload = io.BytesIO(b"po,product_code,quantity,lot,package\nP20001,LAB-LOT-001,10,L-IMPORTED,1\n")
        upload.name = "lines.csv"
        return {"file": upload}

    return Knock(
        f"{V1}/asns/{asn['id']}/import/",
        body=csv,
        format="multipart",
        markers=["L-IMPORTED"],
        unchanged=lambda: not AsnItem.objects.filter(lot_name="L-IMPORTED").exists(),
    )


def _asn_labels(world) -> Knock:
    return Knock(f"{V1}/asns/{_draft(world, packed=True)['id']}/labels/", markers=["%PDF"])


def _asn_packing_slip(world) -> Knock:
    return Knock(f"{V1}/asns/{_draft(world, packed=True)['id']}/packing-slip/", markers=["%PDF"])


def _certificate_attach(world) -> Knock:
    asn = _draft(world, packed=True)
    return Knock(
        f"{V1}/asns/{asn['id']}/certificates/",
        body=_pdf,
        format="multipart",
        markers=["coc-matrix.pdf"],
        unchanged=lambda: not Certificate.objects.exists(),
    )


def _certificate_file(world) -> Knock:
    asn, certificate = _certificate(world)
    return Knock(f"{V1}/asns/{asn['id']}/certificates/{certificate}/", markers=["%PDF"])


def _certificate_remove(world) -> Knock:
    asn, certificate = _certificate(world)
    return Knock(
        f"{V1}/asns/{asn['id']}/certificates/{certificate}/",
        unchanged=lambda: Certificate.objects.filter(pk=certificate).exists(),
    )


def _outcome(world, **kw):
    """A signed inspection of P1's lot LOT-MATRIX, with one photo the engineer shared."""
    from tests.quality.outcomes import outcome

    return outcome(world.p1, lot="LOT-MATRIX", photos=(True,), **kw)


def _inspection_list(world) -> Knock:
    _outcome(world)
    return Knock(f"{V1}/inspections/", markers=["LOT-MATRIX"])


def _inspection(world) -> Knock:
    return Knock(f"{V1}/inspections/{_outcome(world).pk}/", markers=["LOT-MATRIX"])


def _inspection_photo(world) -> Knock:
    inspection = _outcome(world)
    photo = inspection.photos.get()
    return Knock(f"{V1}/inspections/{inspection.pk}/photos/{photo.pk}/", markers=["PNG"])


def _scar(world):
    """A SCAR issued to P1, titled so that an intruder's answer can be searched for it."""
    from quality.services.scars import scar_issue

    return scar_issue(membership=world.a_engineer, partner=world.p1, title="Burrs on MATRIX-SCAR brackets")


def _d1(name: str = "Ana Matrix") -> dict:
    return {"content": {"members": [{"name": name, "role": "Team leader"}]}}


def _evidence(name: str = "ppap-matrix.pdf") -> dict:
    upload = io.BytesIO(b"%PDF-1.4\n% revised control plan\n")
    upload.name = name
    return {"file": upload}


def _scar_list(world) -> Knock:
    _scar(world)
    return Knock(f"{V1}/scars/", markers=["MATRIX-SCAR"])


def _scar_detail(world) -> Knock:
    return Knock(f"{V1}/scars/{_scar(world).pk}/", markers=["MATRIX-SCAR"])


def _scar_answer(world) -> Knock:
    from quality.models import ScarAnswer

    return Knock(
        f"{V1}/scars/{_scar(world).pk}/steps/D1/answer/",
        body=_d1,
        markers=["Ana Matrix"],
        unchanged=lambda: not ScarAnswer.objects.filter(step__code="D1").exists(),
    )


def _scar_evidence_add(world) -> Knock:
    from quality.models import ScarEvidence

    return Knock(
        f"{V1}/scars/{_scar(world).pk}/steps/D6/evidence/",
        body=_evidence,
        format="multipart",
        markers=["ppap-matrix.pdf"],
        unchanged=lambda: not ScarEvidence.objects.exists(),
    )


def _scar_evidence_file(world) -> Knock:
    scar = _scar(world)
    url = f"{V1}/scars/{scar.pk}/steps/D6/evidence/"
    answer = _owner(world).post(url, _evidence(), format="multipart")
    assert answer.status_code == 201, answer.content
    return Knock(f"{url}{answer.json()['id']}/", markers=["revised control plan"])


def _scorecard(world) -> None:
    """P1's stored scorecard (what the batch run writes): a score and a month of figures to look for."""
    from datetime import date

    from django.utils import timezone

    from quality.models import PartnerScore, ScorecardPeriod

    month = date.today().replace(day=1)
    figure = {"value": "81.37", "score": "85.65", "target": "95", "weight": "25"}
    PartnerScore.objects.create(
        tenant=world.a, partner=world.p1, as_of=month, score="85.65", figures={"otd": figure},
        figures_12={"otd": figure}, computed_at=timezone.now(),
    )  # fmt: skip
    ScorecardPeriod.objects.create(
        tenant=world.a, partner=world.p1, month=month, inputs={"otd": {"lines": 7, "quantity": "1607"}},
        figures={"otd": "81.37"}, digest="0" * 40, computed_at=timezone.now(),
    )  # fmt: skip


def _scorecard_current(world) -> Knock:
    _scorecard(world)
    return Knock(f"{V1}/scorecards/", markers=["85.65", "81.37"])


def _scorecard_month(world) -> Knock:
    from datetime import date

    _scorecard(world)
    return Knock(f"{V1}/scorecards/{date.today():%Y-%m}/", markers=["81.37", "1607"])


MATRIX: dict[tuple[str, str], Door] = {
    (f"{V1}/purchase-orders/", "GET"): Door("po:read", _po_list, intruder_status=200),
    (f"{V1}/purchase-orders/{{id}}/", "GET"): Door("po:read", _po),
    (f"{V1}/purchase-orders/{{id}}/lines/", "GET"): Door("po:read", _po_lines),
    (f"{V1}/purchase-orders/{{id}}/acknowledgements/", "GET"): Door("po:read", _po_acknowledgements),
    (f"{V1}/purchase-orders/{{id}}/acknowledgements/", "POST"): Door(
        "po:acknowledge", _po_acknowledge, owner_status=201
    ),
    (f"{V1}/acknowledgements/{{id}}/", "GET"): Door("po:read", _acknowledgement),
    (f"{V1}/asns/", "GET"): Door("asn:read", _asn_list, intruder_status=200),
    (f"{V1}/asns/", "POST"): Door("asn:write", _asn_create, owner_status=201, intruder_status=400),
    (f"{V1}/asns/{{id}}/", "GET"): Door("asn:read", _asn),
    (f"{V1}/asns/{{id}}/", "PATCH"): Door("asn:write", _asn_change),
    (f"{V1}/asns/{{id}}/submit/", "POST"): Door("asn:write", _asn_submit),
    (f"{V1}/asns/{{id}}/cancel/", "POST"): Door("asn:write", _asn_cancel),
    (f"{V1}/asns/{{id}}/import/", "POST"): Door("asn:write", _asn_import),
    (f"{V1}/asns/{{id}}/labels/", "GET"): Door("asn:read", _asn_labels),
    (f"{V1}/asns/{{id}}/packing-slip/", "GET"): Door("asn:read", _asn_packing_slip),
    (f"{V1}/asns/{{id}}/certificates/", "POST"): Door("asn:write", _certificate_attach, owner_status=201),
    (f"{V1}/asns/{{id}}/certificates/{{certificate_id}}/", "GET"): Door("asn:read", _certificate_file),
    (f"{V1}/asns/{{id}}/certificates/{{certificate_id}}/", "DELETE"): Door(
        "asn:write", _certificate_remove, owner_status=204
    ),
    (f"{V1}/inspections/", "GET"): Door("quality:read", _inspection_list, intruder_status=200),
    (f"{V1}/inspections/{{id}}/", "GET"): Door("quality:read", _inspection),
    (f"{V1}/inspections/{{id}}/photos/{{photo_id}}/", "GET"): Door("quality:read", _inspection_photo),
    (f"{V1}/scars/", "GET"): Door("scar:respond", _scar_list, intruder_status=200),
    (f"{V1}/scars/{{id}}/", "GET"): Door("scar:respond", _scar_detail),
    (f"{V1}/scars/{{id}}/steps/{{code}}/answer/", "POST"): Door("scar:respond", _scar_answer, owner_status=201),
    (f"{V1}/scars/{{id}}/steps/{{code}}/evidence/", "POST"): Door("scar:respond", _scar_evidence_add, owner_status=201),
    (f"{V1}/scars/{{id}}/steps/{{code}}/evidence/{{evidence_id}}/", "GET"): Door("scar:respond", _scar_evidence_file),
    (f"{V1}/scorecards/", "GET"): Door("quality:read", _scorecard_current, intruder_status=200),
    (f"{V1}/scorecards/{{month}}/", "GET"): Door("quality:read", _scorecard_month),
}
