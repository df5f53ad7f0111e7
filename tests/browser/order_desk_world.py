"""A tenant with something on every page: each role's pages show tables, badges, forms and empty states
as people see them at the order desk (made through the portal's own services)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, PullCursor, SyncDrift
from portal.demo import current_totp_code
from portal.models import Membership, Partner, Role, Tenant, User
from portal.services.invitations import invitation_create
from portal.services.tokens import token_create
from suppliers.models import CollaborationRules, PurchaseOrder
from suppliers.services.acknowledgements import LineAnswer, ack_submit
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from suppliers.services.po_messages import po_message_post
from tests.factories import (
    PASSWORD,
    PartnerFactory,
    ProductFactory,
    PurchaseOrderFactory,
    TenantFactory,
    UserFactory,
    member,
)
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages

ROLE_LOGINS = {
    Role.TENANT_ADMIN: "admin@acme.test",
    Role.BUYER: "buyer@acme.test",
    Role.QUALITY_ENGINEER: "quality@acme.test",
    Role.INSPECTOR: "inspector@acme.test",
    Role.SUPPLIER_ADMIN: "orders@nordic.test",
    Role.SUPPLIER_USER: "clerk@nordic.test",
}


@dataclass
class OrderDesk:
    tenant: Tenant
    nordic: Partner
    castings: Partner
    members: dict[str, Membership]
    to_acknowledge: PurchaseOrder
    awaiting_buyer: PurchaseOrder
    shipping: PurchaseOrder
    invitation_token: str


def _order(tenant, partner, name, odoo_id, lines, *, when, state="purchase"):
    return PurchaseOrderFactory(
        tenant=tenant,
        partner=partner,
        odoo_id=odoo_id,
        name=name,
        state=state,
        date_order=when - timedelta(days=20),
        date_approve=when - timedelta(days=19),
        date_planned=when,
        amount_total=sum(q * p for _, q, p in lines),
        currency_code="EUR",
        buyer_name="Bea Buyer",
        lines=[
            {"odoo_id": odoo_id * 10 + seq, "sequence": seq, "product": product, "quantity": qty, "price_unit": price}
            for seq, (product, qty, price) in enumerate(lines, start=1)
        ],
    )


def build_order_desk() -> OrderDesk:
    tenant = TenantFactory(name="Acme Manufacturing", slug="acme", accent_color="#0b6e4f")
    CollaborationRules.objects.create(tenant=tenant, gs1_company_prefix="0614141")
    nordic = PartnerFactory(tenant=tenant, name="Nordic Fasteners AB", email="orders@nordic.test")
    castings = PartnerFactory(tenant=tenant, name="Precision Castings Ltd")
    PartnerFactory(tenant=tenant, name="Old Foundry GmbH", is_active=False)
    people = {
        Role.TENANT_ADMIN: ("Ada", "Admin"),
        Role.BUYER: ("Bea", "Buyer"),
        Role.QUALITY_ENGINEER: ("Quinn", "Quality"),
        Role.INSPECTOR: ("Ivo", "Inspector"),
        Role.SUPPLIER_ADMIN: ("Sara", "Lind"),
        Role.SUPPLIER_USER: ("Carl", "Clerk"),
    }
    members = {}
    for role, email in ROLE_LOGINS.items():
        first, last = people[role]
        user = UserFactory(email=email, first_name=first, last_name=last)
        members[role] = member(
            tenant, role, nordic if role in (Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER) else None, user=user
        )
    # The supplier admin also works for a second customer: the tenant chooser has two cards.
    other = TenantFactory(name="Borealis Pumps", slug="borealis", accent_color="#ffd400")
    member(
        other,
        Role.SUPPLIER_ADMIN,
        PartnerFactory(tenant=other, name="Nordic Fasteners AB"),
        user=members[Role.SUPPLIER_ADMIN].user,
    )

    supplier = members[Role.SUPPLIER_ADMIN]
    token_create(actor=supplier, name="Nordic ERP connector", scopes=["po:read", "asn:read"], expires_in_days=90)
    invitation_create(actor=supplier, email="warehouse@nordic.test", role=Role.SUPPLIER_USER, partner=nordic)
    _, invitation_token = invitation_create(
        actor=members[Role.TENANT_ADMIN], email="new.buyer@acme.test", role=Role.BUYER, partner=None
    )

    soon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=14)
    resin = ProductFactory(
        tenant=tenant, odoo_id=58, default_code="LAB-LOT-001", name="Lot resin", tracking="lot", uom_name="kg"
    )
    sensor = ProductFactory(
        tenant=tenant, odoo_id=59, default_code="SER-100", name="Pressure sensor", tracking="serial", uom_name="Units"
    )
    bolt = ProductFactory(
        tenant=tenant, odoo_id=60, default_code="M8-BOLT-50", name="Hex bolt M8x50", tracking="none", uom_name="Units"
    )
    to_acknowledge = _order(tenant, nordic, "P00441", 441, [(resin, 10, 11), (bolt, 500, Decimal("2.24"))], when=soon)
    awaiting_buyer = _order(tenant, nordic, "P00442", 442, [(bolt, 1200, Decimal("2.10"))], when=soon)
    shipping = _order(tenant, nordic, "P00443", 443, [(resin, 20, 11), (sensor, 2, 90), (bolt, 300, 2)], when=soon)
    _order(tenant, castings, "P00450", 450, [(bolt, 40, 3)], when=soon - timedelta(days=30))
    _order(tenant, nordic, "P00399", 399, [(bolt, 10, 2)], when=soon - timedelta(days=60), state="cancel")

    ack_submit(
        membership=supplier,
        po_id=awaiting_buyer.pk,
        answers=[
            LineAnswer(
                line_id=awaiting_buyer.lines.get().pk,
                decision="change",
                promised_qty=Decimal("1000"),
                promised_date=(soon + timedelta(days=12)).date(),
            )
        ],
        supplier_ref="NF-SO-7781",
        comment="Zinc plating line is full until week 48.",
    )
    ack_submit(
        membership=supplier,
        po_id=shipping.pk,
        answers=[LineAnswer(line_id=line.pk) for line in shipping.lines.all()],
        supplier_ref="NF-SO-7790",
    )
    po_message_post(membership=supplier, po_id=to_acknowledge.pk, body="Can we ship the resin in two lots?")
    po_message_post(membership=members[Role.BUYER], po_id=to_acknowledge.pk, body="Yes, two lots are fine.")

    lines = {line.product_id: line for line in shipping.lines.all()}
    submitted = asn_create(membership=supplier, po_ids=[shipping.pk])
    asn_update(
        membership=supplier,
        asn_id=submitted.pk,
        header=asn_header(
            supplier,
            {
                "ship_date": timezone.localdate().isoformat(),
                "eta": (timezone.localdate() + timedelta(days=2)).isoformat() + "T09:30",
                "carrier": "DHL Freight",
                "tracking_number": "JD014600006281",
            },
        ),
        packages=asn_packages([{"kind": "pallet", "weight_kg": "310"}, {"kind": "carton", "weight_kg": "12.5"}]),
        lines=asn_lines(
            [
                {
                    "order_line": lines[resin.pk].pk,
                    "quantity": "20",
                    "items": [
                        {"lot_name": "LOT-A-2611-0001234567", "quantity": "12", "package": "1"},
                        {"lot_name": "LOT-B-2611-0007654321", "quantity": "8", "package": "2"},
                    ],
                },
                {
                    "order_line": lines[sensor.pk].pk,
                    "quantity": "2",
                    "items": [
                        {"lot_name": "SN-0001", "quantity": "1", "package": "2"},
                        {"lot_name": "SN-0002", "quantity": "1", "package": "2"},
                    ],
                },
                {"order_line": lines[bolt.pk].pk, "quantity": "300", "items": [{"quantity": "300", "package": "1"}]},
            ]
        ),
    )
    asn_submit(membership=supplier, asn_id=submitted.pk)
    draft = asn_create(membership=supplier, po_ids=[shipping.pk])
    asn_update(membership=supplier, asn_id=draft.pk, header=asn_header(supplier, {"carrier": "Schenker"}))

    # The sync monitor and the exception queue have something to show.
    failed = OutboxEvent.objects.filter(tenant=tenant).order_by("created_at").first()
    OutboxEvent.objects.filter(pk=failed.pk).update(
        status=EventStatus.DEAD,
        attempts=3,
        last_error="ValidationError: The operation cannot be completed: the PO is locked.",
        last_error_class="permanent: odoo.exceptions.ValidationError",
    )
    done = OutboxEvent.objects.filter(tenant=tenant).exclude(pk=failed.pk).order_by("created_at").first()
    OutboxEvent.objects.filter(pk=done.pk).update(status=EventStatus.DONE, delivered_at=timezone.now())
    SyncDrift.objects.create(
        tenant=tenant,
        event=OutboxEvent.objects.get(pk=done.pk),
        topic=done.topic,
        message="The receipt holds 4 kg of LOT-B-2611, the shipment announced 6 kg.",
        expected={"LOT-B-2611": 6},
        found={"LOT-B-2611": 4},
    )
    PullCursor.objects.create(
        tenant=tenant, model="purchase.order", write_date="2026-11-02 09:14:00", reached_at=timezone.now()
    )
    return OrderDesk(
        tenant=tenant,
        nordic=nordic,
        castings=castings,
        members=members,
        to_acknowledge=to_acknowledge,
        awaiting_buyer=awaiting_buyer,
        shipping=shipping,
        invitation_token=invitation_token,
    )


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the login page, with the authenticator's code when the role needs one."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.locator("input[name=code]").count():
        enter_totp(page, email)


def enter_totp(page, email: str) -> None:
    """Type the authenticator's code, as a person would: a code typed as its 30-second window
    closes is refused (allauth accepts the current window only), and the person types the next one."""
    user = User.objects.get(email=email)
    for _ in range(2):
        window = int(time.time()) // 30
        page.locator("input[name=code]").fill(current_totp_code(user))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if not page.locator("input[name=code]").count():
            return
        if int(time.time()) // 30 == window:  # refused within its own window: typing it again cannot help
            break
    raise AssertionError(f"The authenticator code of {email} was refused.")
