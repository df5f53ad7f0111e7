"""The demo's quality path against the simulated Odoo: seeding, the first pull (backlog, no inspection), the
demo warehouse receiving the rest of NF-SO-5531 in Odoo (flow 3's calls), and the next pull opening the
lot's inspection sampled from the bracket's demo plan. Seeding and receiving again change nothing. The demo
warehouse also gives the demo's integration user the contact rights in the simulated Odoo (the walk-through's
SCAR notes land on a partner), and only in a simulator on this machine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.demo_warehouse import DEMO_LOT, NotPulledYet, demo_contact_rights_grant, demo_delivery_receive
from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.services.pull import tenant_pull
from integrations.tasks import demo_warehouse_task
from portal.demo import seed_demo
from portal.models import AuditEntry
from quality.demo import demo_bracket_plan
from quality.models import Characteristic, Inspection, InspectionPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(odoo_sim):
    """The demo tenant, seeded as ``make run`` seeds it, pointed at the test's simulated Odoo (reset)."""
    odoo_sim.control("reset")
    tenant, _ = seed_demo()
    tenant.odoo_url = odoo_sim.url
    tenant.save(update_fields=["odoo_url"])
    return tenant


def _lot_in_odoo(gw: OdooGateway) -> list[tuple[str, float]]:
    lots = gw.search_read("stock.lot", [["name", "=", DEMO_LOT]], ["product_id", "product_qty"])
    products = gw.read("product.product", [lt["product_id"][0] for lt in lots], ["default_code"])
    codes = {p["id"]: p["default_code"] for p in products}
    return [(codes[lt["product_id"][0]], lt["product_qty"]) for lt in lots]


def test_the_demo_receipt_opens_an_inspection_of_the_bracket_with_the_demo_plan(
    demo, django_capture_on_commit_callbacks
):
    # Before the first pull there is no product: the step does nothing, and the dock waits.
    assert demo_bracket_plan(demo) is None
    with pytest.raises(NotPulledYet):
        demo_delivery_receive(tenant=demo)

    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=demo)
    backlog = Inspection.objects.filter(tenant=demo)
    assert not backlog.exists()  # the first receipt of NF-SO-5531 is history

    gw = OdooGateway(demo.odoo_config())
    with django_capture_on_commit_callbacks(execute=True):
        received = demo_delivery_receive(tenant=demo, gateway=gw)
    assert received is not None
    assert gw.read("stock.picking", [received], ["state"])[0]["state"] == "done"
    assert _lot_in_odoo(gw) == [("ALU-BRKT-7", 100.0)]

    plan = InspectionPlan.objects.get(tenant=demo, product__default_code="ALU-BRKT-7")
    version = plan.versions.get()
    assert [(c.name, c.kind, c.defect_class) for c in version.characteristics.order_by("position")] == [
        ("Hole spacing", Characteristic.Kind.MEASURED, "major"),
        ("Finish (anodised, no scratches)", Characteristic.Kind.VISUAL, "minor"),
    ]
    assert AuditEntry.objects.filter(tenant=demo, action="inspection_plan.created", actor__email="quality@acme.example")

    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=demo)
    [inspection] = Inspection.objects.filter(tenant=demo)
    assert (inspection.lot_name, inspection.lot_size, inspection.product.default_code) == (
        DEMO_LOT,
        Decimal(100),
        "ALU-BRKT-7",
    )
    assert inspection.status == Inspection.Status.WAITING and inspection.plan_version == version
    assert inspection.partner.name == "Nordic Fasteners AB"
    samplings = {s.defect_class: (s.code_letter, s.sample_size, s.accept, s.reject) for s in inspection.samplings.all()}
    assert samplings == {"major": ("C", 5, 0, 1), "minor": ("B", 3, 0, 1)}

    # Seeding and receiving again: nothing more in Odoo or in the portal.
    seed_demo()
    assert demo_delivery_receive(tenant=demo, gateway=gw) is None
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=demo)
    assert InspectionPlan.objects.filter(tenant=demo).count() == 1
    assert Inspection.objects.filter(tenant=demo).count() == 1
    assert _lot_in_odoo(gw) == [("ALU-BRKT-7", 100.0)]


def test_the_queued_task_receives_then_pulls(demo, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=demo)
    with django_capture_on_commit_callbacks(execute=True):
        demo_warehouse_task.delay(demo.pk)
    [inspection] = Inspection.objects.filter(tenant=demo)
    assert inspection.lot_name == DEMO_LOT and inspection.plan_version is not None


def _note_on_nordic(gw: OdooGateway) -> int:
    return gw.message_post("res.partner", 11, body="demo note", message_type="comment", subtype_xmlid="mail.mt_note")


def test_the_demo_warehouse_gives_the_integration_user_the_contact_rights(demo, django_capture_on_commit_callbacks):
    gw = OdooGateway(demo.odoo_config())
    with pytest.raises(OdooPermanentError) as caught:
        _note_on_nordic(gw)  # the seeded integration user, as recorded: no contact rights
    assert caught.value.name == "odoo.exceptions.AccessError"
    with pytest.raises(NotPulledYet):
        demo_delivery_receive(tenant=demo)
    with pytest.raises(OdooPermanentError):
        _note_on_nordic(gw)  # not before the first pull: the dock waits, and so does the grant

    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=demo)
        demo_delivery_receive(tenant=demo, gateway=gw)
    note = _note_on_nordic(gw)
    assert gw.read("mail.message", [note], ["model", "res_id"])[0] == {"id": note, "model": "res.partner", "res_id": 11}


def test_the_grant_is_sent_to_a_simulator_on_this_machine_only(demo, monkeypatch, caplog):
    sent = []
    monkeypatch.setattr("integrations.demo_warehouse.httpx.post", lambda url, **kw: sent.append(url))
    demo.odoo_url = "https://odoo.acme.example"
    assert demo_contact_rights_grant(tenant=demo) is False and sent == []
    monkeypatch.undo()
    demo.odoo_url = "http://127.0.0.1:9"  # the discard port: no simulator listening
    assert demo_contact_rights_grant(tenant=demo) is False
    assert "did not grant the contact rights to integration" in caplog.text
