"""Run the simulated Odoo as its own process (tests, benchmarks), and steer its fault knobs.

The harness side: it speaks to the simulator through the portal's client config (``integrations.odoo``),
which the simulator itself never imports (it starts as ``python -m integrations.odoo_sim``, without Django).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from integrations.odoo import OdooConfig
from integrations.odoo_sim import seed

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sim_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) for a simulator process: unbuffered, and without
    DJANGO_SETTINGS_MODULE, since it stands for a separate server that knows nothing of the portal."""
    env = {**(os.environ if base is None else base), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@dataclass
class SimProcess:
    port: int
    data: Path
    version: str = "19.0"
    args: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, reset: bool = True) -> SimProcess:
        command = [
            sys.executable,
            "-m",
            "integrations.odoo_sim",
            "--port",
            str(self.port),
            "--data",
            str(self.data),
            "--odoo-version",
            self.version,
            *self.args,
            *(["--reset"] if reset else []),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own simulator, fixed arguments
            command,
            cwd=ROOT,
            env=sim_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"simulated Odoo exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                self.control("stats")
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("simulated Odoo did not start within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def control(self, action: str, **values) -> dict:
        response = httpx.post(f"{self.url}/sim/control", json={"action": action, **values}, timeout=120)
        response.raise_for_status()
        return response.json()

    def config(
        self,
        *,
        transport: str,
        login: str = seed.INTEGRATION_LOGIN,
        password: str | None = None,
        api_key: str | None = None,
        timeout: float = 10.0,
    ) -> OdooConfig:
        return OdooConfig(
            url=self.url,
            database=seed.DATABASE,
            login=login,
            password=password
            if password is not None
            else (seed.INTEGRATION_PASSWORD if login == seed.INTEGRATION_LOGIN else login),
            api_key=api_key if api_key is not None else seed.INTEGRATION_API_KEY,
            transport=transport,
            timeout=timeout,
        )
