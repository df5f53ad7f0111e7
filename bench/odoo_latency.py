"""Per-call latency of the simulated Odoo, measured with odoorpc, beside the live Odoo 18 figures.

    .venv/bin/python bench/odoo_latency.py [--latency-ms N] [--calls 60]

Starts the simulator (with about 426 purchase orders, like the lab database),
then times the calls recorded in tests/odoo_reference/odoo18/measurements/ (the shared reference's copy)
the same way: wall time of one execute_kw round trip on the client, after
three warm-up calls.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import odoorpc  # noqa: E402

from integrations.odoo_sim.process import SimProcess, free_port  # noqa: E402

MEASUREMENTS = ROOT / "tests" / "odoo_reference" / "odoo18" / "measurements"  # copies of the recordings
FIELDS10 = [
    "name",
    "state",
    "partner_id",
    "partner_ref",
    "date_order",
    "date_planned",
    "amount_total",
    "currency_id",
    "user_id",
    "write_date",
]


def timed(fn, calls: int) -> float:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def live_figures() -> list[dict]:
    runs = []
    for path in sorted(MEASUREMENTS.glob("odoorpc_loopback_*.json")):
        results = json.loads(path.read_text())["results"]

        def median(prefix: str, results: dict = results) -> float | None:
            return next((v["median_ms"] for k, v in results.items() if k.startswith(prefix)), None)

        runs.append(
            {
                "search_read_80x10": median("search_read_purchase.order_80"),
                "read_1x10": median("read_1_record_10"),
                "write_1": median("write_1_field"),
                "message_post": median("message_post"),
            }
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency the simulator adds to every call")
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(
            port=free_port(), data=Path(tmp) / "bench.sqlite3", version="18.0", args=["--scale", "416"]
        ).start()
        try:
            sim.control("set", latency_ms=args.latency_ms)
            odoo = odoorpc.ODOO("127.0.0.1", port=sim.port, timeout=30)
            odoo.login("sim", "integration", "integration")
            ids = odoo.execute_kw("purchase.order", "search", [[]], {"limit": 80})
            po = ids[0]
            figures = {
                "search_read_80x10": timed(
                    lambda: odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": FIELDS10, "limit": 80}),
                    args.calls,
                ),
                "read_1x10": timed(
                    lambda: odoo.execute_kw("purchase.order", "read", [[po]], {"fields": FIELDS10}), args.calls
                ),
                "write_1": timed(
                    lambda: odoo.execute_kw("purchase.order", "write", [[po], {"partner_ref": "BENCH"}]), args.calls
                ),
                "message_post": timed(
                    lambda: odoo.execute_kw(
                        "purchase.order", "message_post", [[po]], {"body": "bench", "subtype_xmlid": "mail.mt_note"}
                    ),
                    args.calls,
                ),
            }
            rows = odoo.execute_kw("purchase.order", "search_count", [[]])
        finally:
            sim.stop()
    live = live_figures()
    print(
        f"simulated Odoo 18 via odoorpc, {rows} purchase orders, added latency {args.latency_ms:g} ms, "
        f"median of {args.calls} calls"
    )
    print(
        f"{'call':<22}{'simulator ms':>14}"
        + "".join(f"{'live run ' + str(i + 1) + ' ms':>16}" for i in range(len(live)))
    )
    for key, value in figures.items():
        print(f"{key:<22}{value:>14.1f}" + "".join(f"{(run[key] or float('nan')):>16.1f}" for run in live))


if __name__ == "__main__":
    main()
