"""A web process loads what its first requests need while it starts, not while a customer waits,
and opens no connection doing so: a server may load it once and fork its workers from there.
What a web or worker process loaded to start is frozen out of the garbage collector's sight, so a
full collection while it serves looks only at what requests and messages made."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from operations.embedded.var_folder import var_folder_prepare

ROOT = Path(__file__).resolve().parents[1]

LEFT_TO_THE_COLLECTOR = """
import gc
print("left to the collector:", "most" if len(gc.get_objects()) > gc.get_freeze_count() else "few")
"""
WEB_STARTED = """
import sys
import config.wsgi
from django.conf import settings
from django.db import connections
loaded = {settings.ROOT_URLCONF, "customer_quantum.api.tickets", "kombu.transport.redis"}
print("not loaded:", sorted(loaded - set(sys.modules)))
print("connected:", sorted(c.alias for c in connections.all() if c.connection is not None))
"""
WORKER_STARTED = """
import sys
from celery import signals
from config.celery import app
app.loader.import_default_modules()  # what a starting worker loads: Django and every task module
getattr(signals, sys.argv[1]).send(sender=None)
"""


def probe_lines(var_dir: Path, code: str, *argv: str) -> list[str]:
    """What `code` prints, run in a process of its own on the embedded default's settings."""
    var_folder_prepare(var_dir)
    probe = subprocess.run(
        [sys.executable, "-c", code + LEFT_TO_THE_COLLECTOR, *argv],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The embedded broker's socket in an empty folder: a connection attempt would fail.
            "SYSOPS_VAR_DIR": str(var_dir),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return probe.stdout.splitlines()


def test_a_started_web_process_has_loaded_its_views_and_broker_transport_frozen_and_connected_nowhere(
    tmp_path,
):
    assert probe_lines(tmp_path, WEB_STARTED) == [
        "not loaded: []",
        "connected: []",
        "left to the collector: few",
    ]


@pytest.mark.parametrize("ready", ["worker_ready", "worker_process_init"])
def test_a_worker_ready_to_take_messages_has_frozen_what_it_loaded(tmp_path, ready):
    assert probe_lines(tmp_path, WORKER_STARTED, ready) == ["left to the collector: few"]
