import json

from django.core.management.base import BaseCommand, CommandError

from integrations.services.connection import odoo_connection_check
from portal.models import Tenant


class Command(BaseCommand):
    help = "Check a tenant's Odoo connection now and print what was found (exit 1 when it fails)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug")

    def handle(self, *args, tenant: str, **options) -> None:
        row = Tenant.objects.filter(slug=tenant).first()
        if row is None:
            raise CommandError(f"no tenant {tenant!r}")
        result = odoo_connection_check(tenant=row)
        self.stdout.write(json.dumps(result, indent=2))
        if not result["ok"]:
            raise CommandError("the Odoo connection check failed")
