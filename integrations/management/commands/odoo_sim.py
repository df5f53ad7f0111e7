"""Run the simulated Odoo: ``manage.py odoo_sim --port 8069 --odoo-version 19.0``.

Its state is kept per version (``var/odoo_sim-19.0.sqlite3`` unless ``--data``
names a file), so switching versions never meets a database seeded for the
other one.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.odoo_sim import seed
from integrations.odoo_sim.db import Database
from integrations.odoo_sim.server import SimOdoo, make_server


class Command(BaseCommand):
    help = "Serve a simulated Odoo 18 or 19 (fields, behaviour and, on 19, JSON-2) over HTTP on loopback."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8069)
        parser.add_argument(
            "--data",
            default="",
            help="SQLite file that keeps the simulated database (default: var/odoo_sim-VERSION.sqlite3)",
        )
        parser.add_argument("--odoo-version", default="18.0", choices=["18.0", "19.0"])
        parser.add_argument("--reset", action="store_true", help="wipe the data file and seed it again")
        parser.add_argument("--no-demo", action="store_true", help="seed only what a fresh Odoo has")
        parser.add_argument("--scale", type=int, default=0, help="add N bulk purchase orders (about 5 lines each)")
        parser.add_argument(
            "--reception-steps", default="three_steps", choices=["one_step", "two_steps", "three_steps"]
        )
        parser.add_argument("--modules", default="", help="optional modules, comma separated (e.g. delivery)")

    def handle(
        self,
        *args,
        host: str,
        port: int,
        data: str,
        odoo_version: str,
        reset: bool,
        no_demo: bool,
        scale: int,
        reception_steps: str,
        modules: str,
        **options,
    ) -> None:
        path = Path(data or Path(settings.VAR_DIR) / f"odoo_sim-{odoo_version}.sqlite3")
        fresh = reset or not path.exists()
        if reset and path.exists():
            path.unlink()
        db = Database(path)
        if fresh:
            seed.seed(
                db,
                demo=not no_demo,
                scale=scale,
                reception_steps=reception_steps,
                modules=[m for m in modules.split(",") if m],
                version=odoo_version,
            )
            db.save_all()
        elif db.meta.get("version", "18.0") != odoo_version:
            raise CommandError(
                f"{path} holds an Odoo {db.meta.get('version', '18.0')} database; "
                f"use --reset to seed it as {odoo_version}"
            )
        sim = SimOdoo(db, version=odoo_version, database_name=seed.DATABASE)
        server = make_server(sim, host, port)
        self.stdout.write(
            f"Simulated Odoo {odoo_version} on http://{host}:{port}/ database '{seed.DATABASE}', "
            f"login '{seed.INTEGRATION_LOGIN}' / '{seed.INTEGRATION_PASSWORD}'"
            + (f", API key '{seed.INTEGRATION_API_KEY}'" if float(odoo_version) >= 19 else "")
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
