"""Trigram indexes for the order search (PostgreSQL only; SQLite, the embedded default, has none).

Django's ``icontains`` on PostgreSQL is ``UPPER(col::text) LIKE UPPER(%q%)``; GIN indexes with
pg_trgm on the same expressions let it find a product code among 200,000 lines without a scan.
Where the database user may not create the extension, the search still works, unindexed.
"""

from django.db import migrations

INDEXES = [
    ("po_line_description_trgm", "suppliers_purchaseorderline", "description"),
    ("po_line_vendor_code_trgm", "suppliers_purchaseorderline", "vendor_product_code"),
    ("po_name_trgm", "suppliers_purchaseorder", "name"),
    ("po_partner_ref_trgm", "suppliers_purchaseorder", "partner_ref"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in INDEXES:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0011_product_uses_expiry")]

    operations = [migrations.RunPython(create, drop)]
