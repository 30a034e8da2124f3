"""A worker process freezes what it loaded to start out of the garbage collector's sight, as the
web process does, so a full collection while it applies messages looks only at what they made."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from operations.embedded.var_folder import var_folder_prepare

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
import sys
from celery import signals
from config.celery import app
app.loader.import_default_modules()  # what a starting worker loads: Django and every task module
getattr(signals, sys.argv[1]).send(sender=None)
print("left to the collector:", "most" if len(gc.get_objects()) > gc.get_freeze_count() else "few")
"""


@pytest.mark.parametrize("ready", ["worker_ready", "worker_process_init"])
def test_a_worker_ready_to_take_messages_has_frozen_what_it_loaded(tmp_path, ready):
    var_folder_prepare(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, ready],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SYSOPS_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert probe.stdout.splitlines() == ["left to the collector: few"]
