"""Start web server, Celery worker and beat (and the simulated Odoo) and keep them running; Ctrl-C stops them all."""

from __future__ import annotations

import errno
import os
import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_PASSWORD, DEMO_USERS
from portal.supervisor import Supervisor


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (so a process started there would die at once)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


class Command(BaseCommand):
    help = "Run the portal's processes (web, worker, beat, simulated Odoo) in the foreground; restarts any that exits."

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
        self._refuse_taken_ports(host, port, odoo_port)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORTAL_BASE_URL": f"http://{host}:{port}"}
        supervisor = Supervisor(sys.stdout)
        self._add_portal(supervisor, env, host=host, port=port, web_workers=web_workers)
        if odoo_port:
            self._add_odoo(supervisor, env, odoo_port=odoo_port, odoo_version=odoo_version)
        self._print_banner(f"http://{host}:{port}/", odoo_port=odoo_port, odoo_version=odoo_version)
        sys.exit(supervisor.run())

    def _refuse_taken_ports(self, host: str, port: int, odoo_port: int) -> None:
        """CommandError if the web server's or the simulated Odoo's port is in use."""
        # Refuse at once, rather than restart a process that cannot bind, forever.
        for name, (where, number) in {"web server": (host, port), "simulated Odoo": ("127.0.0.1", odoo_port)}.items():
            if number and port_taken(where, number):
                raise CommandError(
                    f"port {number} on {where} ({name}) is in use: another run_portal? Stop it, or pass "
                    f"{'--port' if name == 'web server' else '--odoo-port'}."
                )

    def _add_portal(self, supervisor: Supervisor, env: dict, *, host: str, port: int, web_workers: int) -> None:
        """The portal's own processes: web server, Celery worker and beat."""
        bin_dir = os.path.dirname(sys.executable)
        supervisor.add(
            "web",
            [
                f"{bin_dir}/gunicorn",
                "portal.wsgi",
                *("--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4"),
                *("--access-logfile", "-", "--graceful-timeout", "5"),
                # gunicorn's default is ~/.gunicorn/gunicorn.ctl, shared by every gunicorn of the user.
                *("--control-socket", str(settings.VAR_DIR / "gunicorn.ctl")),
            ],
            env,
        )
        supervisor.add(
            "worker",
            [
                *(f"{bin_dir}/celery", "-A", "portal", "worker", "-Q", "realtime,batch,default"),
                *("--concurrency", "2", "-l", "INFO"),
                # One worker: nobody to gossip or synchronise with, and on the embedded broker each would
                # be more files to poll.
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            env,
        )
        supervisor.add("beat", [f"{bin_dir}/celery", "-A", "portal", "beat", "-l", "INFO"], env)

    def _add_odoo(self, supervisor: Supervisor, env: dict, *, odoo_port: int, odoo_version: str) -> None:
        """The simulated Odoo, on 127.0.0.1:``odoo_port``."""
        bin_dir = os.path.dirname(sys.executable)
        # It stands for the tenant's own Odoo: a separate server, started without the portal's settings
        # (found from the checkout, whatever the current directory; same var dir, from the environment).
        sim_env = {name: value for name, value in env.items() if name != "DJANGO_SETTINGS_MODULE"}
        sim_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH")]))
        supervisor.add(
            "odoo",
            [
                *(f"{bin_dir}/python", "-m", "integrations.odoo_sim", "--host", "127.0.0.1"),
                *("--port", str(odoo_port), "--odoo-version", odoo_version),
            ],
            sim_env,
        )

    def _print_banner(self, url: str, *, odoo_port: int, odoo_version: str) -> None:
        """Where everything runs, and the demo logins."""
        self.stdout.write(self.style.SUCCESS(f"\nSupplier & Quality Portal: {url}"))
        self.stdout.write(f"  database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        broker = settings.CELERY_BROKER_URL.split("@")[-1]
        if broker.startswith("filesystem://"):
            broker = f"embedded (folders in {settings.VAR_DIR / 'broker'})"
        self.stdout.write(f"  broker:   {broker}")
        if odoo_port:
            self.stdout.write(
                f"  odoo:     simulated Odoo {odoo_version} on http://127.0.0.1:{odoo_port}/ (database 'sim')"
            )
        self.stdout.write(f"  demo logins (password {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            self.stdout.write(f"    {demo.email:<36} {demo.role}{f' ({demo.language})' if demo.language else ''}")
        self.stdout.write(f"  partner API: {url}api/v1/docs/ (the demo token is printed above, by seed_demo)")
        self.stdout.write(
            "  staff logins ask for a code: .venv/bin/python manage.py demo_totp EMAIL\n"
            "  A process that exits is restarted (the others carry on); Ctrl-C stops them all.\n"
        )
