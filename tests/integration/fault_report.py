"""The fault tests' counts, kept one way for all: each fault test records what it sent and what it
found applied, and the last run of each test is a JSON file in `FAULT_REPORT_DIR` (`var/fault-report`
by default). `python -m tests.integration.fault_report [FOLDER]` prints them as a markdown table,
the source of the counts in the README's fault table.

A test whose fault clears (a server back, a process restarted) also measures how long the system then
took to heal: from the fault clearing until every message is applied and confirmed. The tests wait
for that far less than the confirmation timeout, so healing must come from noticing what the broker
lost, not from the last resort of resending whatever is unconfirmed."""

import contextlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db.models import QuerySet

REPORT_DIR_VARIABLE = "FAULT_REPORT_DIR"
# Given to the system of a test that measures healing: only the kernel's noticing what the broker
# lost can then bring a message back within the test's deadline, never the confirmation timeout.
LAST_RESORT_OUT_OF_REACH = {"MESSAGING_CONFIRM_TIMEOUT_SECONDS": "600"}
DEFAULT_REPORT_DIR = Path(__file__).resolve().parents[2] / "var" / "fault-report"


@dataclass(frozen=True)
class FaultCounts:
    sent: int
    applied: int
    lost: int
    duplicated: int

    @classmethod
    def of(cls, *, sent: Iterable[object], applied: Iterable[object]) -> "FaultCounts":
        """`sent` names each operation sent once; `applied` names the operation behind each effect
        found at the receiver (a row, an e-mail), so an operation applied twice is named twice.
        Every effect beyond one per operation sent counts as duplicated, including one that no
        operation sent explains."""
        # Compared as text, so an id read from an API answer matches the UUID a receiver stored.
        operations = {str(operation) for operation in sent}
        effects = Counter(str(operation) for operation in applied)
        applied_operations = operations & effects.keys()
        return cls(
            sent=len(operations),
            applied=len(applied_operations),
            lost=len(operations - applied_operations),
            duplicated=effects.total() - len(applied_operations),
        )

    def __str__(self) -> str:
        return f"{self.sent:,} → {self.applied:,}, {self.lost:,}, {self.duplicated:,}"


def report_dir() -> Path:
    return Path(os.environ.get(REPORT_DIR_VARIABLE) or DEFAULT_REPORT_DIR)


class FaultReport:
    """One test's entry: the fault it injects (its `fault` marker), its counts and its outcome."""

    def __init__(self, *, fault: str, test: str) -> None:
        self.fault = fault
        self.test = test
        self.counts: FaultCounts | None = None
        self.deliveries: int | None = None
        self.healed_in: float | None = None
        self._cleared_at: float | None = None
        self._sent: list[object] | None = None
        self._applied: Callable[[], Iterable[object]] = list
        self._inbox: QuerySet | None = None

    def watch(
        self,
        *,
        sent: Iterable[object],
        applied: Callable[[], Iterable[object]],
        inbox: QuerySet | None = None,
    ) -> None:
        """What the test sent, and how to find what the receiver applied; `inbox`, the receiver's
        inbox rows where the test has them, adds how many deliveries it took, copies included.
        Counted by `count`, or when the test ends without having counted, so a failed run still
        reports what had arrived."""
        self._sent = list(sent)
        self._applied = applied
        self._inbox = inbox

    def cleared(self) -> None:
        """The fault is over (the server is back, the process restarted): healing starts now."""
        self._cleared_at = time.monotonic()

    def healed(self) -> float:
        """Every message is applied and confirmed: returns the seconds since the fault cleared."""
        if self._cleared_at is None:
            raise RuntimeError("the test has not said when the fault cleared")
        self.healed_in = time.monotonic() - self._cleared_at
        return self.healed_in

    def count(self) -> FaultCounts:
        if self._sent is None:
            raise RuntimeError("nothing to count: the test has not called watch")
        self.counts = FaultCounts.of(sent=self._sent, applied=self._applied())
        if self._inbox is not None:
            self.deliveries = sum(self._inbox.values_list("deliveries", flat=True))
        return self.counts

    def write(self, *, outcome: str) -> Path:
        """Replaces this test's previous entry, so the folder always holds each test's last run."""
        if self.counts is None and self._sent is not None:
            # Whatever stops the count (a database the fault left down), the entry is written.
            with contextlib.suppress(Exception):
                self.count()
        folder = report_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", self.test).strip("-") + ".json")
        entry = {
            "fault": self.fault,
            "test": self.test,
            "outcome": outcome,
            "counts": asdict(self.counts) if self.counts else None,
            "deliveries": self.deliveries,
            "healed_in_seconds": None if self.healed_in is None else round(self.healed_in, 1),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path.write_text(json.dumps(entry, indent=2) + "\n")
        return path


def table(folder: Path) -> str:
    entries = sorted(
        (json.loads(path.read_text()) for path in folder.glob("*.json")),
        key=lambda entry: (entry["fault"], entry["test"]),
    )
    rows = [
        "| fault | test | sent → applied, lost, duplicated | deliveries | healed in | last run |",
        "|---|---|---|---|---|---|",
    ]
    for entry in entries:
        counts = FaultCounts(**entry["counts"]) if entry["counts"] else "not counted"
        deliveries = entry["deliveries"] if entry["deliveries"] is not None else "—"
        healed = entry.get("healed_in_seconds")
        healed_in = "—" if healed is None else f"{healed:.1f} s"
        rows.append(
            f"| {entry['fault']} | `{entry['test']}` | {counts} | {deliveries} | {healed_in} "
            f"| {entry['outcome']}, {entry['finished_at']} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else report_dir()))
