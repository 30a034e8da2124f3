"""How long a full garbage collection pauses a web process: with what the process loaded to start
frozen out of the collector's sight (`config/wsgi.py`), and the same process unfrozen.

    .venv/bin/python -m bench.portal.full_collection [--times 20]

It loads the web application as gunicorn does, with a throwaway var folder; no database or broker
is needed (the application connects to nothing until a request comes).
"""

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

from operations.embedded.var_folder import var_folder_prepare


def median_pause(times: int) -> float:
    """Milliseconds a full collection takes, the median of `times`."""
    pauses = []
    for _ in range(times):
        started = time.perf_counter()
        gc.collect()
        pauses.append((time.perf_counter() - started) * 1000)
    return statistics.median(pauses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=20, help="full collections each way")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sysops-gc-") as var_dir:
        var_folder_prepare(Path(var_dir))
        os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", SYSOPS_VAR_DIR=var_dir)
        import config.wsgi  # noqa: F401 - loads the application and freezes, as the web starts

        frozen_objects = gc.get_freeze_count()
        frozen = median_pause(options.times)
        gc.unfreeze()
        unfrozen = median_pause(options.times)
    print(f"a full collection in a web process, median of {options.times}:")
    print(f"  objects loaded to start, frozen: {frozen_objects:,}")
    print(f"  frozen, as the web process runs: {frozen:.2f} ms")
    print(f"  unfrozen: {unfrozen:.2f} ms")


if __name__ == "__main__":
    main()
