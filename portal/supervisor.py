"""Keep the embedded setup's processes running: one that exits is restarted, the others carry on.

``run_portal`` used honcho's manager, which stops every process as soon as one
exits: a worker that died on one bad broker message took the web server, beat
and the simulated Odoo down with it. Here a process that exits while the
supervisor is not stopping is reported and started again after a back-off (1 s,
doubling up to 60 s while it keeps exiting within 30 s of its start; 1 s again
after a longer run), and only Ctrl-C (SIGINT) or SIGTERM stops them all. Every
start, exit and restart is a ``system`` line of the run's output, and a summary
of the restarts closes it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

from honcho.colour import get_colours
from honcho.printer import Message, Printer

SYSTEM = "system"


@dataclass
class Program:
    """One supervised command and what became of it."""

    name: str
    command: list[str]
    env: dict[str, str]
    colour: str | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    failures_in_a_row: int = 0
    exits: list[int] = field(default_factory=list)


def describe_exit(returncode: int) -> str:
    """``rc=1``, or ``killed by SIGKILL`` for a negative return code."""
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"rc={returncode}"


class Supervisor:
    """Run programs in their own process groups, restart those that exit, stop all on a signal.

    ``backoff_base``/``backoff_cap`` (seconds) space the restarts of a program that keeps
    exiting; ``stable_after`` (seconds) of running resets its back-off.
    """

    def __init__(
        self,
        output: TextIO | None = None,
        *,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        stable_after: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.printer = Printer(output or sys.stdout, width=len(SYSTEM))
        self.backoff_base, self.backoff_cap, self.stable_after = backoff_base, backoff_cap, stable_after
        self.stop_timeout = stop_timeout
        self.programs: dict[str, Program] = {}
        self.lines: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.stopping = threading.Event()
        self._colours = get_colours()

    def add(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.programs[name] = Program(name, command, env, colour=next(self._colours))
        self.printer.width = max(self.printer.width, len(name))

    # --- output ---------------------------------------------------------------------------
    def say(self, text: str, name: str = SYSTEM, colour: str | None = None) -> None:
        self.printer.write(Message("line", text, datetime.datetime.now(), name, colour))

    def _pump(self, name: str, stream) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put((name, line))
        stream.close()

    def _drain(self, timeout: float) -> None:
        try:
            name, line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            program = self.programs.get(name)
            self.say(line.decode("utf-8", "replace").rstrip("\n"), name, program.colour if program else None)
            try:
                name, line = self.lines.get_nowait()
            except queue.Empty:
                return

    # --- life cycle -----------------------------------------------------------------------
    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(  # noqa: S603 - the portal's own commands
            program.command,
            env=program.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: Ctrl-C reaches the supervisor, which stops it in order
        )
        program.started_at, program.restart_at = time.monotonic(), None
        threading.Thread(target=self._pump, args=(program.name, program.process.stdout), daemon=True).start()
        self.say(f"{program.name} started (pid={program.process.pid})")

    def _exited(self, program: Program, returncode: int) -> None:
        # What it left behind (a killed worker's pool, a killed master's web workers) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(program.process.pid, signal.SIGKILL)
        now = time.monotonic()
        ran = now - program.started_at
        program.exits.append(returncode)
        program.failures_in_a_row = 1 if ran >= self.stable_after else program.failures_in_a_row + 1
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (program.failures_in_a_row - 1))
        program.restarts += 1
        program.restart_at = now + delay
        program.process = None
        self.say(
            f"{program.name} exited unexpectedly ({describe_exit(returncode)}) after {ran:.1f} s; "
            f"restart {program.restarts} in {delay:g} s, the other processes carry on"
        )

    def step(self, timeout: float = 0.2) -> None:
        """Print what the programs wrote, notice exits, start what is due."""
        self._drain(timeout)
        now = time.monotonic()
        for program in self.programs.values():
            if program.process is not None:
                returncode = program.process.poll()
                if returncode is not None and not self.stopping.is_set():
                    self._exited(program, returncode)
            elif program.restart_at is not None and program.restart_at <= now and not self.stopping.is_set():
                self._start(program)

    def start(self) -> None:
        """Start every program (``run`` does it; tests drive ``start``, ``step`` and ``stop`` themselves)."""
        for program in self.programs.values():
            self._start(program)

    def run(self) -> int:
        """Start every program and keep them running until SIGINT or SIGTERM; returns 128 + its number."""
        received: list[int] = []

        def on_signal(signum, _frame) -> None:
            received.append(signum)
            self.stopping.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            while not self.stopping.is_set():
                self.step()
            self.say(f"{signal.Signals(received[0]).name} received: stopping every process")
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 128 + received[0]  # as a shell reports a command ended by that signal

    def stop(self) -> None:
        """SIGTERM each program, wait for them, SIGKILL the process groups of those that do not stop."""
        self.stopping.set()
        running = [p for p in self.programs.values() if p.process is not None and p.process.poll() is None]
        for program in running:
            with contextlib.suppress(ProcessLookupError):
                program.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while running:
            self._drain(0.1)
            late = time.monotonic() > deadline
            for program in [p for p in running if late or p.process.poll() is not None]:
                if program.process.poll() is None:
                    self.say(f"{program.name} did not stop in {self.stop_timeout:.0f} s: SIGKILL")
                # The whole group: pool children and gunicorn workers go with their parent.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(program.process.pid, signal.SIGKILL)
                program.process.wait()
                self.say(f"{program.name} stopped ({describe_exit(program.process.returncode)})")
                running.remove(program)
        self._drain(0.1)
        restarts = ", ".join(f"{p.name} {p.restarts}" for p in self.programs.values())
        self.say(f"restarts during this run: {restarts}")
