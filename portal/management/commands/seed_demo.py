from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo tenant, two suppliers and one user per role (idempotent); prints the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check-odoo", action="store_true", help="queue a check of the demo tenant's Odoo and a first pull from it"
        )

    def handle(self, *args, **options) -> None:
        tenant, users = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo tenant '{tenant.name}' (/t/{tenant.slug}/) is ready."))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for demo in users:
            self.stdout.write(f"  {demo.email:<36} {demo.role}{f' ({demo.language})' if demo.language else ''}")
        self.stdout.write(
            "Staff logins ask for a two-factor code: `python manage.py demo_totp EMAIL` prints the current one."
        )
        from django.conf import settings

        from portal.demo import demo_api_token

        secret = demo_api_token(tenant)
        self.stdout.write(f"API ({settings.PORTAL_BASE_URL}/api/v1/docs/), token of Nordic Fasteners' ERP: {secret}")
        orders_url = f"{settings.PORTAL_BASE_URL}/api/v1/purchase-orders/"
        self.stdout.write(f"  curl -H 'Authorization: Bearer {secret}' {orders_url}")
        if options["check_odoo"]:
            from integrations.tasks import (
                demo_scorecards_task,
                demo_warehouse_task,
                odoo_connection_check_task,
                pull_tenant_task,
            )

            # Run once the worker and the simulated Odoo that run_portal starts are up.
            odoo_connection_check_task.apply_async((tenant.pk,), countdown=8)
            pull_tenant_task.apply_async((tenant.pk,), countdown=10)
            # Then the demo's dock receives the rest of NF-SO-5531 in Odoo: a lot to inspect (it waits
            # for the first pull, so the receipt is news, not backlog).
            demo_warehouse_task.apply_async((tenant.pk,), countdown=20)
            # A year of scorecard history (quality.demo_scorecards), once the first pull brought the products.
            demo_scorecards_task.apply_async((tenant.pk,), countdown=25)
