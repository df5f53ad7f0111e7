"""The simulated Odoo's command line: ``python -m integrations.odoo_sim --port 8069 --odoo-version 19.0``.

It stands for the tenant's own Odoo server, so it starts without Django: nothing
here (nor in the simulator's other modules, but ``process``, the tests' harness)
imports django or the portal's apps. Its state is kept per version in
``$PORTAL_VAR_DIR/odoo_sim-VERSION.sqlite3`` (``var/`` of the checkout when the
variable is unset, as the portal's settings do) unless ``--data`` names a file,
so switching versions never meets a database seeded for the other one.
``manage.py odoo_sim`` is the same command, reached through Django.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from integrations.odoo_sim import seed
from integrations.odoo_sim.callkw import languages_activate
from integrations.odoo_sim.db import Database
from integrations.odoo_sim.server import SimOdoo, make_server

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ("18.0", "19.0")
# What add_arguments defines (argparse's dest names): the alias passes these on and leaves Django's own.
OPTIONS = (
    "host",
    "port",
    "data",
    "odoo_version",
    "reset",
    "no_demo",
    "scale",
    "reception_steps",
    "modules",
    "languages",
)
DESCRIPTION = "Serve a simulated Odoo 18 or 19 (fields, behaviour and, on 19, JSON-2) over HTTP on loopback."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options, on ``parser`` (this module's own, or the ``manage.py odoo_sim`` alias's)."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument(
        "--data",
        default="",
        help="SQLite file that keeps the simulated database (default: var/odoo_sim-VERSION.sqlite3)",
    )
    parser.add_argument("--odoo-version", default="18.0", choices=VERSIONS)
    parser.add_argument("--reset", action="store_true", help="wipe the data file and seed it again")
    parser.add_argument("--no-demo", action="store_true", help="seed only what a fresh Odoo has")
    parser.add_argument("--scale", type=int, default=0, help="add N bulk purchase orders (about 5 lines each)")
    parser.add_argument("--reception-steps", default="three_steps", choices=["one_step", "two_steps", "three_steps"])
    parser.add_argument("--modules", default="", help="optional modules, comma separated (e.g. delivery)")
    parser.add_argument(
        "--languages",
        default="",
        help="languages active besides en_US, comma separated: fr_FR on 19, as recorded (default: en_US only)",
    )


def var_dir() -> Path:
    """Where the portal keeps its files: ``$PORTAL_VAR_DIR``, else ``var/`` of the checkout (as its settings say)."""
    return Path(os.environ.get("PORTAL_VAR_DIR", ROOT / "var"))


class SimStartError(Exception):
    """The data file holds a database of the other Odoo version (the message says how to start afresh)."""


def open_database(
    *,
    data: str,
    odoo_version: str,
    reset: bool,
    no_demo: bool,
    scale: int,
    reception_steps: str,
    modules: str,
) -> Database:
    """The simulated database in ``data`` (default per version under the var dir), seeded if new or ``reset``.

    Raises SimStartError when an existing file was seeded as the other version.
    """
    path = Path(data or var_dir() / f"odoo_sim-{odoo_version}.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
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
        raise SimStartError(
            f"{path} holds an Odoo {db.meta.get('version', '18.0')} database; use --reset to seed it as {odoo_version}"
        )
    return db


def serve(*, host: str, port: int, odoo_version: str, say=print, languages: str = "", **database) -> None:
    """Open (or seed) the database, say where the server listens, and serve until interrupted (Ctrl-C, SIGINT).

    ``database`` takes open_database's keywords; ``languages`` (comma separated) are activated besides en_US
    (SimStartError for one no recording shows); ``say`` writes the one line of greeting.
    """
    db = open_database(odoo_version=odoo_version, **database)
    if languages:
        try:
            languages_activate(db, int(float(odoo_version)), [code for code in languages.split(",") if code])
        except ValueError as exc:
            raise SimStartError(str(exc)) from exc
        db.save_all()
    sim = SimOdoo(db, version=odoo_version, database_name=seed.DATABASE)
    server = make_server(sim, host, port)
    say(
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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line) and serve; 0 after Ctrl-C, 1 when the data file does not fit."""
    parser = argparse.ArgumentParser(prog="python -m integrations.odoo_sim", description=DESCRIPTION)
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    # The portal's settings log at PORTAL_LOG_LEVEL to the console; without them, say the same here.
    logging.basicConfig(
        level=os.environ.get("PORTAL_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        serve(say=lambda line: print(line, flush=True), **options)
    except SimStartError as exc:
        parser.exit(1, f"{parser.prog}: {exc}\n")
    return 0
