"""Shared parts of the sync benchmark (bench/sync_bench.py): environment, database, tenants, measures."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_portal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
os.environ.setdefault("PORTAL_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")

# The engine's one line per batch (issue 15, contract part A); absent from engines without batches.
BATCH_LINE = re.compile(r"delivery-batch (?P<fields>.*)$")
BATCH_KEYS = (
    "events",
    "done",
    "retry",
    "dead",
    "odoo_calls",
    "odoo_ms",
    "odoo_sum_ms",
    "claim_ms",
    "finish_ms",
    "total_ms",
)


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it is missing (SQLite: nothing to do)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    """Create the database if needed, set Django up and migrate."""
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0-100) of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_tenant(sim, slug: str, *, pull: bool = True):
    """A tenant on the simulated Odoo ``sim`` (JSON-RPC, the integration user), first pulled when ``pull``."""
    from integrations.services.pull import tenant_pull
    from portal.models import Tenant

    tenant = Tenant.objects.create(
        name=slug, slug=slug, odoo_url=sim.url, odoo_database="sim", odoo_login="integration", odoo_transport="jsonrpc"
    )
    tenant.odoo_password = "integration"
    tenant.save()
    if pull:
        tenant_pull(tenant=tenant)
    return tenant


def rpc_calls(stats: dict[str, int]) -> int:
    """Calls in the simulator's ``stats`` ("model.method" -> count) without the logins (res.users)."""
    return sum(n for key, n in stats.items() if not key.startswith("res.users"))


def process_group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of process group ``pgid``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def vm_hwm_mb() -> float:
    """This process's peak resident memory (VmHWM, MB): its own, unlike ru_maxrss after a fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def batch_lines(log_text: str) -> list[dict[str, float]]:
    """The delivery-batch lines of a worker log as dicts of their numeric keys (BATCH_KEYS); [] if none."""
    lines = []
    for line in log_text.splitlines():
        match = BATCH_LINE.search(line)
        if not match:
            continue
        pairs = dict(p.split("=", 1) for p in match["fields"].split() if "=" in p)
        try:
            lines.append({key: float(pairs[key]) for key in BATCH_KEYS if key in pairs})
        except ValueError:
            continue
    return lines
