"""Soak test of the embedded default: ``manage.py run_portal`` under continuous activity, with faults.

    .venv/bin/python bench/embedded_soak.py                       # 10 minutes of activity
    .venv/bin/python bench/embedded_soak.py --minutes 3 --rate 8  # shorter, busier

What runs is what ``make run`` starts, in a fresh var folder and on free loopback ports:
SQLite, the embedded broker, a Celery worker and beat, gunicorn and the simulated Odoo 19,
whatever DATABASE_URL or CELERY_BROKER_URL say. A signed-in supplier posts PO messages
through the web pages at ``--rate`` a second (each is an outbox event for the PO's chatter in
Odoo), a partner's ERP reads its PO list over the API, and beat runs its pulls, sweeps and
checks. Faults, all along: an empty and a garbled message file dropped into the broker's queue
every ``--garbage-every`` seconds (what kombu's writer used to leave behind, the order desk's
t01), and the worker killed with SIGKILL every ``--kill-every`` seconds.

Checked at the end, after a bounded drain: no process lost (each runs, restarts only after
our kills), every event delivered, each exactly once in Odoo's chatter, every page and API
request answered, every garbled file parked in ``var/broker/unreadable/``, no message left
behind. Prints a JSON report (``--json`` writes it to a file too); exits 1 when a check fails.
Bounded: at most ``--minutes`` of activity, ``rate * seconds`` events, and a drain of
``--drain-seconds``; loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEMO_TENANT = "acme"
SUPPLIER = ("clerk@nordic-fasteners.example", "portal-demo-2026")
STARTED = re.compile(r"system \| (\w+) started \(pid=(\d+)\)")
MARKER = re.compile(r"portal-event-([0-9a-f-]{36})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 3)


@dataclass
class Stack:
    """The run command's processes, seen from outside: its log, its ports, its var folder."""

    var: Path
    web: str
    odoo: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    kills: list[tuple[str, int]] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """The latest pid of each program, from the run's own "started" lines."""
        return {name: int(pid) for name, pid in STARTED.findall(self.output())}

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        return done.stdout

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.var / 'portal.sqlite3'}?mode=ro", uri=True, timeout=30)


def embedded_env(var: Path, web_port: int, odoo_port: int) -> dict[str, str]:
    """The environment of a plain ``make run``: nothing of CI's PostgreSQL, Redis or shared cache."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "PORTAL_REQUIRE_SERVICES"}
        and not k.startswith(("PORTAL_OUTBOX_", "PORTAL_BREAKER_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_VAR_DIR=str(var),
        PORTAL_DEMO_ODOO_URL=f"http://127.0.0.1:{odoo_port}",
        PORTAL_BASE_URL=f"http://127.0.0.1:{web_port}",
        PORTAL_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def start(var: Path, rate: float) -> tuple[Stack, str]:
    """Migrate, seed the demo and start run_portal; returns the stack and the demo API token."""
    web_port, odoo_port = free_port(), free_port()
    env = embedded_env(var, web_port, odoo_port)
    if rate * 60 > 500:  # one supplier posting faster than any person: its page budget (600/min) follows
        env["PORTAL_WEB_RATE"] = f"{int(rate * 120)}/min"
    stack = Stack(var, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{odoo_port}", env, var / "run_portal.log")
    stack.manage("migrate", "--noinput", "-v0")
    seeded = stack.manage("seed_demo", "--check-odoo")
    token = re.search(r"token of Nordic Fasteners' ERP: (\S+)", seeded).group(1)
    with stack.log.open("w") as log:
        stack.process = subprocess.Popen(
            [PYTHON, "manage.py", "run_portal", "--port", str(web_port), "--odoo-port", str(odoo_port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return stack, token


def stop(stack: Stack) -> int | None:
    """Ctrl-C, as a user would; whatever is still running after that is killed."""
    if stack.process is None:
        return None
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait()
    for pid in stack.pids().values():  # never leave a process behind, even when the run command failed
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    return stack.process.returncode


def wait_until(what: str, condition, timeout: float, stack: Stack):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"run_portal exited while waiting for {what}:\n{stack.output()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError, sqlite3.Error):
            value = condition()
            if value:
                return value
        time.sleep(0.5)
    raise RuntimeError(f"{what}: not within {timeout} s\n{stack.output()[-4000:]}")


def sign_in(stack: Stack) -> httpx.Client:
    web = httpx.Client(base_url=stack.web, timeout=30, follow_redirects=False)
    web.get("/accounts/login/")
    answer = web.post(
        "/accounts/login/",
        data={"login": SUPPLIER[0], "password": SUPPLIER[1], "csrfmiddlewaretoken": web.cookies["csrftoken"]},
        headers={"Referer": f"{stack.web}/accounts/login/"},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"supplier sign-in answered {answer.status_code}")
    return web


def drop_garbage(stack: Stack, n: int) -> list[str]:
    """An empty file (kombu's writer between open and write) and a cut one, as the order desk saw them."""
    queue = stack.var / "broker" / "queue"
    # Named to sort first, so the worker meets them at once, not behind a backlog.
    names = [f"{0:020d}_soak-empty-{n}.realtime.msg", f"{0:020d}_soak-cut-{n}.batch.msg"]
    (queue / names[0]).write_bytes(b"")
    (queue / names[1]).write_bytes(b'{"body": "eyJ0YXNrIjog')
    return names


def mid_delivery(stack: Stack) -> bool:
    with contextlib.closing(stack.db()) as db:
        return bool(db.execute("SELECT 1 FROM integrations_outboxevent WHERE status = 'in_flight' LIMIT 1").fetchone())


def odoo_markers(stack: Stack) -> Counter:
    """Event id -> how many chatter messages of the simulated Odoo carry its marker."""
    rpc = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [
                "sim",
                2,
                "admin",
                "mail.message",
                "search_read",
                [[["model", "=", "purchase.order"], ["body", "ilike", "portal-event-"]]],
                {"fields": ["body"]},
            ],
        },
    }
    uid = httpx.post(
        f"{stack.odoo}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": "common", "method": "login", "args": ["sim", "admin", "admin"]},
        },
        timeout=60,
    ).json()["result"]
    rpc["params"]["args"][1] = uid
    rows = httpx.post(f"{stack.odoo}/jsonrpc", json=rpc, timeout=120).json()["result"]
    # A chatter message may hold several events' notes (notes on one record share a message_post).
    return Counter(found for row in rows for found in MARKER.findall(row["body"]))


def soak(
    *,
    seconds: float,
    rate: float,
    var: Path,
    garbage_every: float = 20,
    kill_every: float = 60,
    drain_seconds: float = 120,
    odoo_latency_ms: float = 15,
) -> dict:
    """Run the embedded default under activity for ``seconds``; returns the report (``report["ok"]``)."""
    stack, token = start(var, rate)
    report: dict = {"seconds": seconds, "rate_per_second": rate, "odoo_latency_ms": odoo_latency_ms, "var": str(var)}
    failures: list[str] = []
    try:
        wait_until("the web server", lambda: httpx.get(f"{stack.web}/healthz", timeout=5).status_code == 200, 90, stack)
        api = httpx.Client(base_url=stack.web, timeout=30, headers={"Authorization": f"Bearer {token}"})
        # seed_demo --check-odoo queued a first pull; the supplier needs its POs before it can write on them.
        orders = wait_until(
            "the first pull",
            lambda: [po["id"] for po in api.get("/api/v1/purchase-orders/").json()["results"]],
            120,
            stack,
        )
        web = sign_in(stack)
        csrf = web.cookies["csrftoken"]
        # What a live Odoo costs per call (bench/odoo_latency.py): deliveries take long enough that
        # a SIGKILL finds some of them half-way.
        httpx.post(f"{stack.odoo}/sim/control", json={"action": "set", "latency_ms": odoo_latency_ms}, timeout=30)

        posted, page_errors, api_errors, garbage = 0, Counter(), Counter(), []
        post_ms: list[float] = []
        started = time.monotonic()
        next_garbage, next_kill, next_read = started + 5, started + kill_every / 2, started
        n = 0
        while (now := time.monotonic()) < started + seconds:
            # Kill the worker while it delivers an event (or, failing that for 10 s, anyway).
            if now >= next_kill and (mid_delivery(stack) or now >= next_kill + 10):
                next_kill = now + kill_every
                pid = stack.pids()["worker"]
                with contextlib.suppress(ProcessLookupError):  # not up again yet: the next round kills it
                    os.kill(pid, signal.SIGKILL)
                    stack.kills.append(("worker", pid))
            due = started + n / rate
            if now < due:
                time.sleep(min(due - now, 0.05))
                continue
            po = orders[n % len(orders)]
            t0 = time.monotonic()
            answer = web.post(
                f"/t/{DEMO_TENANT}/orders/{po}/messages/",
                data={"body": f"soak message {n}", "csrfmiddlewaretoken": csrf},
                headers={"Referer": f"{stack.web}/t/{DEMO_TENANT}/orders/{po}/"},
            )
            post_ms.append((time.monotonic() - t0) * 1000)
            if answer.status_code == 302:
                posted += 1
            else:
                page_errors[answer.status_code] += 1
            n += 1
            if now >= next_read:
                next_read = now + 1
                for path, errors in (("/api/v1/purchase-orders/", api_errors), ("/readyz", api_errors)):
                    code = api.get(path).status_code
                    if code != 200:
                        errors[f"{path} {code}"] += 1
            if now >= next_garbage:
                next_garbage = now + garbage_every
                garbage += drop_garbage(stack, len(garbage))
        report["activity_seconds"] = round(time.monotonic() - started, 1)
        report["messages_posted"] = posted
        report["page_post_ms"] = {p: percentile(post_ms, q) for p, q in (("p50", 50), ("p95", 95), ("max", 100))}

        # Drain: everything produced reaches Odoo (a killed worker's event waits out its lease, then a sweep).
        drain_started = time.monotonic()

        def drained() -> bool:
            queue = stack.var / "broker" / "queue"
            if any("_soak-" in name for name in os.listdir(queue)):
                return False  # a garbled file not yet met
            with contextlib.closing(stack.db()) as db:
                return not db.execute(
                    "SELECT count(*) FROM integrations_outboxevent WHERE status != 'done'"
                ).fetchone()[0]

        with contextlib.suppress(RuntimeError):
            wait_until("every event delivered", drained, drain_seconds, stack)
        report["drain_seconds"] = round(time.monotonic() - drain_started, 1)

        with contextlib.closing(stack.db()) as db:
            events = db.execute(
                "SELECT id, status, attempts, (julianday(delivered_at) - julianday(created_at)) * 86400 "
                "FROM integrations_outboxevent WHERE topic = 'po.message_posted'"
            ).fetchall()
            statuses = dict(db.execute("SELECT status, count(*) FROM integrations_outboxevent GROUP BY status"))
            portal_messages = db.execute("SELECT count(*) FROM suppliers_purchaseordermessage").fetchone()[0]
        markers = odoo_markers(stack)
        ids = {str(uuid.UUID(row[0])) for row in events}
        lags = [row[3] for row in events if row[3] is not None]
        report.update(
            events=len(events),
            events_by_status=statuses,
            portal_messages=portal_messages,
            delivered_once=sum(1 for i in ids if markers.get(i) == 1),
            delivered_twice_or_more=sorted(i for i in ids if markers.get(i, 0) > 1),
            not_in_odoo=sorted(i for i in ids if i not in markers),
            in_odoo_not_in_portal=sorted(set(markers) - ids),
            attempts=dict(Counter(row[2] for row in events)),
            delivery_lag_s={"p50": percentile(lags, 50), "p95": percentile(lags, 95), "max": percentile(lags, 100)},
            # Events a killed worker held mid-delivery: sent again once their lease ran out.
            orphans_recovered=sum(1 for row in events if row[2] > 1),
            orphan_lag_s=percentile([row[3] for row in events if row[2] > 1 and row[3] is not None], 100),
            page_errors=dict(page_errors),
            api_errors=dict(api_errors),
        )

        # Processes: each one running now; the only restarts are the worker's, after our kills.
        output = stack.output()
        alive = {}
        for name, pid in stack.pids().items():
            try:
                os.kill(pid, 0)
                alive[name] = True
            except ProcessLookupError:
                alive[name] = False
        exits = re.findall(r"system \| (\w+) exited unexpectedly \(([^)]*)\)", output)
        report.update(
            processes_running=alive,
            worker_kills=len(stack.kills),
            unexpected_exits=[f"{name} ({how})" for name, how in exits],
        )

        broker = stack.var / "broker"
        parked = sorted(os.listdir(broker / "unreadable"))
        left = [
            name
            for name in os.listdir(broker / "queue")
            if name.endswith(".msg") and time.time() - (broker / "queue" / name).stat().st_mtime > 30
        ]
        report.update(
            garbage_dropped=len(garbage),
            garbage_parked=len(set(garbage) & set(parked)),
            parked_not_ours=sorted(set(parked) - set(garbage)),
            messages_left_in_queue=left,
            unreadable_logged=output.count("is not a message ("),
            # Per program; the simulated Odoo logs one for each connection a killed worker drops.
            tracebacks=dict(Counter(re.findall(r"(\w+) +\| Traceback \(most recent call last\)", output))),
        )

        if set(alive) != {"web", "worker", "beat", "odoo"} or not all(alive.values()):
            failures.append(f"processes not all running: {alive}")
        if [name for name, _ in exits] != ["worker"] * len(stack.kills):
            failures.append(f"unexpected exits: {report['unexpected_exits']} after {len(stack.kills)} kill(s)")
        if report["events"] != posted or portal_messages != posted:
            failures.append(f"{posted} messages posted, {portal_messages} saved, {report['events']} events")
        if statuses.keys() - {"done"}:
            failures.append(f"not all delivered after {drain_seconds} s: {statuses}")
        if report["delivered_once"] != len(ids) or report["in_odoo_not_in_portal"]:
            failures.append(
                f"{len(report['delivered_twice_or_more'])} twice, {len(report['not_in_odoo'])} missing, "
                f"{len(report['in_odoo_not_in_portal'])} unknown in Odoo"
            )
        if page_errors or api_errors:
            failures.append(f"requests failed: pages {dict(page_errors)}, API {dict(api_errors)}")
        if report["garbage_parked"] != len(garbage) or report["parked_not_ours"]:
            failures.append(f"{len(garbage)} garbled files dropped, {report['garbage_parked']} parked: {parked}")
        if left:
            failures.append(f"messages left in the queue: {left}")
    finally:
        report["run_portal_exit"] = stop(stack)
    # Stopped: what the worker held but had not acknowledged went back to the queue.
    claimed = stack.var / "broker" / "claimed"
    report["claims_left"] = sorted(os.listdir(claimed)) if claimed.exists() else []
    if report["claims_left"]:
        failures.append(f"claims left after the stop: {report['claims_left']}")
    tail = stack.output().rstrip().splitlines()[-1:]
    report["last_line"] = tail[0] if tail else ""
    if report["run_portal_exit"] != 128 + signal.SIGINT:
        failures.append(f"run_portal ended with {report['run_portal_exit']}")
    report["failures"] = failures
    report["ok"] = not failures
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=5, help="PO messages posted per second")
    parser.add_argument("--garbage-every", type=float, default=20, help="seconds between garbled broker files")
    parser.add_argument("--kill-every", type=float, default=60, help="seconds between SIGKILLs of the worker")
    parser.add_argument("--drain-seconds", type=float, default=120)
    parser.add_argument("--odoo-latency-ms", type=float, default=15, help="added to every simulated Odoo call")
    parser.add_argument("--var", type=Path, help="var folder (default: a fresh temporary one, removed after)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="portal-soak-") as scratch:
        report = soak(
            seconds=args.minutes * 60,
            rate=args.rate,
            var=args.var or Path(scratch),
            garbage_every=args.garbage_every,
            kill_every=args.kill_every,
            drain_seconds=args.drain_seconds,
            odoo_latency_ms=args.odoo_latency_ms,
        )
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
