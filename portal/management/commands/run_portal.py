"""Start web server, Celery worker and beat together; Ctrl-C stops them all."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager

from portal.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Run the portal's processes (web, worker, beat) in the foreground."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument(
            "--odoo-port", type=int, default=8069, help="port of the simulated Odoo (0: do not start it)"
        )
        parser.add_argument("--odoo-version", default="19.0", choices=["18.0", "19.0"])

    def handle(
        self, *args, host: str, port: int, web_workers: int, odoo_port: int, odoo_version: str, **options
    ) -> None:
        bin_dir = os.path.dirname(sys.executable)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORTAL_BASE_URL": f"http://{host}:{port}"}
        manager = Manager()
        manager.add_process(
            "web",
            f"{bin_dir}/gunicorn portal.wsgi --bind {host}:{port} --workers {web_workers} --threads 4 "
            "--access-logfile - --graceful-timeout 5",
            env=env,
        )
        manager.add_process(
            "worker",
            f"{bin_dir}/celery -A portal worker -Q realtime,batch,default --concurrency 2 -l INFO",
            env=env,
        )
        manager.add_process("beat", f"{bin_dir}/celery -A portal beat -l INFO", env=env)
        if odoo_port:
            manager.add_process(
                "odoo",
                f"{bin_dir}/python {settings.BASE_DIR / 'manage.py'} odoo_sim --host 127.0.0.1 "
                f"--port {odoo_port} --odoo-version {odoo_version}",
                env=env,
            )

        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nSupplier & Quality Portal: {url}"))
        self.stdout.write(f"  database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        self.stdout.write(f"  broker:   {settings.CELERY_BROKER_URL.split('@')[-1]}")
        if odoo_port:
            self.stdout.write(
                f"  odoo:     simulated Odoo {odoo_version} on http://127.0.0.1:{odoo_port}/ (database 'sim')"
            )
        self.stdout.write(f"  demo logins (password {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            self.stdout.write(f"    {demo.email:<36} {demo.role}")
        self.stdout.write(f"  partner API: {url}api/v1/docs/ (the demo token is printed above, by seed_demo)")
        self.stdout.write(
            "  staff logins ask for a code: .venv/bin/python manage.py demo_totp EMAIL\n"
            "  Ctrl-C stops web server, worker and beat.\n"
        )
        manager.loop()
        sys.exit(manager.returncode)
