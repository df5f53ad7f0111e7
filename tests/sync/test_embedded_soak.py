"""The embedded default under continuous activity and faults: no process lost, every event delivered once.

bench/embedded_soak.py runs it longer (README, Benchmarks). This run: a minute of PO messages posted
through the web pages, a partner's ERP reading over the API, beat's pulls and sweeps; garbled files
dropped into the broker's queue every 20 s and the worker killed with SIGKILL twice, mid-delivery.
"""

from __future__ import annotations

import json

import pytest

from bench.embedded_soak import soak

pytestmark = pytest.mark.soak


def test_the_embedded_default_keeps_every_process_and_delivers_every_event_once(tmp_path):
    report = soak(seconds=60, rate=4, var=tmp_path / "var", garbage_every=20, kill_every=30, drain_seconds=100)
    print(json.dumps(report, indent=1, default=str))
    assert report["failures"] == []
    assert report["processes_running"] == {"web": True, "worker": True, "beat": True, "odoo": True}
    assert report["worker_kills"] == 2
    assert report["unexpected_exits"] == ["worker (killed by SIGKILL)"] * 2  # ours, and nothing else
    assert report["events"] == report["messages_posted"] == report["portal_messages"] == 240
    # every event done, the demo's own too (its scorecard standing change) besides the 240 messages
    assert set(report["events_by_status"]) == {"done"} and report["events_by_status"]["done"] >= 240
    assert report["delivered_once"] == 240
    assert report["delivered_twice_or_more"] == report["not_in_odoo"] == report["in_odoo_not_in_portal"] == []
    assert report["page_errors"] == report["api_errors"] == {}
    assert report["garbage_parked"] == report["garbage_dropped"] == report["unreadable_logged"] == 6
    assert report["messages_left_in_queue"] == report["claims_left"] == []
    assert "worker" not in report["tracebacks"] and "beat" not in report["tracebacks"]
    assert report["run_portal_exit"] == 130
    assert report["last_line"].endswith("restarts during this run: web 0, worker 2, beat 0, odoo 0")
