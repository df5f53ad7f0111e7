"""Pulling suppliers (``res.partner``): the vendors of the tenant's orders and receipts, archived ones too."""

from __future__ import annotations

from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from portal.models import Partner, Tenant

from .bulk import rows_upsert
from .cursor import PullResult, PullSpec, changed_rows, fingerprint

# What a pull writes on a partner it already holds; the portal's deactivation and ``created_at`` stay.
PARTNER_FIELDS = ("name", "ref", "email", "odoo_active", "odoo_write_date", "odoo_fingerprint")


def _partner_build(tenant: Tenant, row: dict) -> Partner:
    return Partner(
        tenant=tenant,
        odoo_id=row["id"],
        name=row["name"] or f"res.partner {row['id']}",
        ref=row["ref"] or "",
        email=row["email"] or "",
        # Archived in Odoo: still mirrored (its orders are), shown as archived, and its people and
        # tokens lose access (Partner.is_active is computed from this and the portal's deactivation).
        odoo_active=bool(row.get("active", True)),
        odoo_write_date=row.get("write_date") or "",
        odoo_fingerprint=fingerprint(row) if "write_date" in row else "",
    )


def _commercial(row: dict) -> int:
    """The company a partner belongs to (itself when it is one)."""
    return row["commercial_partner_id"][0] if row["commercial_partner_id"] else row["id"]


def upsert_partners(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Mirror a page of ``res.partner`` rows; contact persons are skipped (the company is the supplier)."""
    held = dict(
        Partner.objects.filter(tenant=tenant, odoo_id__in=[r["id"] for r in rows]).values_list(
            "odoo_id", "odoo_fingerprint"
        )
    )
    # Contact persons are skipped: the company is the supplier.
    companies = [
        _partner_build(tenant, row) for row in changed_rows(held, rows, result) if _commercial(row) == row["id"]
    ]
    rows_upsert(Partner, companies, update_fields=PARTNER_FIELDS)
    result.rows_written += len(companies)


def vendors_for(tenant: Tenant, gateway: OdooGateway, partner_ids: set[int], result: PullResult) -> dict[int, Partner]:
    """The supplier (commercial entity) of each partner an order or receipt points to, mirrored with
    its name, reference and e-mail whatever its ``supplier_rank`` (Odoo raises the rank only when a
    vendor bill is posted) and whether or not it is archived. One read, two when contacts point to
    companies not yet mirrored."""
    found = {p.odoo_id: p for p in Partner.objects.filter(tenant=tenant, odoo_id__in=partner_ids)}
    unknown = sorted(set(partner_ids) - set(found))
    if not unknown:
        return found
    fields = ["write_date", *pull_fields(gateway.dialect.series, "res.partner")]
    rows = gateway.read("res.partner", unknown, fields)
    result.calls += 1
    commercial_of = {r["id"]: _commercial(r) for r in rows}
    companies = {r["id"]: r for r in rows if commercial_of[r["id"]] == r["id"]}
    parents = sorted(set(commercial_of.values()) - set(companies))
    known_parents = {p.odoo_id: p for p in Partner.objects.filter(tenant=tenant, odoo_id__in=parents)}
    to_read = [pid for pid in parents if pid not in known_parents]
    if to_read:
        companies.update({r["id"]: r for r in gateway.read("res.partner", to_read, fields)})
        result.calls += 1
    rows_upsert(Partner, [_partner_build(tenant, row) for row in companies.values()], update_fields=PARTNER_FIELDS)
    # Odoo no longer has it: keep the order's label rather than lose the order.
    gone = [pid for pid in unknown if commercial_of.get(pid, pid) not in known_parents | companies]
    Partner.objects.bulk_create(
        [Partner(tenant=tenant, odoo_id=pid, name=f"res.partner {pid}") for pid in gone], ignore_conflicts=True
    )
    written = set(companies) | set(gone)
    known_parents.update({p.odoo_id: p for p in Partner.objects.filter(tenant=tenant, odoo_id__in=written)})
    for pid in unknown:
        found[pid] = known_parents[commercial_of.get(pid, pid)]
    return found


def _vendor_domain(tenant: Tenant) -> list:
    """Partners to keep up to date: those with a vendor rank and every one the mirror holds
    (found through orders), archived ones included."""
    held = list(Partner.objects.filter(tenant=tenant).values_list("odoo_id", flat=True))
    who = ["|", ["supplier_rank", ">", 0], ["id", "in", sorted(held)]] if held else [["supplier_rank", ">", 0]]
    return [["active", "in", [True, False]], *who]


PARTNERS = PullSpec("res.partner", upsert_partners, domain=_vendor_domain)
