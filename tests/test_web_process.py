"""A web process loads what its first requests need while it starts, not while a customer waits,
and opens no connection doing so: a server may load it once and fork its workers from there.
What it loaded is frozen out of the garbage collector's sight, so a full collection during a
request looks only at what requests made."""

import os
import subprocess
import sys
from pathlib import Path

from operations.embedded.var_folder import var_folder_prepare

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc
import sys
import config.wsgi
from django.conf import settings
from django.db import connections
loaded = {settings.ROOT_URLCONF, "customer_quantum.api.tickets", "kombu.transport.redis"}
print("not loaded:", sorted(loaded - set(sys.modules)))
print("connected:", sorted(c.alias for c in connections.all() if c.connection is not None))
print("left to the collector:", "most" if len(gc.get_objects()) > gc.get_freeze_count() else "few")
"""


def test_a_started_web_process_has_loaded_its_views_and_broker_transport_frozen_and_connected_nowhere(
    tmp_path,
):
    var_folder_prepare(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The embedded broker's socket in an empty folder: a connection attempt would fail.
            "SYSOPS_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert probe.stdout.splitlines() == [
        "not loaded: []",
        "connected: []",
        "left to the collector: few",
    ]
