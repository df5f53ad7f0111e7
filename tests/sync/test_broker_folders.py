"""The embedded broker keeps every folder under the var dir: nothing lands in the checkout or the current directory.

kombu's filesystem transport defaults its control folder to ``./control``; a run
from the checkout once left such a folder at the top of the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Settings as the embedded default loads them, then one message through the broker both ways, as web and worker do.
SCRIPT = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.conf import settings
    from kombu import Exchange, Queue
    from portal.celery import app

    queue = Queue("h6-probe", Exchange("h6-probe", type="direct"), routing_key="h6-probe")
    with app.connection_for_write() as conn:
        conn.Producer(serializer="json").publish({"n": 1}, exchange=queue.exchange, routing_key="h6-probe",
                                                 declare=[queue])
        got = []
        with conn.Consumer([queue], callbacks=[lambda body, message: (got.append(body), message.ack())],
                           accept=["json"]):
            conn.drain_events(timeout=10)
    print(json.dumps({"url": settings.CELERY_BROKER_URL, "options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                      "got": got}))
    """
)


def test_the_embedded_brokers_folders_are_under_the_var_dir(tmp_path):
    var, elsewhere = tmp_path / "var", tmp_path / "cwd"
    elsewhere.mkdir()
    env = {name: value for name, value in os.environ.items() if name not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env |= {"PORTAL_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["url"] == "filesystem://" and seen["got"] == [{"n": 1}]
    folders = {name: Path(value) for name, value in seen["options"].items() if name.endswith("_folder")}
    folders |= {name: Path(seen["options"][name]) for name in ("data_folder_in", "data_folder_out")}
    assert {"control_folder", "data_folder_in", "tmp_folder", "claimed_folder", "unreadable_folder"} <= set(folders)
    for name, folder in folders.items():
        assert folder.is_relative_to(var / "broker"), (name, folder)
        assert folder.is_dir(), name
    assert list(elsewhere.iterdir()) == []  # no ./control, no ./data_folder...
