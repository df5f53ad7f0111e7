"""factory_boy factories for the supplier side: products, purchase orders, receipts and shipment notices (ASNs).

Rows Odoo owns (products, POs, receipts) get an Odoo id from a sequence that no
hand-picked id of a test reaches, and belong to the tenant of the partner (or
order, or receipt) they hang on. What the portal owns (ASNs) is better made
through its services (``asn_create``, ``asn_update``) when the test is about
behaviour; these factories are for the rows a test only needs to exist.
"""

from __future__ import annotations

import factory

from suppliers.models import (
    Acknowledgement,
    Asn,
    AsnItem,
    AsnLine,
    Package,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptMove,
)

from .portal import PartnerFactory, TenantFactory, UserFactory


class ProductFactory(factory.django.DjangoModelFactory):
    """A product of the tenant's Odoo; asked again with the same tenant and Odoo id, the existing row."""

    class Meta:
        model = Product
        django_get_or_create = ("tenant", "odoo_id")  # as the pull, which keys products on their Odoo id

    tenant = factory.SubFactory(TenantFactory)
    odoo_id = factory.Sequence(lambda n: 70_000 + n)
    default_code = factory.Sequence(lambda n: f"PRD-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    tracking = Product.Tracking.NONE
    uom_name = "Units"


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    """A confirmed PO with goods still to come (state ``purchase``, receipt ``pending``), named as Odoo names it.

    ``lines=[{...}, ...]`` adds a line per dict (PurchaseOrderLineFactory's fields); their Odoo ids are the
    order's times ten plus their index unless given, as Odoo's own demo numbering reads.
    """

    class Meta:
        model = PurchaseOrder
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    tenant = factory.LazyAttribute(lambda po: po.partner.tenant)
    odoo_id = factory.Sequence(lambda n: 5_000 + n)
    name = factory.LazyAttribute(lambda po: f"P{po.odoo_id:05d}")
    state = PurchaseOrder.State.PURCHASE
    receipt_status = PurchaseOrder.ReceiptStatus.PENDING

    @factory.post_generation
    def lines(po, create, extracted, **kwargs):
        make = PurchaseOrderLineFactory.create if create else PurchaseOrderLineFactory.build
        for index, fields in enumerate(extracted or ()):
            make(**{"odoo_id": po.odoo_id * 10 + index, **fields}, order=po)


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    """A PO line of 100 units, expected when its order is, with a product of the order's tenant."""

    class Meta:
        model = PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    tenant = factory.LazyAttribute(lambda line: line.order.tenant)
    odoo_id = factory.Sequence(lambda n: 900_000 + n)
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))
    description = factory.LazyAttribute(
        lambda line: f"[{line.product.default_code}] {line.product.name}" if line.product else "Goods"
    )
    quantity = 100
    uom_name = factory.LazyAttribute(lambda line: line.product.uom_name if line.product else "Units")
    date_planned = factory.LazyAttribute(lambda line: line.order.date_planned)


class ReceiptFactory(factory.django.DjangoModelFactory):
    """An incoming receipt of Odoo for an order, ready to receive (``assigned``), named as Odoo names it."""

    class Meta:
        model = Receipt

    order = factory.SubFactory(PurchaseOrderFactory)
    partner = factory.LazyAttribute(lambda receipt: receipt.order.partner)
    tenant = factory.LazyAttribute(lambda receipt: receipt.partner.tenant)
    odoo_id = factory.Sequence(lambda n: 3_000 + n)
    name = factory.LazyAttribute(lambda receipt: f"WH/IN/{receipt.odoo_id:05d}")
    state = Receipt.State.ASSIGNED
    scheduled_date = factory.LazyAttribute(lambda receipt: receipt.order.date_planned)


class ReceiptMoveFactory(factory.django.DjangoModelFactory):
    """One PO line on a receipt: all of it expected, nothing done yet."""

    class Meta:
        model = ReceiptMove

    receipt = factory.SubFactory(ReceiptFactory)
    tenant = factory.LazyAttribute(lambda move: move.receipt.tenant)
    order_line = factory.SubFactory(PurchaseOrderLineFactory, order=factory.SelfAttribute("..receipt.order"))
    product = factory.LazyAttribute(lambda move: move.order_line.product)
    odoo_id = factory.Sequence(lambda n: 30_000 + n)
    quantity_expected = factory.LazyAttribute(lambda move: move.order_line.quantity)
    quantity_done = 0
    state = "assigned"


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    """Version 1 of a supplier's answer to an order, accepted as is (lines: AcknowledgementLine rows, if needed)."""

    class Meta:
        model = Acknowledgement

    order = factory.SubFactory(PurchaseOrderFactory)
    tenant = factory.LazyAttribute(lambda ack: ack.order.tenant)
    version = 1
    status = Acknowledgement.Status.ACCEPTED
    created_by = factory.SubFactory(UserFactory)


class AsnFactory(factory.django.DjangoModelFactory):
    """A draft ASN of a partner, numbered apart from the tenant's counter; ``orders=[po, ...]`` adds its orders."""

    class Meta:
        model = Asn
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    tenant = factory.LazyAttribute(lambda asn: asn.partner.tenant)
    number = factory.Sequence(lambda n: f"ASN-{90_000 + n:05d}")
    status = Asn.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def orders(asn, create, extracted, **kwargs):
        if create and extracted:
            asn.orders.add(*extracted)


class AsnLineFactory(factory.django.DjangoModelFactory):
    """A quantity of a PO line of the ASN's partner (its order joins the ASN's orders)."""

    class Meta:
        model = AsnLine
        skip_postgeneration_save = True

    asn = factory.SubFactory(AsnFactory)
    tenant = factory.LazyAttribute(lambda line: line.asn.tenant)
    order_line = factory.SubFactory(PurchaseOrderLineFactory, order__partner=factory.SelfAttribute("...asn.partner"))
    quantity = factory.LazyAttribute(lambda line: line.order_line.quantity)
    uom_name = factory.LazyAttribute(lambda line: line.order_line.uom_name)

    @factory.post_generation
    def joins_its_order(line, create, extracted, **kwargs):
        if create:
            line.asn.orders.add(line.order_line.order)


class PackageFactory(factory.django.DjangoModelFactory):
    """A carton of an ASN, not numbered yet (an SSCC is given when it first holds something)."""

    class Meta:
        model = Package

    asn = factory.SubFactory(AsnFactory)
    tenant = factory.LazyAttribute(lambda package: package.asn.tenant)
    kind = Package.Kind.CARTON


class AsnItemFactory(factory.django.DjangoModelFactory):
    """All of an ASN line's quantity, without lot, in no package unless given one."""

    class Meta:
        model = AsnItem

    line = factory.SubFactory(AsnLineFactory)
    asn = factory.LazyAttribute(lambda item: item.line.asn)
    tenant = factory.LazyAttribute(lambda item: item.line.tenant)
    quantity = factory.LazyAttribute(lambda item: item.line.quantity)
