"""Pulling products (``product.product``) and the suppliers' own codes for them (``product.supplierinfo``)."""

from __future__ import annotations

from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from portal.models import Tenant
from suppliers.models import Product

from .bulk import rows_upsert
from .cursor import PullResult, PullSpec, changed_rows, fingerprint

# Every field of a product is Odoo's.
PRODUCT_FIELDS = ("default_code", "name", "tracking", "uom_name", "uses_expiry", "odoo_write_date", "odoo_fingerprint")


def upsert_products(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Mirror a page of ``product.product`` rows (code, name, tracking, unit, expiry flag)."""
    held = dict(
        Product.objects.filter(tenant=tenant, odoo_id__in=[r["id"] for r in rows]).values_list(
            "odoo_id", "odoo_fingerprint"
        )
    )
    products = [
        Product(
            tenant=tenant,
            odoo_id=row["id"],
            default_code=row["default_code"] or "",
            name=row["name"],
            tracking=row["tracking"] or "none",
            uom_name=row["uom_id"][1] if row["uom_id"] else "",
            uses_expiry=bool(row.get("use_expiration_date")),
            odoo_write_date=row["write_date"],
            odoo_fingerprint=fingerprint(row),
        )
        for row in changed_rows(held, rows, result)
    ]
    rows_upsert(Product, products, update_fields=PRODUCT_FIELDS)
    result.rows_written += len(products)


def products_for(tenant: Tenant, gateway: OdooGateway, lines: list[dict], result: PullResult) -> dict[int, Product]:
    """The mirrored product of each ``product_id`` of ``lines`` (order lines or receipt moves); those
    not mirrored yet (not purchasable any more, say) are read and mirrored now, in one call."""
    wanted = {line["product_id"][0] for line in lines if line["product_id"]}
    known = {p.odoo_id: p for p in Product.objects.filter(tenant=tenant, odoo_id__in=wanted)}
    missing = sorted(wanted - set(known))
    if missing:
        rows = gateway.read("product.product", missing, PRODUCTS.fields(gateway))
        result.calls += 1
        upsert_products(tenant, gateway, rows, PullResult(model="product.product"))
        known.update({p.odoo_id: p for p in Product.objects.filter(tenant=tenant, odoo_id__in=missing)})
    return known


def vendor_codes(
    gateway: OdooGateway, lines: list[dict], order_partner: dict[int, int], result: PullResult
) -> dict[tuple[int, int], str]:
    """The supplier's own product codes (product.supplierinfo), by (vendor, product): two calls a page.

    ``order_partner`` maps each order of ``lines`` to its vendor. The first code Odoo lists for the
    variant, or for its template when it names no variant, is the one kept.
    """
    product_ids = sorted({line["product_id"][0] for line in lines if line["product_id"]})
    vendors = sorted(set(order_partner.values()))
    if not product_ids or not vendors:
        return {}
    series = gateway.dialect.series
    templates = {
        row["id"]: row["product_tmpl_id"][0]
        for row in gateway.read("product.product", product_ids, pull_fields(series, "product.product:template"))
        if row.get("product_tmpl_id")
    }
    infos = gateway.search_read(
        "product.supplierinfo",
        [["partner_id", "in", vendors], ["product_tmpl_id", "in", sorted(set(templates.values()))]],
        pull_fields(series, "product.supplierinfo"),
    )
    result.calls += 2
    codes: dict[tuple[int, int], str] = {}
    for info in infos:
        if not info.get("product_code") or not info.get("partner_id"):
            continue
        for product_id, template_id in templates.items():
            variant = info["product_id"][0] if info.get("product_id") else None
            if (variant == product_id) or (
                variant is None and info["product_tmpl_id"] and info["product_tmpl_id"][0] == template_id
            ):
                codes.setdefault((info["partner_id"][0], product_id), info["product_code"])
    return codes


PRODUCTS = PullSpec("product.product", upsert_products, domain=[["purchase_ok", "=", True]])
