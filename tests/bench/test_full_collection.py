"""`python -m bench.portal.full_collection` loads the web application as a web process starts and
times a full collection both ways; its figures come from what that start froze."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_times_a_full_collection_of_the_web_process_frozen_and_unfrozen():
    run = subprocess.run(
        [sys.executable, "-m", "bench.portal.full_collection", "--times", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    lines = run.stdout.splitlines()
    assert lines[0] == "a full collection in a web process, median of 2:"
    frozen_objects = int(
        re.fullmatch(r"  objects loaded to start, frozen: ([\d,]+)", lines[1])[1].replace(",", "")
    )
    assert frozen_objects > 100_000  # Django, DRF, Celery and every quantum's views
    assert re.fullmatch(r"  frozen, as the web process runs: \d+\.\d\d ms", lines[2])
    assert re.fullmatch(r"  unfrozen: \d+\.\d\d ms", lines[3])
