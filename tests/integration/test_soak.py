"""`make soak`, short: the `make run` system under every kind of API work for 20 seconds, then
each accepted request found applied exactly once where it lands, and no process exited."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak.workload import KINDS

pytestmark = pytest.mark.integration

REPOSITORY = Path(__file__).resolve().parents[2]
# Start-up (broker, migrations, demo data, seven processes), 20 s of load, the drain and the stop
# take under two minutes on two busy cores; the timeout only stops a soak that hangs.
SOAK_TIMEOUT_SECONDS = 300


def test_a_short_soak_applies_every_accepted_request_once(tmp_path: Path) -> None:
    soak = subprocess.run(
        [
            sys.executable,
            *("-m", "bench.soak", "--duration", "20s", "--rate", "3"),
            *("--drain-timeout", "90s", "--workdir", str(tmp_path)),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=SOAK_TIMEOUT_SECONDS,
        check=False,
    )
    output = f"{soak.stdout[-3000:]}\n{soak.stderr[-3000:]}"
    result = json.loads((tmp_path / "result.json").read_text())
    counts = result["counts"]

    for kind in KINDS:
        assert counts[kind]["accepted"] > 0, f"no {kind} accepted:\n{output}"
    total = counts["total"]
    assert total["refused"] == 0, result["refused_statuses"]
    assert (total["lost"], total["duplicated"]) == (0, 0), output
    assert total["applied_once"] == total["accepted"], output
    assert sum(result["exits"].values()) == 0, result["exits"]
    assert result["every_message_confirmed"], output
    assert soak.returncode == 0, output
