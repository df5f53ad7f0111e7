"""run_portal's supervisor: a process that exits is restarted with back-off and the others carry on."""

from __future__ import annotations

import io
import os
import socket
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from portal.supervisor import Supervisor

STEADY = [sys.executable, "-c", "import time\nprint('steady up', flush=True)\ntime.sleep(600)"]
CRASHY = [sys.executable, "-c", "import sys\nprint('crashy up', flush=True)\nsys.exit(3)"]
# Ignores SIGTERM and leaves a child behind in its process group, as a hung worker with its pool would.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('child', child.pid, flush=True)\n"
    "time.sleep(600)",
]


def steps_until(supervisor: Supervisor, condition, limit: int = 400) -> None:
    for _ in range(limit):
        supervisor.step(timeout=0.05)
        if condition():
            return
    raise AssertionError(f"not reached in {limit} steps:\n{supervisor.printer.output.getvalue()}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); /proc says whether it is one.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a SIGKILL takes effect a moment after it is sent)."""
    for _ in range(100):
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def supervisor():
    sup = Supervisor(io.StringIO(), backoff_base=0.1, backoff_cap=0.4, stable_after=600, stop_timeout=2)
    yield sup
    sup.stop()


def test_a_process_that_exits_is_restarted_with_growing_back_off_and_the_others_carry_on(supervisor):
    env = dict(os.environ)
    supervisor.add("steady", STEADY, env)
    supervisor.add("crashy", CRASHY, env)
    supervisor.start()
    steady_pid = supervisor.programs["steady"].process.pid
    steps_until(supervisor, lambda: supervisor.programs["crashy"].restarts >= 4)
    out = supervisor.printer.output.getvalue()
    assert "crashy exited unexpectedly (rc=3) after " in out
    for n, delay in enumerate(["0.1", "0.2", "0.4", "0.4"], start=1):  # doubling, capped
        assert f"restart {n} in {delay} s, the other processes carry on" in out
    assert out.count("crashy | crashy up") >= 4
    assert supervisor.programs["steady"].process.pid == steady_pid and alive(steady_pid)
    assert supervisor.programs["steady"].restarts == 0


def test_the_back_off_starts_again_after_a_stable_run(supervisor):
    supervisor.stable_after = 0  # every run counts as stable
    supervisor.add("crashy", CRASHY, dict(os.environ))
    supervisor.start()
    steps_until(supervisor, lambda: supervisor.programs["crashy"].restarts >= 3)
    out = supervisor.printer.output.getvalue()
    assert "restart 3 in 0.1 s" in out and "in 0.2 s" not in out


def test_a_killed_process_leaves_nothing_behind_and_stop_ends_every_group(supervisor):
    supervisor.add("stubborn", STUBBORN, dict(os.environ))
    supervisor.add("steady", STEADY, dict(os.environ))
    supervisor.start()
    steps_until(supervisor, lambda: "child " in supervisor.printer.output.getvalue())
    child = int(supervisor.printer.output.getvalue().split("child ")[1].split()[0])
    stubborn = supervisor.programs["stubborn"].process.pid
    os.kill(stubborn, 9)
    steps_until(supervisor, lambda: supervisor.programs["stubborn"].restarts == 1)
    assert gone(child)  # its group went with it
    steps_until(supervisor, lambda: supervisor.printer.output.getvalue().count("child ") == 2)
    second_child = int(supervisor.printer.output.getvalue().rsplit("child ", 1)[1].split()[0])
    supervisor.stop()
    out = supervisor.printer.output.getvalue()
    assert "stubborn did not stop in 2 s: SIGKILL" in out
    assert "stubborn stopped (killed by SIGKILL)" in out and "steady stopped (killed by SIGTERM)" in out
    assert gone(second_child)
    assert out.rstrip().endswith("restarts during this run: stubborn 1, steady 0")


def test_run_portal_refuses_a_port_that_is_taken():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=rf"port {port} on 127.0.0.1 \(web server\) is in use"):
            call_command("run_portal", port=port, odoo_port=0, stdout=io.StringIO())
        with pytest.raises(CommandError, match=rf"port {port} on 127.0.0.1 \(simulated Odoo\) is in use"):
            call_command("run_portal", port=_free_port(), odoo_port=port, stdout=io.StringIO())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
