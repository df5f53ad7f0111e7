"""The simulated Odoo stands for a separate server: it starts and runs without Django or the portal's apps."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from integrations.odoo_sim.process import ROOT, SimProcess, free_port, sim_environment

# The portal's side: Django, its apps and its Odoo client. The test harness (process.py) may use them.
PORTAL_SIDE = (
    *("django", "rest_framework", "celery", "portal", "suppliers", "quality"),
    *("integrations.odoo.", "integrations.models", "integrations.services"),
)


def _python(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=sim_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_simulators_modules_import_nothing_of_the_portal():
    script = textwrap.dedent(
        f"""
        import os, pkgutil, importlib, sys
        assert "DJANGO_SETTINGS_MODULE" not in os.environ
        import integrations.odoo_sim as sim
        names = [m.name for m in pkgutil.walk_packages(sim.__path__, "integrations.odoo_sim.")]
        # process is the tests' harness (it uses the portal's client); __main__ would start a server.
        names = [n for n in names if n.rsplit(".", 1)[-1] not in ("process", "__main__")]
        for name in names:
            importlib.import_module(name)
        assert "integrations.odoo_sim.server" in sys.modules and "integrations.odoo_sim.cli" in sys.modules
        print(len(names))
        print(sorted(m for m in sys.modules if m.startswith({PORTAL_SIDE!r}) or m == "integrations.odoo"))
        """
    )
    done = _python("-c", script)
    assert done.returncode == 0, done.stderr
    count, leaked = done.stdout.splitlines()
    assert int(count) >= 10  # server, seed, db, orm, callkw, models...: the walk found the package
    assert leaked == "[]"


def test_python_m_answers_help_without_django():
    done = _python("-m", "integrations.odoo_sim", "--help")
    assert done.returncode == 0, done.stderr
    assert "--odoo-version {18.0,19.0}" in done.stdout and "--reception-steps" in done.stdout


def test_by_default_its_data_is_kept_per_version_in_the_var_dir(tmp_path):
    var = tmp_path / "var"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "integrations.odoo_sim", "--port", str(port), "--odoo-version", "19.0"],
        cwd=ROOT,
        env=sim_environment({**os.environ, "PORTAL_VAR_DIR": str(var)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/sim/control", json={"action": "stats"}, timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the simulated Odoo did not start within 60 s"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert (var / "odoo_sim-19.0.sqlite3").exists()
        version = httpx.post(f"http://127.0.0.1:{port}/web/webclient/version_info", json={}, timeout=5).json()
        assert version["result"]["server_serie"] == "19.0"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stdout.read().startswith("Simulated Odoo 19.0 on http://127.0.0.1:")


def _seeded_as_19(tmp_path: Path) -> Path:
    sim = SimProcess(port=free_port(), data=tmp_path / "sim.sqlite3", version="19.0").start()
    sim.stop()
    return sim.data


def test_a_data_file_of_the_other_version_is_refused_by_the_command_and_its_manage_py_alias(tmp_path):
    data = _seeded_as_19(tmp_path)
    done = _python("-m", "integrations.odoo_sim", "--data", str(data), "--odoo-version", "18.0")
    assert done.returncode == 1
    assert "holds an Odoo 19.0 database; use --reset to seed it as 18.0" in done.stderr
    with pytest.raises(CommandError, match=r"holds an Odoo 19\.0 database; use --reset"):
        call_command("odoo_sim", data=str(data), odoo_version="18.0")
